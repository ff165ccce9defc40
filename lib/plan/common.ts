/** Small facts and helpers that deciding and rendering share. */
import type { DatabaseSchema, ForeignKey, Index, Table } from '../model.js';
import { findByName, foldName } from '../model.js';
import { columnDefinitionParts } from '../sql/create-table.js';
import { memoByObject } from '../sql/memo.js';
import { isWord, tokenize } from '../sql/tokens.js';
import type { Step, StepKind, StepSource } from './steps.js';

/** Temporary objects the plan uses; the applier never leaves them behind. */
export const ASSERT_TABLE = 'temp._schema_sync_assert';
export const COUNTS_TABLE = 'temp._schema_sync_counts';
export const REBUILD_PREFIX = '_schema_sync_new_';

export function step(
  kind: StepKind,
  object: string,
  sql: string,
  reason: string,
  source: StepSource,
  destructive = false,
): Step {
  return { kind, object, sql, destructive, reason, source };
}

export function folded(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of names) out.add(foldName(name));
  return out;
}

/**
 * A schema's named indexes (CREATE INDEX; autoindexes belong to their table's constraints), one
 * list per index list: a model list is immutable, so findByName's lookup map over it is built once
 * for every plan made from that schema, not once per use.
 */
export const namedIndexes: (indexes: readonly Index[]) => readonly Index[] = memoByObject((indexes) =>
  indexes.filter((index) => index.origin === 'c'),
);

/** The only column types a STRICT table accepts. */
export const STRICT_TYPES = new Set(['INT', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'ANY']);

/** Are these names, all of them, kept columns (and at least one)? */
export function onlyKeptNames(names: readonly (string | null)[], keptNames: ReadonlySet<string>): boolean {
  return names.length > 0 && names.every((name) => name !== null && keptNames.has(foldName(name)));
}

/** The identifiers of a CHECK expression that are columns of the table. */
export function checkColumns(check: string, table: Table): string[] {
  const columns = folded(table.columns.map((column) => column.name));
  return tokenize(check)
    .filter((token) => (token.kind === 'word' || token.kind === 'quoted') && columns.has(foldName(token.value)))
    .map((token) => token.value);
}

/** The column that is the table's rowid (an INTEGER PRIMARY KEY), if any. */
export const rowidAlias: (table: Table) => string | undefined = memoByObject(rowidAliasOf);

export function rowidAliasOf(table: Table): string | undefined {
  if (table.withoutRowid || table.primaryKey.length !== 1) return undefined;
  const pk = findByName(table.columns, table.primaryKey[0] as string);
  if (pk?.type !== 'INTEGER') return undefined;
  // SQLite's documented quirk: `INTEGER PRIMARY KEY DESC` written on the column is no alias
  // (written as a table constraint, `PRIMARY KEY (k DESC)`, it is).
  const key = columnDefinitionParts(pk.definitionSql).constraints.find((part) => part.kind === 'primary key');
  return key !== undefined && tokenize(key.sql).some((token) => isWord(token, 'DESC')) ? undefined : pk.name;
}

export function hasRowidAlias(table: Table): boolean {
  return rowidAlias(table) !== undefined;
}

/**
 * A foreign key as SQLite resolves it: `REFERENCES p` targets p's primary key, so it means the same
 * as `REFERENCES p(id)` when id is that key.
 */
export function resolvedForeignKey(fk: ForeignKey, schema: DatabaseSchema): ForeignKey {
  if (fk.targetColumns.length > 0) return fk;
  const target = findByName(schema.tables, fk.targetTable);
  return target === undefined || target.primaryKey.length === 0 ? fk : { ...fk, targetColumns: target.primaryKey };
}
