/**
 * The schema as a plan sees it, with the schema cookie (`PRAGMA schema_version`) read in the same
 * read transaction. SQLite bumps the cookie on every DDL statement, so the applier can prove, once
 * it holds the write lock, that nobody changed the schema between this read and the apply.
 * Still one round trip: a read batch is one request over HTTP.
 */
import { createHash } from 'node:crypto';
import type { Client, ResultSet } from '@libsql/client';
import { INTROSPECTION_SQL, schemaFromRows } from './introspect.js';
import { columnText } from './libsql.js';
import type { DatabaseSchema } from './model.js';

export interface SchemaSnapshot {
  readonly schema: DatabaseSchema;
  readonly schemaCookie: number;
}

/** Reads `sql` with the schema cookie in one read transaction (one round trip). */
async function withCookie(
  client: Client,
  sql: string,
  what: string,
): Promise<{ rows: ResultSet; schemaCookie: number }> {
  const [cookie, rows] = await client.batch(['PRAGMA schema_version', sql], 'read');
  const value = cookie?.rows[0]?.[0];
  if (rows === undefined || (typeof value !== 'number' && typeof value !== 'bigint')) {
    throw new Error(`${what} returned no schema cookie`);
  }
  return { rows, schemaCookie: Number(value) };
}

export async function readSchemaSnapshot(client: Client): Promise<SchemaSnapshot> {
  const { rows, schemaCookie } = await withCookie(client, INTROSPECTION_SQL, 'introspection');
  return { schema: schemaFromRows(rows.rows), schemaCookie };
}

/**
 * sqlite_schema as stored, as one text that SQLite itself builds. Everything introspection
 * reports (columns, keys, indexes, strictness) SQLite derives from these rows, so two databases
 * with the same text have the same model, hence the same plan: its hash is the fingerprint, and it
 * costs one light query instead of the full introspection, which only the first database of each
 * fingerprint needs (see lib/plan-cache.ts). Because SQLite builds the text, an apply batch can
 * prove inside its own transaction that a database's schema is still exactly this one
 * (`schemaTextAssertion` in lib/apply.ts).
 */
export const SCHEMA_TEXT_SQL = `SELECT coalesce(group_concat(type || char(31) || name || char(31) || tbl_name || char(31) || coalesce(sql, char(29)), char(30) ORDER BY type, name, tbl_name), '') FROM sqlite_schema`;

export interface SchemaFingerprint {
  readonly fingerprint: string;
  /** The text the fingerprint hashes (SCHEMA_TEXT_SQL's answer). */
  readonly schemaText: string;
  readonly schemaCookie: number;
}

/**
 * The fingerprint, with the schema cookie read in the same read transaction: the apply batch
 * asserts the cookie unchanged once it holds the write lock, so the schema a shared plan was
 * chosen for is still the schema it runs on.
 */
export async function readSchemaFingerprint(client: Client): Promise<SchemaFingerprint> {
  const { rows, schemaCookie } = await withCookie(client, SCHEMA_TEXT_SQL, 'fingerprint read');
  const schemaText = columnText(rows.rows[0]?.[0] ?? '');
  return { fingerprint: createHash('sha256').update(schemaText).digest('hex'), schemaText, schemaCookie };
}
