/**
 * The schema as a plan sees it, with the schema cookie (`PRAGMA schema_version`) read in the same
 * read transaction. SQLite bumps the cookie on every DDL statement, so the applier can prove, once
 * it holds the write lock, that nobody changed the schema between this read and the apply.
 * Still one round trip: a read batch is one request over HTTP.
 */
import type { Client } from '@libsql/client';
import { INTROSPECTION_SQL, schemaFromRows } from './introspect.js';
import type { DatabaseSchema } from './model.js';

export interface SchemaSnapshot {
  readonly schema: DatabaseSchema;
  readonly schemaCookie: number;
}

export async function readSchemaSnapshot(client: Client): Promise<SchemaSnapshot> {
  const [cookie, schema] = await client.batch(['PRAGMA schema_version', INTROSPECTION_SQL], 'read');
  const value = cookie?.rows[0]?.[0];
  if (schema === undefined || (typeof value !== 'number' && typeof value !== 'bigint')) {
    throw new Error('introspection returned no schema cookie');
  }
  return {
    schema: schemaFromRows(schema.rows as unknown as ReadonlyArray<Record<string, unknown>>),
    schemaCookie: Number(value),
  };
}
