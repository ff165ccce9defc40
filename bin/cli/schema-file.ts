/**
 * The one place the CLI turns a `--schema` (or `--from`/`--to`) file into a desired schema, so the
 * loader behind it can be swapped in one line.
 */
import { existsSync } from 'node:fs';
import type { DatabaseSchema } from '../../lib/model.js';
import { buildRegistry, readSqlVersionFile } from '../../schema/registry.js';
import { UsageError } from './errors.js';

export interface SchemaFile {
  readonly file: string;
  readonly desired: DatabaseSchema;
}

export async function loadSchemaFile(file: string, flagName = '--schema'): Promise<SchemaFile> {
  if (!existsSync(file)) throw new UsageError(`${flagName}: no file at ${file}`);
  const registry = await buildRegistry([await readSqlVersionFile(file, { requireSemverName: false })]);
  return { file, desired: registry.current.desired };
}
