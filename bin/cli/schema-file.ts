/**
 * The one place the CLI turns a schema file (--schema, --from, --to) into a desired schema, so the
 * loader behind it can be swapped in one line. Errors name the file and, when known, the line.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { DataStep, DropAllowance } from '../../lib/diff.js';
import { DesiredSchemaError, loadDesiredSchema } from '../../lib/desired.js';
import type { DatabaseSchema } from '../../lib/model.js';
import type { Renames } from '../../lib/renames.js';
import { SchemaFileError, UsageError } from './errors.js';

export interface SchemaFile {
  readonly file: string;
  readonly desired: DatabaseSchema;
  /** Rename hints, drop allowances and data steps the file carries (none with today's loader). */
  readonly renames: Renames;
  readonly allowDrops: DropAllowance;
  readonly dataSteps: readonly DataStep[];
}

/** 1-based line of `statement` in `text`, when it appears there verbatim. */
function lineOf(text: string, statement: string | null): number | null {
  if (statement === null) return null;
  const at = text.indexOf(statement.trim());
  return at < 0 ? null : text.slice(0, at).split('\n').length;
}

export async function loadSchemaFile(file: string, flagName = '--schema'): Promise<SchemaFile> {
  if (!existsSync(file)) throw new UsageError(`${flagName}: schema file ${file} does not exist`, false);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SchemaFileError(`schema file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return { file, desired: await loadDesiredSchema(text), renames: {}, allowDrops: {}, dataSteps: [] };
  } catch (error) {
    if (!(error instanceof DesiredSchemaError)) throw error;
    const line = lineOf(text, error.statement);
    // The loader appends the whole statement ("… in: CREATE …"); the line number points at it instead.
    const problem = line === null ? error.message : error.message.replace(/ in: [\s\S]*$/, '');
    throw new SchemaFileError(`schema file ${file}${line === null ? '' : `, line ${line}`}: ${problem.replace(/\b(SQLITE_[A-Z_]+): \1: /g, '$1: ')}`);
  }
}
