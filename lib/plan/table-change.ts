/**
 * Deciding, for one table on both sides, what it takes to reach the desired form: the columns to
 * add, keep or drop, and why ADD COLUMN cannot do it (then the table is rebuilt).
 */
import type { Column, DatabaseSchema, Table } from '../model.js';
import { findByName, foldName } from '../model.js';
import { columnKey, foreignKeyKey, tableConstraintsKey } from './compare.js';
import { constraintClauses } from '../sql/constraint-clauses.js';
import { parseCreateTable } from '../sql/create-table.js';
import { isWord, tokenize } from '../sql/tokens.js';
import { isUnsafeAddColumnDefault } from './add-column.js';
import { checkColumns, folded, onlyKeptNames, resolvedForeignKey, rowidAlias } from './common.js';
import type { AddColumnObstacle, ConstraintChange, RebuildCause } from './causes.js';
import { isAllowed, type PlanOptions } from './options.js';

/** Decides, for one table present on both sides, what it takes to reach the desired form. */
export interface TableChange {
  readonly actual: Table;
  readonly desired: Table;
  readonly added: readonly Column[];
  /** Columns the database has and the desired schema lacks, split by whether they may go. */
  readonly kept: readonly Column[];
  readonly dropped: readonly Column[];
  /** Non-empty when ADD COLUMN cannot do the job: why the table must be rebuilt. */
  readonly rebuildCauses: readonly RebuildCause[];
}

/**
 * ALTER TABLE ADD COLUMN accepts (on a table with rows) only a literal default, optionally signed or
 * parenthesised: `0`, `-1`, `('x')`, `x'00'`, NULL, TRUE. `1 + 1` or `'a' || 'b'` are expressions.
 */
function isConstantDefault(sql: string): boolean {
  const tokens = tokenize(sql).filter((token) => token.text !== '(' && token.text !== ')');
  let i = 0;
  while (tokens[i]?.text === '+' || tokens[i]?.text === '-') i++;
  const literal = tokens[i];
  if (literal === undefined || i !== tokens.length - 1) return false;
  return (
    literal.kind === 'number' ||
    literal.kind === 'string' ||
    literal.kind === 'blob' ||
    isWord(literal, 'NULL', 'TRUE', 'FALSE')
  );
}

/** Why SQLite's ALTER TABLE ADD COLUMN cannot add this column (see its documentation), or null. */
export function addColumnObstacle(column: Column, desired: Table): AddColumnObstacle | null {
  if (column.primaryKeyPosition > 0) return { kind: 'primary key' };
  if (
    desired.uniques.some((unique) =>
      unique.some((part) => part.name !== null && foldName(part.name) === foldName(column.name)),
    )
  ) {
    return { kind: 'unique' };
  }
  if (column.generated?.storage === 'STORED') return { kind: 'stored generated' };
  if (column.notNull && column.defaultSql === null && column.generated === null)
    return { kind: 'not null without default' };
  if (column.defaultSql !== null && !isConstantDefault(column.defaultSql)) {
    return { kind: 'non-constant default', defaultSql: column.defaultSql };
  }
  const foreignKey = desired.foreignKeys.find((fk) =>
    fk.columns.some((name) => foldName(name) === foldName(column.name)),
  );
  if (
    foreignKey !== undefined &&
    (foreignKey.columns.length > 1 || (column.defaultSql !== null && column.defaultSql.toUpperCase() !== 'NULL'))
  ) {
    return { kind: 'foreign key' };
  }
  // ADD COLUMN carries only the column's own definition: a constraint written after the columns
  // (`FOREIGN KEY (c) REFERENCES …`, `CHECK (c > 0)`) would be silently left out.
  const clause = parseCreateTable(desired.sql).tableConstraints.find((constraint) =>
    constraint.columns.some((name) => foldName(name) === foldName(column.name)),
  );
  if (clause !== undefined) return { kind: 'table-level clause', clause: clause.kind, sql: clause.sql };
  return column.defaultSql !== null && isUnsafeAddColumnDefault(column, desired.strict)
    ? { kind: 'real default', defaultSql: column.defaultSql }
    : null;
}

/** A column as compared: NOT NULL is implied for the rowid (inserting NULL there picks a new number). */
export function comparedColumn(column: Column, table: Table): Column {
  const implied = rowidAlias(table) !== undefined && foldName(rowidAlias(table) as string) === foldName(column.name);
  return implied && !column.notNull ? { ...column, notNull: true } : column;
}

export function compareTable(
  actual: Table,
  desired: Table,
  options: PlanOptions,
  schemas: { actual: DatabaseSchema; desired: DatabaseSchema },
): TableChange {
  // The same CREATE TABLE text is the same table (the pragmas read nothing else), unless a
  // `REFERENCES p` without columns now means another key of p. Most tables of a plan are this.
  if (
    actual.sql === desired.sql &&
    actual.foreignKeys.every(
      (fk) =>
        fk.targetColumns.length > 0 ||
        foreignKeyKey(resolvedForeignKey(fk, schemas.actual)) ===
          foreignKeyKey(resolvedForeignKey(fk, schemas.desired)),
    )
  ) {
    return { actual, desired, added: [], kept: [], dropped: [], rebuildCauses: [] };
  }
  const allowAll = options.allowDestructive === true;
  const actualNames = folded(actual.columns.map((column) => column.name));
  const desiredNames = folded(desired.columns.map((column) => column.name));
  const added = desired.columns.filter((column) => !actualNames.has(foldName(column.name)));
  const extra = actual.columns.filter((column) => !desiredNames.has(foldName(column.name)));
  const allowedColumns = Object.entries(options.allowDrops?.columns ?? {}).find(
    ([table]) => foldName(table) === foldName(desired.name),
  )?.[1];
  const dropped = extra.filter((column) => isAllowed(allowedColumns, column.name, allowAll));
  const kept = extra.filter((column) => !dropped.includes(column));
  const causes: RebuildCause[] = [];

  if (actual.virtual || desired.virtual) {
    return { actual, desired, added: [], kept, dropped: [], rebuildCauses: [] };
  }
  for (const want of desired.columns) {
    const have = findByName(actual.columns, want.name);
    if (have !== undefined && columnKey(comparedColumn(have, actual)) !== columnKey(comparedColumn(want, desired))) {
      causes.push({ kind: 'column changed', column: want.name });
    }
  }
  // Column order: the columns both sides share must appear in the desired order, and new columns
  // may only be appended (that is where ADD COLUMN puts them).
  const sharedInActualOrder = actual.columns
    .filter((column) => desiredNames.has(foldName(column.name)))
    .map((c) => foldName(c.name));
  const sharedInDesiredOrder = desired.columns
    .filter((column) => actualNames.has(foldName(column.name)))
    .map((c) => foldName(c.name));
  if (sharedInActualOrder.join('\u0000') !== sharedInDesiredOrder.join('\u0000'))
    causes.push({ kind: 'column order changed' });
  const firstAdded = desired.columns.findIndex((column) => !actualNames.has(foldName(column.name)));
  if (firstAdded >= 0 && desired.columns.slice(firstAdded).some((column) => actualNames.has(foldName(column.name)))) {
    causes.push({ kind: 'new columns not at the end' });
  }
  for (const column of added) {
    const obstacle = addColumnObstacle(column, desired);
    if (obstacle !== null) causes.push({ kind: 'cannot add column', column: column.name, obstacle });
  }
  // Table-level constraints, ignoring what the added columns bring along in their own definitions,
  // and the foreign keys and UNIQUE constraints of kept columns: a rebuild keeps those columns'
  // definitions verbatim, so it could never remove them (every plan would rebuild again).
  const addedNames = folded(added.map((column) => column.name));
  const keptNames = folded(kept.map((column) => column.name));
  const onlyKept = (names: readonly (string | null)[]): boolean => onlyKeptNames(names, keptNames);
  // CHECKs are one set per table, however written: inline on a column or after the columns. The
  // inline CHECKs of added columns come with ADD COLUMN; those of kept columns stay with them.
  // Without kept columns no CHECK names only kept ones: its columns need not be read.
  const checks = (table: Table, addedChecks: readonly string[]): string[] => [
    ...table.checks.filter((check) => keptNames.size === 0 || !onlyKept(checkColumns(check, table))),
    ...table.columns
      .filter((column) => keptNames.size === 0 || !keptNames.has(foldName(column.name)))
      .flatMap((column) => column.checks),
    ...addedChecks,
  ];
  const comparable = (table: Table, schema: DatabaseSchema, addedChecks: readonly string[]): Table => ({
    ...table,
    foreignKeys: table.foreignKeys
      .filter((fk) => !fk.columns.some((name) => addedNames.has(foldName(name))) && !onlyKept(fk.columns))
      .map((fk) => resolvedForeignKey(fk, schema)),
    uniques: table.uniques.filter((unique) => !onlyKept(unique.map((part) => part.name))),
    checks: checks(table, addedChecks),
  });
  const comparableActual = comparable(
    actual,
    schemas.actual,
    added.flatMap((column) => column.checks),
  );
  const comparableDesired = comparable(desired, schemas.desired, []);
  if (tableConstraintsKey(comparableActual) !== tableConstraintsKey(comparableDesired)) {
    causes.push({ kind: 'constraints changed', change: constraintChange(comparableActual, comparableDesired) });
  }
  // What no pragma reports (ON CONFLICT, DEFERRABLE INITIALLY DEFERRED, DESC key columns) is read
  // from the CREATE TABLE text, under the same exclusions.
  const clauses = (table: Table): string =>
    constraintClauses(table.sql)
      .map(({ columns, clause }) => ({ names: columns.map((at) => table.columns[at]?.name ?? ''), clause }))
      .filter(({ names }) => !names.some((name) => addedNames.has(foldName(name))) && !onlyKept(names))
      .map(({ names, clause }) => `${names.map(foldName).join(',')}: ${clause}`)
      .sort()
      .join('\n');
  if (clauses(actual) !== clauses(desired)) causes.push({ kind: 'clauses changed' });
  if (dropped.length > 0) causes.push({ kind: 'dropping columns', columns: dropped.map((column) => column.name) });
  return { actual, desired, added, kept, dropped, rebuildCauses: causes };
}

function constraintChange(actual: Table, desired: Table): ConstraintChange {
  if (actual.strict !== desired.strict) return desired.strict ? 'becomes strict' : 'stops being strict';
  if (actual.withoutRowid !== desired.withoutRowid) return 'without rowid';
  if (actual.autoincrement !== desired.autoincrement) return 'autoincrement';
  const fks = (table: Table): string => table.foreignKeys.map(foreignKeyKey).sort().join();
  if (fks(actual) !== fks(desired)) return 'foreign keys';
  if (actual.primaryKey.map(foldName).join() !== desired.primaryKey.map(foldName).join()) return 'primary key';
  if (JSON.stringify(actual.uniques) !== JSON.stringify(desired.uniques)) return 'unique';
  return 'check';
}
