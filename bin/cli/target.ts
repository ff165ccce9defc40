/** What plan/apply bring the database to: the registry's current version, or a --schema file. */
import { loadRegistry, type SchemaRegistry } from '../../schema/registry.js';
import type { Io } from './io.js';
import { loadSchemaFile, type SchemaFile } from './schema-file.js';

export type Target =
  | { readonly kind: 'registry'; readonly registry: SchemaRegistry }
  | ({ readonly kind: 'file' } & SchemaFile);

/** Loaded before the database is opened, so a bad target never creates an empty database file. */
export async function loadTarget(schema: string | undefined, io: Io): Promise<Target> {
  if (schema === undefined) return { kind: 'registry', registry: await loadRegistry({ schemaDir: io.env['SCHEMA_DIR'] }) };
  return { kind: 'file', ...(await loadSchemaFile(schema)) };
}
