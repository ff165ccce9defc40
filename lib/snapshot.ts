/**
 * The schema as a plan sees it, with the schema cookie (`PRAGMA schema_version`) read in the same
 * read transaction. SQLite bumps the cookie on every DDL statement, so the applier can prove, once
 * it holds the write lock, that nobody changed the schema between this read and the apply.
 * Still one round trip: a read batch is one request over HTTP.
 */
import { createHash } from 'node:crypto';
import type { Client, ResultSet } from '@libsql/client';
import { INTROSPECTION_SQL, schemaFromRows } from './introspect.js';
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
  return { schema: schemaFromRows(rows.rows as unknown as ReadonlyArray<Record<string, unknown>>), schemaCookie };
}

/**
 * sqlite_schema as stored. Everything introspection reports (columns, keys, indexes, strictness)
 * SQLite derives from these rows, so two databases with the same rows have the same model, hence the
 * same plan: their hash is the fingerprint, and it costs one light query instead of the full
 * introspection, which only the first database of each fingerprint needs (see lib/plan-cache.ts).
 */
const FINGERPRINT_SQL = 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name, tbl_name';

export interface SchemaFingerprint {
  readonly fingerprint: string;
  readonly schemaCookie: number;
}

/**
 * The fingerprint, with the schema cookie read in the same read transaction: the apply batch
 * asserts the cookie unchanged once it holds the write lock, so the schema a shared plan was
 * chosen for is still the schema it runs on.
 */
export async function readSchemaFingerprint(client: Client): Promise<SchemaFingerprint> {
  const { rows, schemaCookie } = await withCookie(client, FINGERPRINT_SQL, 'fingerprint read');
  const hash = createHash('sha256');
  for (const row of rows.rows) {
    for (let i = 0; i < 4; i++) {
      const value = row[i];
      hash.update(value === null || value === undefined ? '\u0000N' : `\u0000${String(value)}`);
    }
  }
  return { fingerprint: hash.digest('hex'), schemaCookie };
}
