/**
 * Writes schema versions as `<semver>.sql` files for SCHEMA_DIR — by default the application's
 * built-in TypeScript versions (schema/versions/index.ts) — so that they load to the same versions:
 * the `-- description:` / `-- created_at:` header, the rendered DDL with `-- @renamed` ending the
 * lines the renames name, one `-- @allow-drop` line per allowed drop, and the data steps after
 * `-- @data`. The target directory must hold no .sql file yet (a stale version would stay current).
 *
 *   npm run versions:sql -- schema/sql     # then start with SCHEMA_DIR=schema/sql
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DropAllowance } from '../lib/plan/options.js';
import type { Renames } from '../lib/plan/renames.js';
import { quoteIdentifier } from '../lib/sql/tokens.js';
import { renderDefinition, validateDefinition } from '../schema/definition.js';
import { buildRegistry } from '../schema/registry.js';
import type { SchemaVersionSource } from '../schema/version.js';
import { builtInVersions } from '../schema/versions/index.js';

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const nameOf = (name: string): string => (PLAIN_NAME.test(name) ? name : quoteIdentifier(name));

/** Appends `-- @renamed from=<old>` to the CREATE TABLE line, or the column line, each rename names. */
function annotateRenames(lines: string[], renames: Renames, file: string): void {
  const tableLine = (table: string): number => {
    const index = lines.findIndex((line) => line.startsWith(`CREATE TABLE ${quoteIdentifier(table)} (`));
    if (index === -1) throw new Error(`${file}: no CREATE TABLE line for ${table}; write its -- @renamed by hand`);
    return index;
  };
  for (const [table, from] of Object.entries(renames.tables ?? {})) {
    lines[tableLine(table)] += ` -- @renamed from=${nameOf(from)}`;
  }
  for (const [table, columns] of Object.entries(renames.columns ?? {})) {
    const start = tableLine(table);
    for (const [column, from] of Object.entries(columns)) {
      let index = start + 1;
      while (index < lines.length && !(lines[index] as string).startsWith(')')) {
        if ((lines[index] as string).startsWith(`  ${quoteIdentifier(column)} `)) break;
        index++;
      }
      if (index >= lines.length || (lines[index] as string).startsWith(')')) {
        throw new Error(`${file}: no line for column ${table}.${column}; write its -- @renamed by hand`);
      }
      lines[index] += ` -- @renamed from=${nameOf(from)}`;
    }
  }
}

function allowDropLines(allow: DropAllowance): string[] {
  const named = (kind: string, names: readonly string[] | undefined): string[] =>
    (names ?? []).map((name) => `-- @allow-drop ${kind} ${nameOf(name)}`);
  return [
    ...named('table', allow.tables),
    ...Object.entries(allow.columns ?? {}).flatMap(([table, columns]) =>
      columns.map((column) => `-- @allow-drop column ${nameOf(table)}.${nameOf(column)}`),
    ),
    ...named('index', allow.indexes),
    ...named('view', allow.views),
    ...named('trigger', allow.triggers),
  ];
}

/** One version as the text of its `<semver>.sql` file. */
export function versionToSql(source: SchemaVersionSource): string {
  if (/[\r\n]/.test(source.description)) throw new Error(`${source.file}: a description of one line is needed`);
  const ddl =
    'sql' in source.schema ? source.schema.sql : renderDefinition(validateDefinition(source.schema.definition));
  const lines = ddl.replace(/\s+$/, '').split('\n');
  annotateRenames(lines, source.renames ?? {}, source.file);
  const dropLines = allowDropLines(source.allowDrops ?? {});
  const steps = (source.dataSteps ?? []).map((step) => `${step.trim().replace(/;\s*$/, '')};`);
  return [
    `-- description: ${source.description}`,
    `-- created_at: ${new Date(source.createdAt).toISOString()}`,
    ...(dropLines.length === 0 ? [] : ['', ...dropLines]),
    '',
    ...lines,
    ...(steps.length === 0 ? [] : ['', '-- @data', ...steps]),
    '',
  ].join('\n');
}

/** Checks the versions as the registry would, then writes one file per version into `directory`. */
export async function writeSqlVersions(
  directory: string,
  sources: readonly SchemaVersionSource[] = builtInVersions,
): Promise<string[]> {
  await buildRegistry(sources);
  mkdirSync(directory, { recursive: true });
  if (readdirSync(directory).some((name) => name.endsWith('.sql'))) {
    throw new Error(`${directory} already holds .sql files: choose a new directory`);
  }
  const written = sources.map((source) => {
    const file = join(directory, `${source.version}.sql`);
    writeFileSync(file, versionToSql(source));
    return file;
  });
  return written;
}

async function main(argv: readonly string[]): Promise<number> {
  const [directory] = argv;
  if (directory === undefined || argv.length !== 1) {
    process.stderr.write('usage: npm run versions:sql -- <directory>\n');
    return 2;
  }
  try {
    for (const file of await writeSqlVersions(resolve(directory))) process.stdout.write(`wrote ${file}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`versions:sql: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
