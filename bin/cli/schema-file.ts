/**
 * The one place the CLI turns a schema file (--schema, --from, --to) into a desired schema and the
 * plan options its annotations carry (lib/schema-source.ts). Its errors say "schema file <path>,
 * line N: …".
 */
import { existsSync } from 'node:fs';
import type { PlanOptions } from '../../lib/plan/planner.js';
import type { DatabaseSchema } from '../../lib/model.js';
import { loadSchemaFile as loadSource, planOptionsAgainst, type SchemaSource } from '../../lib/schema-source.js';
import { UsageError } from './errors.js';

export interface SchemaFile {
  readonly file: string;
  readonly desired: DatabaseSchema;
  readonly source: SchemaSource;
}

export async function loadSchemaFile(file: string, flagName = '--schema'): Promise<SchemaFile> {
  if (!existsSync(file)) throw new UsageError(`${flagName}: schema file ${file} does not exist`, false);
  const source = await loadSource(file);
  return { file, desired: source.desired, source };
}

/** Renames and drop allowances of the file, checked against the schema the plan starts from. */
export function fileOptions(target: SchemaFile, actual: DatabaseSchema): Pick<PlanOptions, 'renames' | 'allowDrops'> {
  return planOptionsAgainst(target.source, actual);
}
