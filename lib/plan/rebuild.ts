/**
 * Rendering a rebuild: SQLite's 12-step table rebuild as statements (create under a temporary
 * name with the kept columns and their clauses, copy, drop, rename), the value proofs it needs, and
 * the in-batch guards that wrap every rebuild.
 */
import type { Column, DatabaseSchema, Table } from '../model.js';
import { findByName, foldName } from '../model.js';
import { columnDefinitionParts, parseCreateTable } from '../sql/create-table.js';
import { closingParen, quoteIdentifier as q, quoteString, tokenize, isWord } from '../sql/tokens.js';
import type { Step, StepSource } from './steps.js';
import {
  ASSERT_TABLE,
  checkColumns,
  COUNTS_TABLE,
  folded,
  hasRowidAlias,
  onlyKeptNames,
  REBUILD_PREFIX,
  resolvedForeignKey,
  rowidAlias,
  step,
  STRICT_TYPES,
} from './common.js';
import { describeCause } from './causes.js';
import type { TableChange } from './table-change.js';

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
  const type =
    desired.strict && (!actual.strict || !STRICT_TYPES.has(column.type))
      ? 'ANY'
      : actual.strict && !desired.strict && column.type === 'ANY'
        ? ''
        : parts.type;
  return [
    parts.name,
    type,
    ...parts.constraints
      .filter((part) => part.kind !== 'primary key')
      .map((part) => (part.kind === 'references' ? withExplicitTarget(part.sql, actualSchema) : part.sql)),
  ]
    .filter((part) => part !== '')
    .join(' ');
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

/**
 * The table-level clauses a default-mode rebuild carries over for the kept columns: UNIQUE,
 * FOREIGN KEY and CHECK clauses naming only kept columns (a child's foreign key may target that
 * UNIQUE; the comparison leaves them out, so dropping them would be a silent change), and, when
 * the whole old primary key is kept and some foreign key targets it, a UNIQUE in its place.
 */
function keptClauses(change: TableChange, schemas: readonly DatabaseSchema[]): string[] {
  const { actual, kept } = change;
  const keptNames = folded(kept.map((column) => column.name));
  const carried = parseCreateTable(actual.sql).tableConstraints.filter(
    (clause) =>
      clause.kind !== 'primary key' &&
      onlyKeptNames(clause.kind === 'check' ? checkColumns(clause.sql, actual) : clause.columns, keptNames),
  );
  const clauses = carried.map((clause) =>
    clause.kind === 'foreign key' ? withExplicitTarget(clause.sql, schemas[0] as DatabaseSchema) : clause.sql,
  );
  const oldKey = actual.primaryKey.map(foldName);
  const keyTargeted =
    onlyKeptNames(actual.primaryKey, keptNames) &&
    schemas.some((schema) =>
      schema.tables.some((table) =>
        table.foreignKeys
          .map((fk) => resolvedForeignKey(fk, schema))
          .some(
            (fk) =>
              foldName(fk.targetTable) === foldName(actual.name) &&
              fk.targetColumns.length === oldKey.length &&
              fk.targetColumns.every((name) => oldKey.includes(foldName(name))),
          ),
      ),
    );
  const alreadyUnique = carried.some(
    (clause) =>
      clause.kind === 'unique' &&
      clause.columns.length === oldKey.length &&
      clause.columns.every((name) => oldKey.includes(foldName(name))),
  );
  if (keyTargeted && !alreadyUnique) clauses.push(`UNIQUE (${actual.primaryKey.map(q).join(', ')})`);
  return clauses;
}

/** The CREATE TABLE for a rebuild: the desired text under a temporary name, plus kept columns and their clauses. */
function rebuildCreateSql(change: TableChange, temporaryName: string, schemas: readonly DatabaseSchema[]): string {
  const { actual, desired, kept } = change;
  const parsed = parseCreateTable(desired.sql);
  const keptDefinitions = kept
    .map((column) => `, ${keptDefinition(column, actual, desired, schemas[0] as DatabaseSchema)}`)
    .join('');
  const clauses = keptClauses(change, schemas)
    .map((clause) => `, ${clause}`)
    .join('');
  const tokens = tokenize(desired.sql);
  const open = tokens.findIndex((token) => token.start >= parsed.nameEnd && token.text === '(');
  const close = tokens[closingParen(tokens, open)]?.start ?? desired.sql.length;
  const body =
    desired.sql.slice(0, parsed.nameStart) +
    q(temporaryName) +
    desired.sql.slice(parsed.nameEnd, parsed.columnsEnd) +
    keptDefinitions +
    desired.sql.slice(parsed.columnsEnd, close);
  return body + clauses + desired.sql.slice(close);
}

/**
 * What the copy reads from an old column: the value a SELECT of it returns. A VIRTUAL generated
 * column with REAL affinity is the exception to the plain name: SQLite computes it and applies the
 * affinity's integer-to-real step only when the value is read out, which INSERT … SELECT skips for
 * a bare column (it copied integer 2 where SELECT shows 2.0). Read through an expression, which
 * sees the real, the copy stores what the caller saw; other values pass unchanged.
 */
function copiedValue(name: string, old: Column): string {
  const column = q(name);
  if (old.generated?.storage !== 'VIRTUAL') return column;
  return `CASE WHEN typeof(${column}) = 'real' THEN CAST(${column} AS REAL) ELSE ${column} END`;
}

export function rebuildSteps(change: TableChange, schemas: readonly DatabaseSchema[]): Step[] {
  const { actual, desired, kept } = change;
  const name = desired.name;
  const temporaryName = `${REBUILD_PREFIX}${name}`;
  const reason = `rebuild: ${change.rebuildCauses.map(describeCause).join('; ')}`;
  const source: StepSource = {
    kind: 'table',
    table: name,
    change: 'rebuild',
    causes: change.rebuildCauses,
    droppedColumns: change.dropped.map((column) => column.name),
  };
  const guard: StepSource = { kind: 'guard', table: name };
  const target = [...desired.columns, ...kept];
  const copied = target.filter(
    (column) =>
      column.generated === null &&
      findByName(actual.columns, column.name) !== undefined &&
      !findByName(actual.columns, column.name)?.hidden,
  );
  const reservedRowid = target.some((column) => ['rowid', 'oid', '_rowid_'].includes(foldName(column.name)));
  // Implicit rowids are data too (other tables may store them): carry them across whenever the new
  // table has one that no column carries (from the old rowid, or the old INTEGER PRIMARY KEY, which is it).
  const copyRowid =
    !actual.withoutRowid &&
    !desired.withoutRowid &&
    !hasRowidAlias(desired) &&
    !reservedRowid &&
    !actual.columns.some((column) => ['rowid', 'oid', '_rowid_'].includes(foldName(column.name)));
  let columnList = [...(copyRowid ? ['rowid'] : []), ...copied.map((column) => q(column.name))].join(', ');
  let selectList = [
    ...(copyRowid ? ['rowid'] : []),
    ...copied.map((column) => copiedValue(column.name, findByName(actual.columns, column.name) as Column)),
  ].join(', ');
  if (columnList === '') {
    // No column in common: every old row still becomes a row, with the defaults of the new table.
    // As INSERT … DEFAULT VALUES would: the rowid alias gets a new number (its default is ignored).
    const alias = rowidAlias(desired);
    const stored = target.filter((column) => column.generated === null);
    const first =
      stored.find((column) => alias === undefined || foldName(column.name) !== foldName(alias)) ?? stored[0];
    // SQLite refuses a table whose every column is generated.
    if (first === undefined) throw new Error(`table ${desired.name} has no stored column`);
    columnList = q(first.name);
    selectList =
      alias !== undefined && foldName(first.name) === foldName(alias) ? 'NULL' : (first.defaultSql ?? 'NULL');
  }
  const steps: Step[] = [];
  // A column that becomes INTEGER PRIMARY KEY becomes the rowid: inserting NULL there makes up a new
  // number, so a stored NULL key would silently change. The batch stops instead (the rows need keys).
  const alias = rowidAlias(desired);
  if (
    alias !== undefined &&
    rowidAlias(actual)?.toLowerCase() !== alias.toLowerCase() &&
    findByName(actual.columns, alias) !== undefined
  ) {
    steps.push(
      step(
        'assert',
        name,
        `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) = 0, ${quoteString(`null key:${name}.${alias}`)} FROM main.${q(actual.name)} WHERE ${q(alias)} IS NULL`,
        `${name}.${alias} becomes INTEGER PRIMARY KEY (the rowid): rows whose ${alias} is NULL would get new numbers, so the apply stops until they hold keys`,
        guard,
      ),
    );
  }
  steps.push(
    step(
      'rebuild_table',
      name,
      rebuildCreateSql(change, temporaryName, schemas),
      `${reason} (1/4: create the new table)`,
      source,
    ),
    step(
      'rebuild_table',
      name,
      `INSERT INTO ${q(temporaryName)} (${columnList}) SELECT ${selectList} FROM ${q(actual.name)}`,
      `${reason} (2/4: copy every row)`,
      source,
    ),
    step(
      'rebuild_table',
      name,
      `DROP TABLE ${q(actual.name)}`,
      `${reason} (3/4: drop the old table)`,
      source,
      change.dropped.length > 0,
    ),
    step(
      'rebuild_table',
      name,
      `ALTER TABLE ${q(temporaryName)} RENAME TO ${q(name)}`,
      `${reason} (4/4: rename the new table)`,
      source,
    ),
  );
  // A STRICT table's ANY column stores values as they are; ANY in a table that is not STRICT has
  // NUMERIC affinity and turns text such as '12' into 12. The batch proves no value changed.
  if (actual.strict && !desired.strict) {
    const converting = desired.columns.filter(
      (column) =>
        column.type === 'ANY' && findByName(actual.columns, column.name)?.type === 'ANY' && column.generated === null,
    );
    const drop = steps.findIndex((each) => each.sql.startsWith('DROP TABLE'));
    steps.splice(
      drop,
      0,
      ...converting.map((column) =>
        step(
          'assert',
          name,
          `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) = 0, ${quoteString(`values kept:${name}.${column.name}`)} FROM (SELECT ${q(column.name)}, typeof(${q(column.name)}) FROM main.${q(actual.name)} EXCEPT SELECT ${q(column.name)}, typeof(${q(column.name)}) FROM main.${q(temporaryName)})`,
          `${name}.${column.name} is ANY in a table that stops being STRICT, where ANY converts numeric text ('12' to 12): the apply stops if a stored value would change`,
          guard,
        ),
      ),
    );
  }
  if (actual.autoincrement && desired.autoincrement) {
    // The copy sets the sequence to the highest id copied; keep a higher one so ids are never reused.
    steps.splice(
      steps.findIndex((each) => each.sql.startsWith('DROP TABLE')),
      0,
      step(
        'rebuild_table',
        name,
        `INSERT INTO ${COUNTS_TABLE} (name, n) SELECT ${quoteString(`seq:${name}`)}, seq FROM main.sqlite_sequence WHERE name = ${quoteString(actual.name)}`,
        `${reason} (remember the AUTOINCREMENT sequence)`,
        source,
      ),
    );
    steps.push(
      step(
        'rebuild_table',
        name,
        `UPDATE main.sqlite_sequence SET seq = (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${quoteString(`seq:${name}`)}) WHERE name = ${quoteString(name)} AND seq < (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${quoteString(`seq:${name}`)})`,
        `${reason} (restore the AUTOINCREMENT sequence)`,
        source,
      ),
    );
  }
  return steps;
}

/**
 * In-batch proofs around rebuilds. Some libSQL servers have ignored `PRAGMA foreign_keys=off`, and a
 * rebuild's DROP TABLE then cascaded into child rows. These statements make the batch fail (an
 * insert violating the CHECK on the temp table) unless foreign keys are off and the row counts of
 * every rebuilt table and every table referencing it are unchanged, with no new FK violations.
 */
const BATCH_GUARD: StepSource = { kind: 'guard', table: null };

export function rebuildGuards(
  rebuilt: readonly TableChange[],
  actual: DatabaseSchema,
  droppedTableNames: ReadonlySet<string>,
): { before: Step[]; after: Step[] } {
  const rebuiltNames = folded(rebuilt.map((change) => change.actual.name));
  // A table this plan drops is not watched: it will be gone. Its surviving children are.
  const watched = actual.tables.filter(
    (table) =>
      !droppedTableNames.has(foldName(table.name)) &&
      (rebuiltNames.has(foldName(table.name)) ||
        table.foreignKeys.some(
          (fk) => rebuiltNames.has(foldName(fk.targetTable)) || droppedTableNames.has(foldName(fk.targetTable)),
        )),
  );
  const before: Step[] = [
    step(
      'assert',
      'batch',
      `CREATE TABLE IF NOT EXISTS ${ASSERT_TABLE} (ok INTEGER NOT NULL CHECK (ok = 1), what TEXT)`,
      'assertion table',
      BATCH_GUARD,
    ),
    step(
      'assert',
      'batch',
      `CREATE TABLE IF NOT EXISTS ${COUNTS_TABLE} (name TEXT PRIMARY KEY, n INTEGER)`,
      'row-count table',
      BATCH_GUARD,
    ),
    step(
      'assert',
      'foreign_keys',
      `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT foreign_keys = 0, 'foreign keys are off' FROM pragma_foreign_keys`,
      'foreign keys must be off, or dropping a table could cascade into child rows',
      BATCH_GUARD,
    ),
  ];
  const after: Step[] = [];
  for (const table of watched) {
    const rows = quoteString(`rows:${table.name}`);
    const name = quoteString(table.name);
    // Violations are counted per parent table: a rebuild that removes violations towards one
    // parent (a dropped column) must not hide new ones towards another (a changed foreign key).
    const perParent = (parent: string): string => `'fk:' || json_array(${name}, lower(${parent}))`;
    before.push(
      step(
        'assert',
        table.name,
        `INSERT INTO ${COUNTS_TABLE} (name, n) SELECT ${rows}, count(*) FROM main.${q(table.name)} UNION ALL SELECT ${perParent('parent')}, count(*) FROM pragma_foreign_key_check(${name}) GROUP BY lower(parent)`,
        'count rows and foreign-key violations before the rebuild',
        { kind: 'guard', table: table.name },
      ),
    );
    after.push(
      step(
        'assert',
        table.name,
        `INSERT INTO ${ASSERT_TABLE} (ok, what) VALUES ((SELECT count(*) FROM main.${q(table.name)}) = (SELECT n FROM ${COUNTS_TABLE} WHERE name = ${rows}), ${rows})`,
        `row count of ${table.name} must be unchanged by the rebuild`,
        { kind: 'guard', table: table.name },
      ),
    );
    after.push(
      step(
        'assert',
        table.name,
        `INSERT INTO ${ASSERT_TABLE} (ok, what) SELECT count(*) <= coalesce((SELECT n FROM ${COUNTS_TABLE} WHERE name = ${perParent('v.parent')}), 0), ${perParent('v.parent')} FROM pragma_foreign_key_check(${name}) AS v GROUP BY lower(v.parent)`,
        `the rebuild must not add foreign-key violations in ${table.name} (PRAGMA foreign_key_check)`,
        { kind: 'guard', table: table.name },
      ),
    );
  }
  after.push(step('assert', 'batch', `DROP TABLE ${ASSERT_TABLE}`, 'clean up', BATCH_GUARD));
  after.push(step('assert', 'batch', `DROP TABLE ${COUNTS_TABLE}`, 'clean up', BATCH_GUARD));
  return { before, after };
}
