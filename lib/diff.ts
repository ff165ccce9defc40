/**
 * The planner: `plan(actual, desired, options)` turns two introspected schemas into ordered DDL.
 * Pure — no I/O, no clock, no randomness — so the same inputs always give the same plan.
 *
 * Order: renames → drop stale triggers/views/indexes → drop unwanted tables (when allowed) →
 * create tables in foreign-key order → add columns → rebuild tables → indexes → views → triggers
 * → assertions (foreign keys really off, row counts unchanged, no new foreign-key violations)
 * → data steps.
 */
import type { Column, DatabaseSchema, ForeignKey, Index, Table, Trigger, View } from './model.js';
import { findByName, foldName } from './model.js';
import { columnKey, definitionKey, foreignKeyKey, indexKey, mentionsAny, tableConstraintsKey } from './compare.js';
import { constraintClauses } from './sql/constraint-clauses.js';
import { columnDefinitionParts, parseCreateTable } from './sql/create-table.js';
import { closingParen, isKeyword, isWord, quoteIdentifier as q, quoteString, tokenize } from './sql/tokens.js';
import { unsafeAddColumnDefault } from './add-column.js';
import { applyRenames, type Renames } from './renames.js';
import type { Plan, Skipped, Step, StepKind } from './steps.js';

export type { ObjectKind, Plan, Skipped, Step, StepKind } from './steps.js';

/** Which unwanted objects may be dropped: everything, or the ones a version names. */
export interface DropAllowance {
  readonly tables?: readonly string[];
  readonly columns?: Readonly<Record<string, readonly string[]>>;
  readonly indexes?: readonly string[];
  readonly views?: readonly string[];
  readonly triggers?: readonly string[];
}

export interface DataStep {
  readonly version: string;
  readonly sql: string;
}

export interface PlanOptions {
  readonly allowDestructive?: boolean;
  readonly allowDrops?: DropAllowance;
  readonly renames?: Renames;
  readonly dataSteps?: readonly DataStep[];
}

/** Temporary objects the plan uses; the applier never leaves them behind. */
export const ASSERT_TABLE = 'temp._schema_sync_assert';
export const COUNTS_TABLE = 'temp._schema_sync_counts';
const REBUILD_PREFIX = '_schema_sync_new_';

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
  return literal.kind === 'number' || literal.kind === 'string' || literal.kind === 'blob' || isWord(literal, 'NULL', 'TRUE', 'FALSE');
}

function step(kind: StepKind, object: string, sql: string, reason: string, destructive = false): Step {
  return { kind, object, sql, destructive, reason };
}

function folded(names: Iterable<string>): Set<string> {
  return new Set([...names].map(foldName));
}

/** Decides, for one table present on both sides, what it takes to reach the desired form. */
interface TableChange {
  readonly actual: Table;
  readonly desired: Table;
  readonly added: readonly Column[];
  /** Columns the database has and the desired schema lacks, split by whether they may go. */
  readonly kept: readonly Column[];
  readonly dropped: readonly Column[];
  /** Non-empty when ADD COLUMN cannot do the job: why the table must be rebuilt. */
  readonly rebuildReasons: readonly string[];
}

function isAllowed(list: readonly string[] | undefined, name: string, allowAll: boolean): boolean {
  return allowAll || (list?.some((entry) => foldName(entry) === foldName(name)) ?? false);
}

/** Why SQLite's ALTER TABLE ADD COLUMN cannot add this column (see its documentation), or null. */
function addColumnObstacle(column: Column, desired: Table): string | null {
  if (column.primaryKeyPosition > 0) return 'it is part of the PRIMARY KEY';
  if (desired.uniques.some((unique) => unique.some((part) => part.name !== null && foldName(part.name) === foldName(column.name)))) {
    return 'it has a UNIQUE constraint';
  }
  if (column.generated?.storage === 'STORED') return 'it is a STORED generated column';
  if (column.notNull && column.defaultSql === null && column.generated === null) return 'it is NOT NULL without a default';
  if (column.defaultSql !== null && !isConstantDefault(column.defaultSql)) {
    return `its default ${column.defaultSql} is not a constant`;
  }
  const foreignKey = desired.foreignKeys.find((fk) => fk.columns.some((name) => foldName(name) === foldName(column.name)));
  if (foreignKey !== undefined && (foreignKey.columns.length > 1 || column.defaultSql !== null && column.defaultSql.toUpperCase() !== 'NULL')) {
    return 'its foreign key needs the table rebuilt';
  }
  // ADD COLUMN carries only the column's own definition: a constraint written after the columns
  // (`FOREIGN KEY (c) REFERENCES …`, `CHECK (c > 0)`) would be silently left out.
  const clause = parseCreateTable(desired.sql).tableConstraints
    .find((constraint) => constraint.columns.some((name) => foldName(name) === foldName(column.name)));
  if (clause !== undefined) return `the table-level ${clause.kind.toUpperCase()} constraint ${clause.sql} names it`;
  return unsafeAddColumnDefault(column, desired.strict);
}

/**
 * A foreign key as SQLite resolves it: `REFERENCES p` targets p's primary key, so it means the same
 * as `REFERENCES p(id)` when id is that key.
 */
function resolvedForeignKey(fk: ForeignKey, schema: DatabaseSchema): ForeignKey {
  if (fk.targetColumns.length > 0) return fk;
  const target = findByName(schema.tables, fk.targetTable);
  return target === undefined || target.primaryKey.length === 0 ? fk : { ...fk, targetColumns: target.primaryKey };
}

/** A column as compared: NOT NULL is implied for the rowid (inserting NULL there picks a new number). */
function comparedColumn(column: Column, table: Table): Column {
  const implied = rowidAlias(table) !== undefined && foldName(rowidAlias(table) as string) === foldName(column.name);
  return implied && !column.notNull ? { ...column, notNull: true } : column;
}

function compareTable(actual: Table, desired: Table, options: PlanOptions, schemas: { actual: DatabaseSchema; desired: DatabaseSchema }): TableChange {
  // The same CREATE TABLE text is the same table (the pragmas read nothing else), unless a
  // `REFERENCES p` without columns now means another key of p. Most tables of a plan are this.
  if (actual.sql === desired.sql && actual.foreignKeys.every((fk) => fk.targetColumns.length > 0
    || foreignKeyKey(resolvedForeignKey(fk, schemas.actual)) === foreignKeyKey(resolvedForeignKey(fk, schemas.desired)))) {
    return { actual, desired, added: [], kept: [], dropped: [], rebuildReasons: [] };
  }
  const allowAll = options.allowDestructive === true;
  const actualNames = folded(actual.columns.map((column) => column.name));
  const desiredNames = folded(desired.columns.map((column) => column.name));
  const added = desired.columns.filter((column) => !actualNames.has(foldName(column.name)));
  const extra = actual.columns.filter((column) => !desiredNames.has(foldName(column.name)));
  const allowedColumns = Object.entries(options.allowDrops?.columns ?? {})
    .find(([table]) => foldName(table) === foldName(desired.name))?.[1];
  const dropped = extra.filter((column) => isAllowed(allowedColumns, column.name, allowAll));
  const kept = extra.filter((column) => !dropped.includes(column));
  const reasons: string[] = [];

  if (actual.virtual || desired.virtual) {
    return { actual, desired, added: [], kept, dropped: [], rebuildReasons: [] };
  }
  for (const want of desired.columns) {
    const have = findByName(actual.columns, want.name);
    if (have !== undefined && columnKey(comparedColumn(have, actual)) !== columnKey(comparedColumn(want, desired))) {
      reasons.push(`column ${want.name} changed`);
    }
  }
  // Column order: the columns both sides share must appear in the desired order, and new columns
  // may only be appended (that is where ADD COLUMN puts them).
  const sharedInActualOrder = actual.columns.filter((column) => desiredNames.has(foldName(column.name))).map((c) => foldName(c.name));
  const sharedInDesiredOrder = desired.columns.filter((column) => actualNames.has(foldName(column.name))).map((c) => foldName(c.name));
  if (sharedInActualOrder.join('\u0000') !== sharedInDesiredOrder.join('\u0000')) reasons.push('column order changed');
  const firstAdded = desired.columns.findIndex((column) => !actualNames.has(foldName(column.name)));
  if (firstAdded >= 0 && desired.columns.slice(firstAdded).some((column) => actualNames.has(foldName(column.name)))) {
    reasons.push('new columns are not at the end');
  }
  for (const column of added) {
    const obstacle = addColumnObstacle(column, desired);
    if (obstacle !== null) reasons.push(`column ${column.name} cannot be added in place: ${obstacle}`);
  }
  // Table-level constraints, ignoring what the added columns bring along in their own definitions,
  // and the foreign keys and UNIQUE constraints of kept columns: a rebuild keeps those columns'
  // definitions verbatim, so it could never remove them (every plan would rebuild again).
  const addedNames = folded(added.map((column) => column.name));
  const keptNames = folded(kept.map((column) => column.name));
  const onlyKept = (names: readonly (string | null)[]): boolean =>
    names.length > 0 && names.every((name) => name !== null && keptNames.has(foldName(name)));
  // CHECKs are one set per table, however written: inline on a column or after the columns. The
  // inline CHECKs of added columns come with ADD COLUMN; those of kept columns stay with them.
  const checks = (table: Table, addedChecks: readonly string[]): string[] => [
    ...table.checks.filter((check) => !onlyKept(checkColumns(check, table))),
    ...table.columns.filter((column) => !keptNames.has(foldName(column.name))).flatMap((column) => column.checks),
    ...addedChecks,
  ];
  const comparable = (table: Table, schema: DatabaseSchema, addedChecks: readonly string[]): Table => ({
    ...table,
    foreignKeys: table.foreignKeys.filter((fk) => !fk.columns.some((name) => addedNames.has(foldName(name))) && !onlyKept(fk.columns))
      .map((fk) => resolvedForeignKey(fk, schema)),
    uniques: table.uniques.filter((unique) => !onlyKept(unique.map((part) => part.name))),
    checks: checks(table, addedChecks),
  });
  const comparableActual = comparable(actual, schemas.actual, added.flatMap((column) => column.checks));
  const comparableDesired = comparable(desired, schemas.desired, []);
  if (tableConstraintsKey(comparableActual) !== tableConstraintsKey(comparableDesired)) {
    reasons.push(describeConstraintChange(comparableActual, comparableDesired));
  }
  // What no pragma reports (ON CONFLICT, DEFERRABLE INITIALLY DEFERRED, DESC key columns) is read
  // from the CREATE TABLE text, under the same exclusions.
  const clauses = (table: Table): string => constraintClauses(table.sql)
    .map(({ columns, clause }) => ({ names: columns.map((at) => table.columns[at]?.name ?? ''), clause }))
    .filter(({ names }) => !names.some((name) => addedNames.has(foldName(name))) && !onlyKept(names))
    .map(({ names, clause }) => `${names.map(foldName).join(',')}: ${clause}`).sort().join('\n');
  if (clauses(actual) !== clauses(desired)) reasons.push('ON CONFLICT, DEFERRABLE or PRIMARY KEY order changed');
  if (dropped.length > 0) reasons.push(`dropping column(s) ${dropped.map((column) => column.name).join(', ')}`);
  return { actual, desired, added, kept, dropped, rebuildReasons: reasons };
}

function describeConstraintChange(actual: Table, desired: Table): string {
  if (actual.strict !== desired.strict) return desired.strict ? 'table becomes STRICT' : 'table stops being STRICT';
  if (actual.withoutRowid !== desired.withoutRowid) return 'WITHOUT ROWID changed';
  if (actual.autoincrement !== desired.autoincrement) return 'AUTOINCREMENT changed';
  const fks = (table: Table): string => table.foreignKeys.map(foreignKeyKey).sort().join();
  if (fks(actual) !== fks(desired)) return 'foreign keys changed';
  if (actual.primaryKey.map(foldName).join() !== desired.primaryKey.map(foldName).join()) return 'primary key changed';
  if (JSON.stringify(actual.uniques) !== JSON.stringify(desired.uniques)) return 'UNIQUE constraints changed';
  return 'CHECK constraints changed';
}

/**
 * A version's allowance names a table as it was called in that version: when a later version
 * renames the table, the allowance follows it (the plan compares tables by their new names).
 */
function allowanceAfterRenames(allowDrops: DropAllowance | undefined, renamedTables: ReadonlyMap<string, string>): DropAllowance | undefined {
  if (allowDrops?.columns === undefined || renamedTables.size === 0) return allowDrops;
  const columns: Record<string, string[]> = {};
  for (const [table, names] of Object.entries(allowDrops.columns)) {
    const name = renamedTables.get(foldName(table)) ?? table;
    const key = Object.keys(columns).find((existing) => foldName(existing) === foldName(name)) ?? name;
    columns[key] = [...(columns[key] ?? []), ...names];
  }
  return { ...allowDrops, columns };
}

/** Orders items so each comes after the (folded) names it depends on; cycles break by name. */
function dependencyOrder<T extends { readonly name: string }>(items: readonly T[], dependsOn: (item: T) => Iterable<string>): T[] {
  const pending = new Map(items.map((item) => [foldName(item.name), item]));
  const ordered: T[] = [];
  const visiting = new Set<string>();
  const visit = (key: string): void => {
    const item = pending.get(key);
    if (item === undefined || visiting.has(key)) return;
    visiting.add(key);
    for (const dependency of [...new Set(dependsOn(item))].sort()) if (dependency !== key) visit(dependency);
    pending.delete(key);
    ordered.push(item);
  };
  for (const key of [...pending.keys()].sort()) visit(key);
  return ordered;
}

/** Tables after the tables they reference. */
function foreignKeyOrder(tables: readonly Table[]): Table[] {
  return dependencyOrder(tables, (table) => table.foreignKeys.map((fk) => foldName(fk.targetTable)));
}

/** Views after the views they select from. */
function viewOrder(views: readonly View[]): View[] {
  const names = [...folded(views.map((view) => view.name))];
  return dependencyOrder(views, (view) => names.filter((name) => mentionsAny(view.sql, new Set([name]))));
}

/** Does the index use any of these (folded) column names: as a key, in an expression or its WHERE? */
function indexUsesAny(index: Index, columns: ReadonlySet<string> | undefined): boolean {
  if (columns === undefined || columns.size === 0) return false;
  if (index.columns.some((column) => column.name !== null && columns.has(foldName(column.name)))) return true;
  // After the opening parenthesis; a bare keyword (DESC, COLLATE…) is never a column of that name.
  const tokens = tokenize(index.sql ?? '');
  const open = tokens.findIndex((token) => token.text === '(');
  return open >= 0 && tokens.slice(open).some((token) => (token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text)))
    && columns.has(foldName(token.value)));
}

/** The only column types a STRICT table accepts. */
const STRICT_TYPES = new Set(['INT', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'ANY']);

/**
 * A kept column (the desired schema lacks it; default mode keeps it with its data) as a plain
 * column: its old PRIMARY KEY / AUTOINCREMENT belong to a table shape the desired schema replaced.
 * In a table that becomes STRICT it is ANY, which stores every value exactly as it is (a declared
 * INT or TEXT would convert or refuse values the old column could hold).
 */
function keptDefinition(column: Column, actual: Table, desired: Table, actualSchema: DatabaseSchema): string {
  const parts = columnDefinitionParts(column.definitionSql);
  // …and in a table that stops being STRICT, a kept ANY column has no type: ANY would mean NUMERIC
  // affinity there, which turns text such as '12' into 12; no type stores every value as it is.
  const type = desired.strict && (!actual.strict || !STRICT_TYPES.has(column.type)) ? 'ANY'
    : actual.strict && !desired.strict && column.type === 'ANY' ? '' : parts.type;
  return [parts.name, type, ...parts.constraints.filter((part) => part.kind !== 'primary key')
    .map((part) => (part.kind === 'references' ? withExplicitTarget(part.sql, actualSchema) : part.sql))]
    .filter((part) => part !== '').join(' ');
}

/**
 * `REFERENCES p` means p's primary key at the time of use. A kept foreign key must keep pointing at
 * what it pointed at, also when this plan gives p another key: its target columns are written out.
 */
function withExplicitTarget(sql: string, schema: DatabaseSchema): string {
  const tokens = tokenize(sql);
  const at = tokens.findIndex((token) => isWord(token, 'REFERENCES'));
  const target = tokens[at + 1];
  if (at < 0 || target === undefined || tokens[at + 2]?.text === '(') return sql;
  const table = findByName(schema.tables, target.value);
  if (table === undefined || table.primaryKey.length === 0) return sql;
  return `${sql.slice(0, target.end)} (${table.primaryKey.map(q).join(', ')})${sql.slice(target.end)}`;
}

/** Are these names, all of them, kept columns (and at least one)? */
function onlyKeptNames(names: readonly (string | null)[], keptNames: ReadonlySet<string>): boolean {
  return names.length > 0 && names.every((name) => name !== null && keptNames.has(foldName(name)));
}

/** The identifiers of a CHECK expression that are columns of the table. */
function checkColumns(check: string, table: Table): string[] {
  const columns = folded(table.columns.map((column) => column.name));
  return tokenize(check).filter((token) => (token.kind === 'word' || token.kind === 'quoted') && columns.has(foldName(token.value)))
    .map((token) => token.value);
}

/**
 * The table-level clauses a default-mode rebuild carries over for the kept columns: UNIQUE,
 * FOREIGN KEY and CHECK clauses naming only kept columns (a child's foreign key may target that
 * UNIQUE; the comparison leaves them out, so dropping them would be a silent change), and, when
 * the whole old primary key is kept and some foreign key targets it, a UNIQUE in its place.
 */
function keptClauses(change: TableChange, schemas: readonly DatabaseSchema[]): string[] {
  const { actual, kept } = change;
  const keptNames = folded(kept.map((column) => column.name));
  const carried = parseCreateTable(actual.sql).tableConstraints
    .filter((clause) => clause.kind !== 'primary key'
      && onlyKeptNames(clause.kind === 'check' ? checkColumns(clause.sql, actual) : clause.columns, keptNames));
  const clauses = carried
    .map((clause) => (clause.kind === 'foreign key' ? withExplicitTarget(clause.sql, schemas[0] as DatabaseSchema) : clause.sql));
  const oldKey = actual.primaryKey.map(foldName);
  const keyTargeted = onlyKeptNames(actual.primaryKey, keptNames) && schemas.some((schema) => schema.tables.some((table) =>
    table.foreignKeys.map((fk) => resolvedForeignKey(fk, schema))
      .some((fk) => foldName(fk.targetTable) === foldName(actual.name) && fk.targetColumns.length === oldKey.length
        && fk.targetColumns.every((name) => oldKey.includes(foldName(name))))));
  const alreadyUnique = carried.some((clause) => clause.kind === 'unique' && clause.columns.length === oldKey.length
    && clause.columns.every((name) => oldKey.includes(foldName(name))));
  if (keyTargeted && !alreadyUnique) clauses.push(`UNIQUE (${actual.primaryKey.map(q).join(', ')})`);
  return clauses;
}

/** The CREATE TABLE for a rebuild: the desired text under a temporary name, plus kept columns and their clauses. */
function rebuildCreateSql(change: TableChange, temporaryName: string, schemas: readonly DatabaseSchema[]): string {
  const { actual, desired, kept } = change;
  const parsed = parseCreateTable(desired.sql);
  const keptDefinitions = kept.map((column) => `, ${keptDefinition(column, actual, desired, schemas[0] as DatabaseSchema)}`).join('');
  const clauses = keptClauses(change, schemas).map((clause) => `, ${clause}`).join('');
  const tokens = tokenize(desired.sql);
  const open = tokens.findIndex((token) => token.start >= parsed.nameEnd && token.text === '(');
  const close = tokens[closingParen(tokens, open)]?.start ?? desired.sql.length;
  const body = desired.sql.slice(0, parsed.nameStart) + q(temporaryName) + desired.sql.slice(parsed.nameEnd, parsed.columnsEnd)
    + keptDefinitions + desired.sql.slice(parsed.columnsEnd, close);
  return body + clauses + desired.sql.slice(close);
}

/** The column that is the table's rowid (an INTEGER PRIMARY KEY), if any. */
const rowidAliases = new WeakMap<Table, { readonly alias: string | undefined }>();

function rowidAlias(table: Table): string | undefined {
  let known = rowidAliases.get(table);
  if (known === undefined) {
    known = { alias: rowidAliasOf(table) };
    rowidAliases.set(table, known);
  }
  return known.alias;
}

function rowidAliasOf(table: Table): string | undefined {
  if (table.withoutRowid || table.primaryKey.length !== 1) return undefined;
  const pk = findByName(table.columns, table.primaryKey[0] as string);
  if (pk?.type !== 'INTEGER') return undefined;
  // SQLite's documented quirk: `INTEGER PRIMARY KEY DESC` written on the column is no alias
  // (written as a table constraint, `PRIMARY KEY (k DESC)`, it is).
  const key = columnDefinitionParts(pk.definitionSql).constraints.find((part) => part.kind === 'primary key');
  return key !== undefined && tokenize(key.sql).some((token) => isWord(token, 'DESC')) ? undefined : pk.name;
}

function hasRowidAlias(table: Table): boolean {
  return rowidAlias(table) !== undefined;
}

function rebuildSteps(change: TableChange, schemas: readonly DatabaseSchema[]): Step[] {
  const { actual, desired, kept } = change;
  const name = desired.name;
  const temporaryName = `${REBUILD_PREFIX}${name}`;
  const reason = `rebuild: ${change.rebuildReasons.join('; ')}`;
  const target = [...desired.columns, ...kept];
  const copied = target.filter((column) => column.generated === null && findByName(actual.columns, column.name) !== undefined
    && !findByName(actual.columns, column.name)?.hidden);
  const reservedRowid = target.some((column) => ['rowid', 'oid', '_rowid_'].includes(foldName(column.name)));
  // Implicit rowids are data too (other tables may store them): carry them across whenever the new
  // table has one that no column carries (from the old rowid, or the old INTEGER PRIMARY KEY, which is it).
  const copyRowid = !actual.withoutRowid && !desired.withoutRowid && !hasRowidAlias(desired) && !reservedRowid
    && !actual.columns.some((column) => ['rowid', 'oid', '_rowid_'].includes(foldName(column.name)));
  let columnList = [...(copyRowid ? ['rowid'] : []), ...copied.map((column) => q(column.name))].join(', ');
  let selectList = columnList;
  if (columnList === '') {
    // No column in common: every old row still becomes a row, with the defaults of the new table.
    const first = target.find((column) => column.generated === null) as Column;
    columnList = q(first.name);
    selectList = first.defaultSql ?? 'NULL';
  }
  const steps: Step[] = [];
  // A column that becomes INTEGER PRIMARY KEY becomes the rowid: inserting NULL there makes up a new
  // number, so a stored NULL key would silently change. The batch stops instead (the rows need keys).
  const alias = rowidAlias(desired);
  if (alias !== undefined && rowidAlias(actual)?.toLowerCase() !== alias.toLowerCase() && findByName(actual.columns, alias) !== undefined) {
    steps.push(step('assert', name,
      `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) = 0, ${quoteString(`null key:${name}.${alias}`)} FROM main.${q(actual.name)} WHERE ${q(alias)} IS NULL`,
      `${name}.${alias} becomes INTEGER PRIMARY KEY (the rowid): rows whose ${alias} is NULL would get new numbers, so the apply stops until they hold keys`));
  }
  steps.push(
    step('rebuild_table', name, rebuildCreateSql(change, temporaryName, schemas), `${reason} (1/4: create the new table)`),
    step('rebuild_table', name, `INSERT INTO ${q(temporaryName)} (${columnList}) SELECT ${selectList} FROM ${q(actual.name)}`,
      `${reason} (2/4: copy every row)`),
    step('rebuild_table', name, `DROP TABLE ${q(actual.name)}`, `${reason} (3/4: drop the old table)`, change.dropped.length > 0),
    step('rebuild_table', name, `ALTER TABLE ${q(temporaryName)} RENAME TO ${q(name)}`, `${reason} (4/4: rename the new table)`),
  );
  // A STRICT table's ANY column stores values as they are; ANY in a table that is not STRICT has
  // NUMERIC affinity and turns text such as '12' into 12. The batch proves no value changed.
  if (actual.strict && !desired.strict) {
    const converting = desired.columns.filter((column) => column.type === 'ANY' && findByName(actual.columns, column.name)?.type === 'ANY'
      && column.generated === null);
    const drop = steps.findIndex((each) => each.sql.startsWith('DROP TABLE'));
    steps.splice(drop, 0, ...converting.map((column) => step('assert', name,
      `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) = 0, ${quoteString(`values kept:${name}.${column.name}`)} FROM (SELECT ${q(column.name)}, typeof(${q(column.name)}) FROM main.${q(actual.name)} EXCEPT SELECT ${q(column.name)}, typeof(${q(column.name)}) FROM main.${q(temporaryName)})`,
      `${name}.${column.name} is ANY in a table that stops being STRICT, where ANY converts numeric text ('12' to 12): the apply stops if a stored value would change`)));
  }
  if (actual.autoincrement && desired.autoincrement) {
    // The copy sets the sequence to the highest id copied; keep a higher one so ids are never reused.
    steps.splice(steps.findIndex((each) => each.sql.startsWith('DROP TABLE')), 0, step('rebuild_table', name,
      `INSERT INTO ${COUNTS_TABLE} (name, n) SELECT ${quoteString(`seq:${name}`)}, seq FROM main.sqlite_sequence WHERE name = ${quoteString(actual.name)}`,
      `${reason} (remember the AUTOINCREMENT sequence)`));
    steps.push(step('rebuild_table', name,
      `UPDATE main.sqlite_sequence SET seq = (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${quoteString(`seq:${name}`)}) WHERE name = ${quoteString(name)} AND seq < (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${quoteString(`seq:${name}`)})`,
      `${reason} (restore the AUTOINCREMENT sequence)`));
  }
  return steps;
}

/** The SQL of a kept object whose table is rebuilt or which depends on it: recreate it verbatim. */
interface Recreate<T> { readonly item: T; readonly from: 'desired' | 'actual' }

export function plan(actualSchema: DatabaseSchema, desired: DatabaseSchema, options: PlanOptions = {}): Plan {
  const allowAll = options.allowDestructive === true;
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const renamed = applyRenames(actualSchema, desired, options.renames ?? {});
  const actual = renamed.schema;
  const renameSteps = renamed.steps;
  const columnOptions: PlanOptions = { ...options, allowDrops: allowanceAfterRenames(options.allowDrops, renamed.tables) };

  // ---- tables
  const createdTables = desired.tables.filter((table) => findByName(actual.tables, table.name) === undefined);
  const changes: TableChange[] = [];
  for (const want of desired.tables) {
    const have = findByName(actual.tables, want.name);
    if (have !== undefined) changes.push(compareTable(have, want, columnOptions, { actual, desired }));
  }
  const unwantedTables = actual.tables.filter((table) => findByName(desired.tables, table.name) === undefined);
  const droppedTables = unwantedTables.filter((table) => isAllowed(options.allowDrops?.tables, table.name, allowAll));
  for (const table of unwantedTables) {
    if (!droppedTables.includes(table)) {
      skipped.push({ kind: 'table', object: table.name, reason: 'not in the desired schema; kept with its rows (dropping needs an explicit allowance)' });
    }
  }
  const rebuilt = changes.filter((change) => change.rebuildReasons.length > 0);
  const altered = changes.filter((change) => change.rebuildReasons.length === 0 && change.added.length > 0);
  for (const change of changes) {
    for (const column of change.kept) {
      skipped.push({ kind: 'column', object: `${change.desired.name}.${column.name}`, reason: 'not in the desired schema; kept with its data (dropping needs an explicit allowance)' });
      if (column.notNull && column.defaultSql === null && column.generated === null) {
        warnings.push(`kept column ${change.desired.name}.${column.name} is NOT NULL without a default: inserts that omit it will fail`);
      }
      if (change.desired.strict && !change.actual.strict && column.type !== 'ANY' && change.rebuildReasons.length > 0) {
        warnings.push(`kept column ${change.desired.name}.${column.name} (type ${column.type === '' ? '(none)' : column.type}) is kept as ANY in the STRICT table, so every value it holds fits unchanged`);
      }
    }
    if (change.actual.virtual && definitionKey(change.actual.sql) !== definitionKey(change.desired.sql)) {
      warnings.push(`virtual table ${change.desired.name} differs from the desired definition; virtual tables are not rebuilt`);
    }
  }
  const rebuiltNames = folded(rebuilt.map((change) => change.desired.name));
  const droppedTableNames = folded(droppedTables.map((table) => table.name));
  const droppedColumnNames = new Map(rebuilt.map((change) => [foldName(change.desired.name), folded(change.dropped.map((c) => c.name))]));

  // ---- names that change kind: a view or index whose name the desired schema gives to an object
  // of another kind is dropped first, whatever the mode (neither holds data, so the drop is not
  // destructive; creating the new object would fail on the name). What mentions the name is
  // recreated after.
  const desiredTableNames = folded(desired.tables.map((table) => table.name));
  const desiredViewNames = folded(desired.views.map((view) => view.name));
  const desiredIndexNames = folded(desired.indexes.filter((index) => index.origin === 'c').map((index) => index.name));
  const viewsChangingKind = folded(actual.views.map((view) => view.name)
    .filter((name) => desiredTableNames.has(foldName(name)) || desiredIndexNames.has(foldName(name))));
  const indexesChangingKind = folded(actual.indexes.filter((index) => index.origin === 'c').map((index) => index.name)
    .filter((name) => desiredTableNames.has(foldName(name)) || desiredViewNames.has(foldName(name))));
  for (const table of unwantedTables) {
    if (!droppedTables.includes(table) && (desiredViewNames.has(foldName(table.name)) || desiredIndexNames.has(foldName(table.name)))) {
      warnings.push(`table ${table.name} is kept with its rows, so the desired ${desiredViewNames.has(foldName(table.name)) ? 'view' : 'index'} of that name cannot be created (dropping the table needs an explicit allowance)`);
    }
  }

  // ---- views: changed, unwanted, or broken by a rebuild/drop (transitively through other views)
  const broken = new Set([...rebuiltNames, ...droppedTableNames, ...viewsChangingKind, ...indexesChangingKind]);
  const viewsToDrop: View[] = [];
  const viewsToCreate: Recreate<View>[] = [];
  let grew = true;
  const viewFate = new Map<string, 'drop' | 'recreate'>();
  while (grew) {
    grew = false;
    for (const view of actual.views) {
      const key = foldName(view.name);
      if (viewFate.has(key)) continue;
      const want = findByName(desired.views, view.name);
      const allowedToDrop = isAllowed(options.allowDrops?.views, view.name, allowAll) || viewsChangingKind.has(key);
      if (want !== undefined && definitionKey(want.sql) !== definitionKey(view.sql)) viewFate.set(key, 'recreate');
      else if (want === undefined && allowedToDrop) viewFate.set(key, 'drop');
      else if (mentionsAny(view.sql, broken)) viewFate.set(key, 'recreate');
      else continue;
      broken.add(key);
      grew = true;
    }
  }
  for (const view of actual.views) {
    const fate = viewFate.get(foldName(view.name));
    const want = findByName(desired.views, view.name);
    if (fate !== undefined) viewsToDrop.push(view);
    if (fate === 'recreate') viewsToCreate.push(want !== undefined ? { item: want, from: 'desired' } : { item: view, from: 'actual' });
    if (want === undefined && fate !== 'drop') skipped.push({ kind: 'view', object: view.name, reason: 'not in the desired schema; kept' });
  }
  for (const view of desired.views) {
    if (findByName(actual.views, view.name) === undefined) viewsToCreate.push({ item: view, from: 'desired' });
  }

  // ---- triggers: changed, unwanted, on a rebuilt/dropped table, or mentioning a broken name
  const triggersToDrop: Trigger[] = [];
  const triggersToCreate: Recreate<Trigger>[] = [];
  for (const trigger of actual.triggers) {
    const want = findByName(desired.triggers, trigger.name);
    const onDroppedTable = droppedTableNames.has(foldName(trigger.table));
    const allowedToDrop = isAllowed(options.allowDrops?.triggers, trigger.name, allowAll);
    const stale = want !== undefined && definitionKey(want.sql) !== definitionKey(trigger.sql);
    const affected = rebuiltNames.has(foldName(trigger.table)) || mentionsAny(trigger.sql, broken);
    if (onDroppedTable) {
      if (want === undefined) continue; // goes with its table
    }
    if (want === undefined && allowedToDrop) {
      triggersToDrop.push(trigger);
    } else if (stale || affected || onDroppedTable) {
      triggersToDrop.push(trigger);
      triggersToCreate.push(want !== undefined ? { item: want, from: 'desired' } : { item: trigger, from: 'actual' });
    }
    if (want === undefined && !allowedToDrop) skipped.push({ kind: 'trigger', object: trigger.name, reason: 'not in the desired schema; kept' });
  }
  for (const trigger of desired.triggers) {
    if (findByName(actual.triggers, trigger.name) === undefined) triggersToCreate.push({ item: trigger, from: 'desired' });
  }

  // ---- indexes (named ones only: autoindexes belong to their table's constraints)
  const named = (indexes: readonly Index[]): Index[] => indexes.filter((index) => index.origin === 'c' && index.sql !== null);
  const desiredNamedIndexes = named(desired.indexes);
  const indexesToDrop: Index[] = [];
  const indexesToCreate: Recreate<Index>[] = [];
  for (const index of named(actual.indexes)) {
    const want = findByName(desiredNamedIndexes, index.name);
    const tableKey = foldName(index.table);
    const goesWithTable = rebuiltNames.has(tableKey) || droppedTableNames.has(tableKey);
    const allowedToDrop = isAllowed(options.allowDrops?.indexes, index.name, allowAll) || indexesChangingKind.has(foldName(index.name));
    if (want === undefined) {
      if (droppedTableNames.has(tableKey)) continue;
      if (allowedToDrop) {
        // dropped before any table is created: a new table may take its name
        if (!goesWithTable || indexesChangingKind.has(foldName(index.name))) indexesToDrop.push(index);
        continue;
      }
      // An index over a column the rebuild drops (as a key, in an expression or in its WHERE)
      // cannot be recreated: it goes with the column.
      if (rebuiltNames.has(tableKey) && indexUsesAny(index, droppedColumnNames.get(tableKey))) continue;
      skipped.push({ kind: 'index', object: index.name, reason: 'not in the desired schema; kept' });
      if (rebuiltNames.has(tableKey)) indexesToCreate.push({ item: index, from: 'actual' });
      continue;
    }
    const stale = indexKey(want) !== indexKey(index);
    if (stale && !goesWithTable) indexesToDrop.push(index);
    if (stale || goesWithTable) indexesToCreate.push({ item: want, from: 'desired' });
  }
  for (const index of desiredNamedIndexes) {
    if (findByName(actual.indexes, index.name) === undefined) indexesToCreate.push({ item: index, from: 'desired' });
  }

  // ---- assemble, in dependency order
  const steps: Step[] = [...renameSteps];
  for (const trigger of triggersToDrop) {
    const unwanted = findByName(desired.triggers, trigger.name) === undefined && !triggersToCreate.some((r) => r.item === trigger);
    steps.push(step('drop_trigger', trigger.name, `DROP TRIGGER ${q(trigger.name)}`,
      unwanted ? 'not in the desired schema (drop allowed)' : 'recreated after the change', unwanted));
  }
  for (const view of viewOrder(viewsToDrop).reverse()) {
    const unwanted = viewFate.get(foldName(view.name)) === 'drop';
    const why = viewsChangingKind.has(foldName(view.name)) ? 'the desired schema gives its name to a table or index (a view holds no data)'
      : unwanted ? 'not in the desired schema (drop allowed)' : 'recreated after the change';
    steps.push(step('drop_view', view.name, `DROP VIEW ${q(view.name)}`, why, unwanted && !viewsChangingKind.has(foldName(view.name))));
  }
  for (const index of indexesToDrop) {
    const unwanted = findByName(desired.indexes, index.name) === undefined;
    const why = indexesChangingKind.has(foldName(index.name)) ? 'the desired schema gives its name to a table or view (an index holds no data)'
      : unwanted ? 'not in the desired schema (drop allowed)' : 'definition changed';
    steps.push(step('drop_index', index.name, `DROP INDEX ${q(index.name)}`, why, unwanted && !indexesChangingKind.has(foldName(index.name))));
  }
  // Guards (foreign keys off, row counts and foreign-key violations unchanged) wrap every rebuild,
  // and every drop of a table that surviving tables reference: with foreign keys on, DROP TABLE
  // would cascade into their rows; with them off, it could leave those rows pointing at nothing.
  // Counts are taken before the first drop, since a drop is what could change them.
  const orphaning = droppedTables.some((table) => actual.tables.some((other) => !droppedTableNames.has(foldName(other.name))
    && other.foreignKeys.some((fk) => foldName(fk.targetTable) === foldName(table.name))));
  const guarded = rebuilt.length > 0 || orphaning ? rebuildGuards(rebuilt, actual, droppedTableNames) : { before: [], after: [] };
  if (droppedTables.length > 0) steps.push(...guarded.before);
  for (const table of droppedTables) {
    steps.push(step('drop_table', table.name, `DROP TABLE ${q(table.name)}`, 'not in the desired schema (drop allowed): its rows are deleted', true));
    if (actual.tables.some((other) => !droppedTableNames.has(foldName(other.name))
      && other.foreignKeys.some((fk) => foldName(fk.targetTable) === foldName(table.name)))) {
      warnings.push(`dropped table ${table.name} is still referenced by a foreign key`);
    }
  }
  for (const table of foreignKeyOrder(createdTables)) {
    steps.push(step('create_table', table.name, table.sql, 'new table'));
  }
  for (const change of altered) {
    for (const column of change.added) {
      steps.push(step('add_column', `${change.desired.name}.${column.name}`,
        `ALTER TABLE ${q(change.desired.name)} ADD COLUMN ${column.definitionSql}`, 'new column'));
    }
  }
  const steppedRebuilds = rebuilt.flatMap((change) => rebuildSteps(change, [actual, desired]));
  if (droppedTables.length === 0) steps.push(...guarded.before);
  steps.push(...steppedRebuilds);
  for (const { item: index, from } of indexesToCreate) {
    steps.push(step('create_index', index.name, index.sql ?? '', from === 'desired' ? 'new or changed index' : 'kept index recreated after the rebuild'));
  }
  for (const view of viewOrder(viewsToCreate.map((r) => r.item))) {
    const from = viewsToCreate.find((r) => r.item === view)?.from;
    steps.push(step('create_view', view.name, view.sql, from === 'desired' ? 'new, changed or dependent view' : 'kept view recreated after the change'));
  }
  for (const { item: trigger, from } of triggersToCreate) {
    steps.push(step('create_trigger', trigger.name, trigger.sql, from === 'desired' ? 'new, changed or dependent trigger' : 'kept trigger recreated after the change'));
  }
  steps.push(...guarded.after);
  for (const data of options.dataSteps ?? []) {
    steps.push(step('data', `version ${data.version}`, data.sql, `data step of version ${data.version}`));
  }
  return { steps, skipped, warnings };
}

/**
 * In-batch proofs around rebuilds. Some libSQL servers have ignored `PRAGMA foreign_keys=off`, and a
 * rebuild's DROP TABLE then cascaded into child rows. These statements make the batch fail (an
 * insert violating the CHECK on the temp table) unless foreign keys are off and the row counts of
 * every rebuilt table and every table referencing it are unchanged, with no new FK violations.
 */
function rebuildGuards(
  rebuilt: readonly TableChange[], actual: DatabaseSchema, droppedTableNames: ReadonlySet<string>,
): { before: Step[]; after: Step[] } {
  const rebuiltNames = folded(rebuilt.map((change) => change.actual.name));
  // A table this plan drops is not watched: it will be gone. Its surviving children are.
  const watched = actual.tables.filter((table) => !droppedTableNames.has(foldName(table.name))
    && (rebuiltNames.has(foldName(table.name)) || table.foreignKeys.some((fk) => rebuiltNames.has(foldName(fk.targetTable))
      || droppedTableNames.has(foldName(fk.targetTable)))));
  const before: Step[] = [
    step('assert', 'batch', `CREATE TABLE IF NOT EXISTS ${ASSERT_TABLE} (ok INTEGER NOT NULL CHECK (ok = 1), what TEXT)`, 'assertion table'),
    step('assert', 'batch', `CREATE TABLE IF NOT EXISTS ${COUNTS_TABLE} (name TEXT PRIMARY KEY, n INTEGER)`, 'row-count table'),
    step('assert', 'foreign_keys', `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT foreign_keys = 0, 'foreign keys are off' FROM pragma_foreign_keys`,
      'foreign keys must be off, or dropping a table could cascade into child rows'),
  ];
  const after: Step[] = [];
  for (const table of watched) {
    const rows = quoteString(`rows:${table.name}`);
    const name = quoteString(table.name);
    // Violations are counted per parent table: a rebuild that removes violations towards one
    // parent (a dropped column) must not hide new ones towards another (a changed foreign key).
    const perParent = (parent: string): string => `'fk:' || json_array(${name}, lower(${parent}))`;
    before.push(step('assert', table.name,
      `INSERT INTO ${COUNTS_TABLE} (name, n) SELECT ${rows}, count(*) FROM main.${q(table.name)} UNION ALL SELECT ${perParent('parent')}, count(*) FROM pragma_foreign_key_check(${name}) GROUP BY lower(parent)`,
      'count rows and foreign-key violations before the rebuild'));
    after.push(step('assert', table.name,
      `INSERT INTO ${ASSERT_TABLE} (ok, what) VALUES ((SELECT count(*) FROM main.${q(table.name)}) = (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${rows}), ${rows})`,
      `row count of ${table.name} must be unchanged by the rebuild`));
    after.push(step('assert', table.name,
      `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) <= coalesce((SELECT n FROM ${COUNTS_TABLE} WHERE name = ${perParent('v.parent')}), 0), ${perParent('v.parent')} FROM pragma_foreign_key_check(${name}) AS v GROUP BY lower(v.parent)`,
      `the rebuild must not add foreign-key violations in ${table.name} (PRAGMA foreign_key_check)`));
  }
  after.push(step('assert', 'batch', `DROP TABLE ${ASSERT_TABLE}`, 'clean up'));
  after.push(step('assert', 'batch', `DROP TABLE ${COUNTS_TABLE}`, 'clean up'));
  return { before, after };
}
