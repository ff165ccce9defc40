/**
 * Loading a schema written as SQL (a `<semver>.sql` version or a `--schema` file) with its
 * annotations: the schema statements go to the in-memory normaliser, the declarations are read
 * and checked against the schema, the data steps are kept as text.
 */
import { readFile } from 'node:fs/promises';
import { decodeSchemaText, loadDesiredStatements, readScript, schemaProblem } from '../desired.js';
import type { DatabaseSchema } from '../model.js';
import type { DropAllowance } from '../plan/options.js';
import type { Renames } from '../plan/renames.js';
import { readAnnotations } from './annotations.js';
import { checkDeclarations } from './checks.js';
import { dataStepsAfter } from './data-steps.js';
import { declared, type Declaration } from './declarations.js';

export interface SchemaSource {
  /** The schema part as written (without the data steps). */
  readonly sql: string;
  readonly desired: DatabaseSchema;
  readonly renames: Renames;
  readonly allowDrops: DropAllowance;
  /** SQL run once, in the apply's transaction, when a database crosses into the version. */
  readonly dataSteps: readonly string[];
  /** The renames and allowances above, each with its line, for checks that name it. */
  readonly declarations: readonly Declaration[];
  /** Line of the `-- @data` marker, when there is one. */
  readonly dataLine: number | null;
  readonly origin: string | undefined;
}

/**
 * Loads a SQL schema and its annotations. Only the statements before `-- @data` reach the
 * in-memory normaliser (and only schema statements are accepted there); the data steps are kept
 * as text, to run when a database crosses into the version.
 */
export async function loadSchemaSource(
  text: string | Uint8Array,
  origin?: string,
  loadOptions: { readonly allowEmpty?: boolean } = {},
): Promise<SchemaSource> {
  const options = { origin, requireTables: loadOptions.allowEmpty !== true };
  const sql = typeof text === 'string' ? text : decodeSchemaText(text, options);
  const script = readScript(sql, options);
  const { declarations, dataMarker } = readAnnotations(script, origin);
  const schemaStatements =
    dataMarker === null
      ? script.statements
      : script.statements.filter((statement) => statement.start < dataMarker.start);
  const dataSteps = dataStepsAfter(dataMarker, script.statements, origin);
  const desired = await loadDesiredStatements(schemaStatements, options);
  checkDeclarations(declarations, desired, origin);
  return {
    sql: dataMarker === null ? sql : sql.slice(0, dataMarker.start),
    desired,
    ...declared(declarations),
    dataSteps: dataSteps.map((step) => step.text),
    declarations,
    dataLine: dataMarker?.line ?? null,
    origin,
  };
}

/**
 * Reads a `--schema` file: errors say "schema file <path>, line N: …". A file records no version,
 * so it cannot carry data steps (they would run on every apply).
 */
export async function loadSchemaFile(path: string): Promise<SchemaSource> {
  const origin = `schema file ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw schemaProblem(origin, null, `cannot read the file: ${(error as Error).message}`);
  }
  // An empty file is checked against the database: refused where it has tables (planOptionsAgainst).
  const source = await loadSchemaSource(bytes, origin, { allowEmpty: true });
  if (source.dataLine !== null) {
    throw schemaProblem(
      origin,
      source.dataLine,
      '-- @data: data steps need a schema version (SCHEMA_DIR), which records that they ran; a --schema file records none',
    );
  }
  return source;
}
