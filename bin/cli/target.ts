/** What plan/apply bring the database to: the registry's current version, or a --schema file. */
import type { VersionTarget } from '../../lib/sync.js';
import { loadRegistry, type SchemaRegistry } from '../../schema/registry.js';
import { targetOf } from '../../lib/target.js';
import type { Io } from './io.js';
import { loadSchemaFile, type SchemaFile } from './schema-file.js';

export type Target =
  | { readonly kind: 'registry'; readonly registry: SchemaRegistry; readonly syncTarget: VersionTarget }
  | ({ readonly kind: 'file' } & SchemaFile);

/** Loaded before the database is opened, so a bad target never creates an empty database file. */
export async function loadTarget(schema: string | undefined, io: Io): Promise<Target> {
  if (schema === undefined) {
    const registry = await loadRegistry({ schemaDir: io.env['SCHEMA_DIR'] });
    return { kind: 'registry', registry, syncTarget: targetOf(registry) };
  }
  return { kind: 'file', ...(await loadSchemaFile(schema)) };
}
