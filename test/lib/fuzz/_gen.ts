/**
 * Generator for the differential fuzz tests: random schema specs (tables with every kind of key,
 * constraint and column the engine must handle, indexes, views, triggers), a "desired" spec derived
 * from the current one by random edits (or drawn independently), random rows that stress keys and
 * types, and a renderer that can respell a spec in many semantically equal ways.
 *
 * A spec is plain data; `sanitize` makes any spec valid DDL (names unique across kinds, keys and
 * foreign keys resolvable, STRICT types legal…), so arbitrary mixes of two specs stay valid.
 */
import fc from 'fast-check';

export type Cell = null | bigint | number | string | Uint8Array;

export type GeneratedKind = 'len' | 'mul' | 'cat';
export type CheckKind = 'len' | 'ne_str' | 'ne_num' | 'not_blob' | 'eq_self';
export type Collation = 'NOCASE' | 'RTRIM' | 'BINARY';
export type FkAction = 'NO ACTION' | 'CASCADE' | 'SET NULL' | 'RESTRICT' | 'SET DEFAULT';

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly defaultSql: string | null;
  readonly unique: boolean;
  readonly check: CheckKind | null;
  readonly collate: Collation | null;
  readonly generated: { readonly kind: GeneratedKind; readonly stored: boolean } | null;
}

/** `rowid`: one INTEGER PRIMARY KEY column (DESC makes it NOT an alias); `columns`: any other key. */
export type PkSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'rowid'; readonly column: string; readonly autoincrement: boolean; readonly desc: boolean }
  | { readonly kind: 'columns'; readonly columns: readonly string[] };

export interface FkSpec {
  readonly columns: readonly string[];
  readonly table: string;
  /** Which key of the parent: its primary key, or its n-th UNIQUE constraint. */
  readonly target: 'pk' | number;
  readonly onDelete: FkAction;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly pk: PkSpec;
  readonly uniques: readonly (readonly string[])[];
  readonly checks: ReadonlyArray<{ readonly kind: CheckKind; readonly column: string }>;
  readonly fks: readonly FkSpec[];
  readonly strict: boolean;
  readonly withoutRowid: boolean;
}

export interface IndexTerm {
  readonly column: string;
  readonly expression: 'none' | 'lower' | 'plus';
  readonly desc: boolean;
  readonly collate: Collation | null;
}

export interface IndexSpec {
  readonly name: string;
  readonly table: string;
  readonly terms: readonly IndexTerm[];
  readonly unique: boolean;
  readonly partial: boolean;
}

export interface ViewSpec {
  readonly name: string;
  /** A table or another view. */
  readonly source: string;
  readonly width: number;
  readonly filtered: boolean;
}

export interface TriggerSpec {
  readonly name: string;
  readonly table: string;
  readonly event: 'insert' | 'update' | 'delete' | 'update_of';
  readonly timing: 'AFTER' | 'BEFORE';
}

export interface SchemaSpec {
  readonly tables: readonly TableSpec[];
  readonly indexes: readonly IndexSpec[];
  readonly views: readonly ViewSpec[];
  readonly triggers: readonly TriggerSpec[];
}

/** Feature switches: each test file draws from its area, always with the full check set. */
export interface GenConfig {
  readonly tableNames: readonly string[];
  readonly columnNames: readonly string[];
  /** Names any kind may take (tables, views, indexes): where cross-kind renames come from. */
  readonly sharedNames: readonly string[];
  readonly maxTables: number;
  readonly maxColumns: number;
  readonly types: readonly string[];
  readonly defaults: boolean;
  readonly checks: boolean;
  readonly generated: boolean;
  readonly keys: boolean;
  readonly strict: boolean;
  readonly withoutRowid: boolean;
  readonly tableConstraints: boolean;
  readonly foreignKeys: boolean;
  readonly indexes: boolean;
  readonly views: boolean;
  readonly triggers: boolean;
}

export const TYPES = [
  'INTEGER',
  'INT',
  'TEXT',
  'REAL',
  'BLOB',
  'ANY',
  '',
  'NUMERIC',
  'VARCHAR(10)',
  'DOUBLE PRECISION',
  'BOOLEAN',
];
const STRICT_TYPES = new Set(['INT', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'ANY']);

export const FULL: GenConfig = {
  tableNames: ['t0', 't1', 'T2', 'Odd "T"', 'order'],
  columnNames: ['id', 'a', 'b', 'c', 'select', 'Mixed Case', 'ü'],
  sharedNames: ['k0', 'k1'],
  maxTables: 3,
  maxColumns: 5,
  types: TYPES,
  defaults: true,
  checks: true,
  generated: true,
  keys: true,
  strict: true,
  withoutRowid: true,
  tableConstraints: true,
  foreignKeys: true,
  indexes: true,
  views: true,
  triggers: true,
};

/** Defaults of every literal kind, and expressions (which ADD COLUMN cannot take). */
export const DEFAULTS = [
  '0',
  '-1',
  '42',
  '9223372036854775807',
  '-9223372036854775808',
  '1.5',
  '-0.25',
  '1e3',
  '0.0',
  "'x'",
  "''",
  "'ü😀'",
  "'7'",
  "x'00ff'",
  "X''",
  'NULL',
  'TRUE',
  'FALSE',
  'CURRENT_TIMESTAMP',
  'CURRENT_DATE',
  'CURRENT_TIME',
  '(1 + 1)',
  "(lower('AB'))",
  '(abs(-3))',
  "('p' || 'q')",
  '(-7)',
  "('paren')",
];

// ---------------------------------------------------------------- arbitraries

const pickFrom = <T>(items: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...items);
const rarely = (n = 4): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: n - 1 }).map((x) => x === 0);
/** `arb` one time in `n`, else null (fc.option's freq is the other way round). */
const oneIn = <T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary: arb, weight: 1 });

function columnArb(config: GenConfig, name: string): fc.Arbitrary<ColumnSpec> {
  return fc.record({
    name: fc.constant(name),
    type: pickFrom(config.types),
    notNull: rarely(3),
    defaultSql: config.defaults ? oneIn(2, pickFrom(DEFAULTS)) : fc.constant(null),
    unique: config.keys ? rarely(6) : fc.constant(false),
    check: config.checks
      ? oneIn(4, pickFrom<CheckKind>(['len', 'ne_str', 'ne_num', 'not_blob', 'eq_self']))
      : fc.constant(null),
    collate: oneIn(5, pickFrom<Collation>(['NOCASE', 'RTRIM', 'BINARY'])),
    generated: config.generated
      ? oneIn(6, fc.record({ kind: pickFrom<GeneratedKind>(['len', 'mul', 'cat']), stored: fc.boolean() }))
      : fc.constant(null),
  });
}

function pkArb(config: GenConfig, names: readonly string[]): fc.Arbitrary<PkSpec> {
  const none: fc.Arbitrary<PkSpec> = fc.constant({ kind: 'none' });
  if (!config.keys) {
    return fc.oneof(
      none,
      fc.record({
        kind: fc.constant('rowid' as const),
        column: pickFrom(names),
        autoincrement: fc.constant(false),
        desc: fc.constant(false),
      }),
    );
  }
  return fc.oneof(
    { arbitrary: none, weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constant('rowid' as const),
        column: pickFrom(names),
        autoincrement: rarely(3),
        desc: rarely(5),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('columns' as const),
        columns: fc.uniqueArray(pickFrom(names), { minLength: 1, maxLength: 2 }),
      }),
      weight: 3,
    },
  );
}

function tableArb(config: GenConfig, name: string, tableNames: readonly string[]): fc.Arbitrary<TableSpec> {
  return fc
    .uniqueArray(pickFrom(config.columnNames), {
      minLength: 1,
      maxLength: config.maxColumns,
      selector: (n) => n.toLowerCase(),
    })
    .chain((names) =>
      fc.record({
        name: fc.constant(name),
        columns: fc.tuple(...names.map((column) => columnArb(config, column))),
        pk: pkArb(config, names),
        uniques:
          config.tableConstraints && config.keys
            ? fc.array(fc.uniqueArray(pickFrom(names), { minLength: 1, maxLength: 2 }), { maxLength: 2 })
            : fc.constant([]),
        checks:
          config.tableConstraints && config.checks
            ? fc.array(
                fc.record({
                  kind: pickFrom<CheckKind>(['len', 'ne_str', 'ne_num', 'not_blob', 'eq_self']),
                  column: pickFrom(names),
                }),
                { maxLength: 2 },
              )
            : fc.constant([]),
        fks: config.foreignKeys
          ? fc.array(
              fc.record({
                columns: fc.uniqueArray(pickFrom(names), { minLength: 1, maxLength: 2 }),
                table: pickFrom(tableNames),
                target: fc.oneof(fc.constant('pk' as const), fc.integer({ min: 0, max: 2 })),
                onDelete: pickFrom<FkAction>(['NO ACTION', 'CASCADE', 'SET NULL', 'RESTRICT', 'SET DEFAULT']),
              }),
              { maxLength: 2 },
            )
          : fc.constant([]),
        strict: config.strict ? rarely(3) : fc.constant(false),
        withoutRowid: config.withoutRowid ? rarely(3) : fc.constant(false),
      }),
    );
}

function indexArb(config: GenConfig, tables: readonly string[]): fc.Arbitrary<IndexSpec> {
  return fc.record({
    name: pickFrom(['ix0', 'ix1', 'Ix Two', ...config.sharedNames]),
    table: pickFrom(tables),
    terms: fc.array(
      fc.record({
        column: pickFrom(config.columnNames),
        expression: fc.constantFrom<IndexTerm['expression']>('none', 'none', 'none', 'lower', 'plus'),
        desc: fc.boolean(),
        collate: oneIn(4, pickFrom<Collation>(['NOCASE', 'RTRIM'])),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    unique: rarely(3),
    partial: rarely(3),
  });
}

function viewArb(config: GenConfig, sources: readonly string[]): fc.Arbitrary<ViewSpec> {
  return fc.record({
    name: pickFrom(['v0', 'v1', ...config.sharedNames]),
    source: pickFrom(sources),
    width: fc.integer({ min: 1, max: 3 }),
    filtered: fc.boolean(),
  });
}

function triggerArb(tables: readonly string[]): fc.Arbitrary<TriggerSpec> {
  return fc.record({
    name: pickFrom(['tr0', 'tr1']),
    table: pickFrom(tables),
    event: fc.constantFrom<TriggerSpec['event']>('insert', 'update', 'delete', 'update_of'),
    timing: fc.constantFrom<TriggerSpec['timing']>('AFTER', 'BEFORE'),
  });
}

export function schemaArb(config: GenConfig): fc.Arbitrary<SchemaSpec> {
  const allTableNames = [...config.tableNames, ...config.sharedNames];
  return fc
    .uniqueArray(pickFrom(allTableNames), {
      minLength: 1,
      maxLength: config.maxTables,
      selector: (n) => n.toLowerCase(),
    })
    .chain((names) =>
      fc.record({
        tables: fc.tuple(...names.map((name) => tableArb(config, name, names))),
        indexes: config.indexes ? fc.array(indexArb(config, names), { maxLength: 3 }) : fc.constant([]),
        views: config.views ? fc.array(viewArb(config, [...names, 'v0']), { maxLength: 2 }) : fc.constant([]),
        triggers: config.triggers ? fc.array(triggerArb([...names, 'v0', 'v1']), { maxLength: 2 }) : fc.constant([]),
      }),
    )
    .map((schema) => sanitize(schema));
}

// ---------------------------------------------------------------- current → desired edits

/**
 * A small deterministic choice stream: shrinking the numbers towards 0 shrinks the edit towards
 * "keep the current definition".
 */
class Coins {
  private at = 0;
  constructor(private readonly values: readonly number[]) {}
  next(): number {
    const value = this.values[this.at % this.values.length] ?? 0;
    this.at++;
    return value;
  }
  /** True with probability p (the stream's numbers are 0..99). */
  chance(p: number): boolean {
    return this.next() >= 100 - p * 100;
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function find<T extends { readonly name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => sameName(item.name, name));
}

/** Mixes the current spec with an independent draw: each part kept, replaced, added or dropped. */
function editSchema(current: SchemaSpec, other: SchemaSpec, coins: Coins): SchemaSpec {
  const tables: TableSpec[] = [];
  for (const table of current.tables) {
    if (coins.chance(0.1)) continue; // dropped
    const replacement = find(other.tables, table.name) ?? other.tables[coins.next() % other.tables.length];
    tables.push(
      coins.chance(0.08) && replacement !== undefined
        ? { ...replacement, name: table.name }
        : editTable(table, replacement, coins),
    );
  }
  for (const table of other.tables) {
    if (find(tables, table.name) === undefined && coins.chance(0.3)) tables.push(table);
  }
  if (tables.length === 0) tables.push(current.tables[0] as TableSpec);
  const mixList = <T extends { readonly name: string }>(mine: readonly T[], theirs: readonly T[]): T[] => {
    const out: T[] = [];
    for (const item of mine) {
      if (coins.chance(0.15)) continue;
      const swap = find(theirs, item.name);
      out.push(swap !== undefined && coins.chance(0.3) ? swap : item);
    }
    for (const item of theirs) if (find(out, item.name) === undefined && coins.chance(0.3)) out.push(item);
    return out;
  };
  return sanitize({
    tables,
    indexes: mixList(current.indexes, other.indexes),
    views: mixList(current.views, other.views),
    triggers: mixList(current.triggers, other.triggers),
  });
}

function editTable(table: TableSpec, other: TableSpec | undefined, coins: Coins): TableSpec {
  let columns: ColumnSpec[] = [];
  for (const column of table.columns) {
    if (coins.chance(0.12)) continue; // dropped
    const theirs = other === undefined ? undefined : find(other.columns, column.name);
    if (theirs !== undefined && coins.chance(0.25)) {
      columns.push(theirs);
      continue;
    }
    columns.push(editColumn(column, other, coins));
  }
  for (const column of other?.columns ?? []) {
    if (find(columns, column.name) !== undefined || !coins.chance(0.35)) continue;
    // usually appended (ADD COLUMN), sometimes in the middle (a rebuild)
    const at = coins.chance(0.3) ? coins.next() % (columns.length + 1) : columns.length;
    columns.splice(at, 0, column);
  }
  if (coins.chance(0.1) && columns.length > 1) columns = [...columns.slice(1), columns[0] as ColumnSpec]; // reordered
  if (columns.length === 0) columns = [table.columns[0] as ColumnSpec];
  const take = <K extends keyof TableSpec>(key: K, p: number): TableSpec[K] =>
    other !== undefined && coins.chance(p) ? other[key] : table[key];
  return {
    name: table.name,
    columns,
    pk: take('pk', 0.15),
    uniques: take('uniques', 0.2),
    checks: take('checks', 0.2),
    fks: take('fks', 0.2),
    strict: take('strict', 0.15),
    withoutRowid: take('withoutRowid', 0.15),
  };
}

function editColumn(column: ColumnSpec, other: TableSpec | undefined, coins: Coins): ColumnSpec {
  const donor = other?.columns[coins.next() % Math.max(1, other.columns.length)];
  if (donor === undefined) return column;
  const pick = <K extends keyof ColumnSpec>(key: K, p: number): ColumnSpec[K] =>
    coins.chance(p) ? donor[key] : column[key];
  return {
    name: column.name,
    type: pick('type', 0.12),
    notNull: pick('notNull', 0.1),
    defaultSql: pick('defaultSql', 0.12),
    unique: pick('unique', 0.08),
    check: pick('check', 0.1),
    collate: pick('collate', 0.08),
    generated: pick('generated', 0.08),
  };
}

/** The desired spec: usually edits of the current one, sometimes an unrelated schema. */
export function desiredArb(config: GenConfig, current: SchemaSpec): fc.Arbitrary<SchemaSpec> {
  return fc
    .tuple(schemaArb(config), fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 64, maxLength: 64 }), rarely(6))
    .map(([other, values, independent]) => (independent ? other : editSchema(current, other, new Coins(values))));
}

// ---------------------------------------------------------------- validity

function stored(table: TableSpec): ColumnSpec[] {
  return table.columns.filter((column) => column.generated === null);
}

/** The parent key a foreign key spec points at, as column names, or null when there is none. */
export function parentKey(parent: TableSpec, target: FkSpec['target']): readonly string[] | null {
  if (target === 'pk') {
    if (parent.pk.kind === 'rowid') return [parent.pk.column];
    if (parent.pk.kind === 'columns') return parent.pk.columns;
    return null;
  }
  const uniques = [
    ...parent.columns.filter((column) => column.unique).map((column) => [column.name]),
    ...parent.uniques,
  ];
  return uniques[target] ?? null;
}

function sanitizeTable(table: TableSpec, tables: readonly TableSpec[]): TableSpec {
  const names = new Set<string>();
  let columns = table.columns.filter((column) => {
    const key = column.name.toLowerCase();
    if (names.has(key)) return false;
    names.add(key);
    return true;
  });
  const strict = table.strict;
  const has = (name: string): ColumnSpec | undefined => find(columns, name);
  let pk = table.pk;
  if (pk.kind === 'rowid' && (has(pk.column) === undefined || has(pk.column)?.generated !== null))
    pk = { kind: 'none' };
  if (pk.kind === 'columns') {
    const kept = pk.columns.filter(
      (name, i) =>
        has(name) !== undefined &&
        has(name)?.generated === null &&
        pk.kind === 'columns' &&
        pk.columns.findIndex((other) => sameName(other, name)) === i,
    );
    pk = kept.length === 0 ? { kind: 'none' } : { kind: 'columns', columns: kept };
  }
  const withoutRowid = table.withoutRowid && pk.kind !== 'none';
  if (pk.kind === 'rowid' && (withoutRowid || pk.desc)) pk = { ...pk, autoincrement: false };
  const pkNames = pk.kind === 'rowid' ? [pk.column] : pk.kind === 'columns' ? pk.columns : [];
  const storedNames = columns.filter((column) => column.generated === null).map((column) => column.name);
  columns = columns.map((column) => {
    let next = column;
    if (pk.kind === 'rowid' && sameName(column.name, pk.column)) next = { ...next, type: 'INTEGER' };
    if (strict && !STRICT_TYPES.has(next.type)) next = { ...next, type: next.type === '' ? 'ANY' : 'TEXT' };
    if (next.generated !== null) {
      // a generated column reads a stored column; without one it cannot exist
      next =
        storedNames.length === 0 || pkNames.some((name) => sameName(name, column.name))
          ? { ...next, generated: null }
          : // in a STRICT table a generated value must fit the declared type (integrity_check reads it)
            { ...next, defaultSql: null, notNull: false, unique: false, type: strict ? 'ANY' : next.type };
    }
    return next;
  });
  const valid = (list: readonly string[]): string[] | null => {
    const out = list.filter(
      (name, i) => has(name) !== undefined && list.findIndex((other) => sameName(other, name)) === i,
    );
    return out.length === 0 ? null : out;
  };
  const uniques = table.uniques.map(valid).filter((list): list is string[] => list !== null);
  const checks = table.checks.filter(
    (check) => has(check.column) !== undefined && has(check.column)?.generated === null,
  );
  // SQLite 3.45's integrity_check misreads a table whose VIRTUAL column comes before the INTEGER
  // PRIMARY KEY when a later REAL column has a text default ("TEXT value in t.m" for a real value;
  // see fuzz-findings.md, S1): not the engine's doing, so such tables put the rowid first
  if (pk.kind === 'rowid' && !withoutRowid) {
    const key = pk.column;
    const at = columns.findIndex((c) => sameName(c.name, key));
    if (columns.slice(0, at).some((c) => c.generated !== null && !c.generated.stored)) {
      columns = [columns[at] as ColumnSpec, ...columns.filter((_, i) => i !== at)];
    }
  }
  const self: TableSpec = { ...table, columns, pk, uniques, checks, fks: [], strict, withoutRowid };
  const fks: FkSpec[] = [];
  for (const fk of table.fks) {
    const parent = sameName(fk.table, table.name) ? self : find(tables, fk.table);
    if (parent === undefined) continue;
    const key = parentKey(parent, fk.target);
    if (key === null) continue;
    const childColumns = (valid(fk.columns) ?? []).filter((name) => has(name)?.generated === null);
    // pad with other stored columns when the parent key is wider
    for (const column of stored(self))
      if (childColumns.length < key.length && !childColumns.some((n) => sameName(n, column.name)))
        childColumns.push(column.name);
    if (childColumns.length < key.length) continue;
    fks.push({ ...fk, columns: childColumns.slice(0, key.length) });
  }
  return { ...self, fks };
}

/** Makes any spec valid DDL: unique names across kinds, resolvable keys, legal STRICT types. */
export function sanitize(schema: SchemaSpec): SchemaSpec {
  const used = new Set<string>();
  const claim = (name: string): boolean => {
    const key = name.toLowerCase();
    if (used.has(key)) return false;
    used.add(key);
    return true;
  };
  const rawTables = schema.tables.filter((table) => claim(table.name));
  // two passes: a foreign key may point at a table sanitised later (its parent keys settle first)
  let tables = rawTables.map((table) => sanitizeTable({ ...table, fks: [] }, []));
  tables = rawTables.map((table) => sanitizeTable(table, tables));
  const views: ViewSpec[] = [];
  for (const view of schema.views) {
    if (find(tables, view.source) === undefined && find(views, view.source) === undefined) continue;
    if (sameName(view.source, view.name) || !claim(view.name)) continue;
    views.push(view);
  }
  const indexes: IndexSpec[] = [];
  for (const index of schema.indexes) {
    const table = find(tables, index.table);
    if (table === undefined) continue;
    const terms = index.terms.filter((term) => find(table.columns, term.column) !== undefined);
    if (terms.length === 0 || !claim(index.name)) continue;
    indexes.push({ ...index, terms });
  }
  const triggers: TriggerSpec[] = [];
  for (const trigger of schema.triggers) {
    const table = find(tables, trigger.table);
    if (table === undefined || !claim(trigger.name)) continue;
    triggers.push(trigger);
  }
  return { tables, indexes, views, triggers };
}

// ---------------------------------------------------------------- rows

export interface RowsSpec {
  /** Per table position: rows of cells, one cell per column position (extra cells unused). */
  readonly tables: ReadonlyArray<ReadonlyArray<readonly Cell[]>>;
}

const enc = (bytes: number[]): Uint8Array => new Uint8Array(bytes);

export const cellArb: fc.Arbitrary<Cell> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: fc.integer({ min: -2, max: 9 }).map(BigInt), weight: 6 },
  {
    arbitrary: fc.constantFrom(9223372036854775807n, -9223372036854775808n, 9007199254740993n, 4294967296n),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(0.5, -1.25, 3.0, 1e300, 0.1, -0.0, 2.5), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      'a',
      'B',
      'x',
      'ü',
      '😀',
      '7',
      '007',
      ' 7',
      '2.5',
      '1e2',
      'forbidden',
      'NULL',
      'a'.repeat(45),
    ),
    weight: 5,
  },
  { arbitrary: fc.constantFrom(enc([]), enc([0, 255]), enc([55])), weight: 1 },
);

export function rowsArb(maxRows = 6): fc.Arbitrary<RowsSpec> {
  return fc.record({
    tables: fc.array(fc.array(fc.array(cellArb, { minLength: 8, maxLength: 8 }), { maxLength: maxRows }), {
      minLength: 5,
      maxLength: 5,
    }),
  });
}

// ---------------------------------------------------------------- rendering

/**
 * How to spell a schema. Every option keeps the meaning: SQLite (and so the engine) must see
 * the same schema whatever is chosen.
 */
export interface Spelling {
  readonly keywordCase: 'upper' | 'lower' | 'mixed';
  readonly quote: 'double' | 'bracket' | 'backtick' | 'bare';
  readonly space: 'single' | 'wide' | 'comments';
  readonly notEqual: '<>' | '!=';
  readonly equal: '=' | '==';
  /** Column-level UNIQUE / REFERENCES / single-column PRIMARY KEY written as table constraints. */
  readonly tableLevel: boolean;
  /** Column-level CHECK written as a table CHECK. */
  readonly tableLevelCheck: boolean;
  /** `COLLATE BINARY` on columns that name no collation (BINARY is the default). */
  readonly collateBinary: boolean;
  /** `COLLATE BINARY` on index terms over such columns or over expressions. */
  readonly indexCollateBinary: boolean;
  /** `DEFAULT +1` for a positive integer default. */
  readonly plusSign: boolean;
  /** `<>` or `!=` in index WHERE clauses and view filters. */
  readonly notEqualElsewhere: '<>' | '!=';
  readonly explicitTarget: boolean;
  readonly explicitAsc: boolean;
  readonly defaultNull: boolean;
  readonly ifNotExists: boolean;
  readonly reverseClauses: boolean;
  readonly typeCase: 'upper' | 'lower';
  /** `VARCHAR ( 10 )`, `DOUBLE   PRECISION`: spaces inside a type name. */
  readonly typeSpacing: boolean;
  readonly identifierCase: 'as is' | 'swapped';
  /**
   * `@renamed from=<name>_before` after every table's, column's and index's name, as a line comment
   * or a block comment: the database never had those names (it is already "renamed"), so the
   * annotations must change nothing.
   */
  readonly renameNotes: 'none' | 'line' | 'block';
}

export const PLAIN: Spelling = {
  keywordCase: 'upper',
  quote: 'double',
  space: 'single',
  notEqual: '<>',
  equal: '=',
  tableLevel: false,
  tableLevelCheck: false,
  collateBinary: false,
  indexCollateBinary: false,
  plusSign: false,
  notEqualElsewhere: '<>',
  explicitTarget: false,
  explicitAsc: false,
  defaultNull: false,
  ifNotExists: false,
  reverseClauses: false,
  typeCase: 'upper',
  identifierCase: 'as is',
  typeSpacing: false,
  renameNotes: 'none',
};

export const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  keywordCase: fc.constantFrom<Spelling['keywordCase']>('upper', 'lower', 'mixed'),
  quote: fc.constantFrom<Spelling['quote']>('double', 'bracket', 'backtick', 'bare'),
  space: fc.constantFrom<Spelling['space']>('single', 'wide', 'comments'),
  notEqual: fc.constantFrom<Spelling['notEqual']>('<>', '!='),
  equal: fc.constantFrom<Spelling['equal']>('=', '=='),
  tableLevel: fc.boolean(),
  tableLevelCheck: fc.boolean(),
  collateBinary: fc.boolean(),
  indexCollateBinary: fc.boolean(),
  plusSign: fc.boolean(),
  notEqualElsewhere: fc.constantFrom<Spelling['notEqualElsewhere']>('<>', '!='),
  explicitTarget: fc.boolean(),
  explicitAsc: fc.boolean(),
  defaultNull: fc.boolean(),
  ifNotExists: fc.boolean(),
  reverseClauses: fc.boolean(),
  typeCase: fc.constantFrom<Spelling['typeCase']>('upper', 'lower'),
  identifierCase: fc.constantFrom<Spelling['identifierCase']>('as is', 'swapped'),
  typeSpacing: fc.boolean(),
  renameNotes: fc.constantFrom<Spelling['renameNotes']>('none', 'line', 'block'),
});

const SQL_KEYWORDS = new Set(['select', 'order', 'desc', 'table', 'index', 'key', 'default', 'check', 'group', 'from']);

class Writer {
  constructor(readonly s: Spelling) {}

  kw(text: string): string {
    if (this.s.keywordCase === 'upper') return text.toUpperCase();
    if (this.s.keywordCase === 'lower') return text.toLowerCase();
    return text
      .split('')
      .map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase()))
      .join('');
  }

  /** An identifier; `caseFree` when SQLite folds its case (not in a view's select list). */
  id(name: string, caseFree = true): string {
    const spelled =
      caseFree && this.s.identifierCase === 'swapped'
        ? name.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
        : name;
    const bareOk = /^[A-Za-z_][A-Za-z0-9_]*$/.test(spelled) && !SQL_KEYWORDS.has(spelled.toLowerCase());
    switch (this.s.quote) {
      case 'bare':
        return bareOk ? spelled : `"${spelled.replaceAll('"', '""')}"`;
      case 'bracket':
        return spelled.includes(']') ? `"${spelled.replaceAll('"', '""')}"` : `[${spelled}]`;
      case 'backtick':
        return `\`${spelled.replaceAll('`', '``')}\``;
      default:
        return `"${spelled.replaceAll('"', '""')}"`;
    }
  }

  /** The name where an object is defined, with its `@renamed` note when the spelling asks for one. */
  defined(name: string): string {
    const from = `from="${name.replaceAll('"', '""')}_before"`;
    if (this.s.renameNotes === 'line') return `${this.id(name)} -- @renamed ${from}\n`;
    if (this.s.renameNotes === 'block') return `${this.id(name)} /* @renamed ${from} */`;
    return this.id(name);
  }

  /** Joins tokens with the chosen spacing. */
  join(parts: readonly string[]): string {
    const sep = this.s.space === 'single' ? ' ' : this.s.space === 'wide' ? '  \n\t ' : ' /* c */ ';
    return parts.filter((part) => part !== '').join(sep);
  }

  list(items: readonly string[]): string {
    const sep = this.s.space === 'single' ? ', ' : this.s.space === 'wide' ? ' ,\n  ' : ', -- note\n ';
    return items.join(sep);
  }

  ne(): string {
    return this.s.notEqual;
  }
  eq(): string {
    return this.s.equal;
  }
}

function checkSql(w: Writer, kind: CheckKind, column: string): string {
  const c = w.id(column);
  switch (kind) {
    case 'len':
      return `${c} ${w.kw('IS NULL OR')} length(${c}) < 40`;
    case 'ne_str':
      return `${c} ${w.ne()} 'forbidden'`;
    case 'ne_num':
      return `${c} ${w.kw('IS NULL OR')} ${c} ${w.ne()} 5`;
    case 'not_blob':
      return `typeof(${c}) ${w.ne()} 'blob'`;
    case 'eq_self':
      return `${c} ${w.kw('IS NULL OR')} ${c} ${w.eq()} ${c}`;
  }
}

function generatedSql(w: Writer, kind: GeneratedKind, source: string): string {
  const c = w.id(source);
  switch (kind) {
    case 'len':
      return `length(${c})`;
    case 'mul':
      return `${c} * 2`;
    case 'cat':
      return `${c} || '!'`;
  }
}

function typeSql(w: Writer, type: string): string {
  if (type === '') return '';
  const spaced = w.s.typeSpacing ? type.replace('(', ' ( ').replace(')', ' )').replace(' ', '   ').trim() : type;
  return w.s.typeCase === 'upper' ? spaced : spaced.toLowerCase();
}

function keyOf(table: TableSpec): readonly string[] {
  return table.pk.kind === 'rowid' ? [table.pk.column] : table.pk.kind === 'columns' ? table.pk.columns : [];
}

function fkSql(w: Writer, fk: FkSpec, tables: readonly TableSpec[], self: TableSpec): string {
  const parent = sameName(fk.table, self.name) ? self : (find(tables, fk.table) as TableSpec);
  const key = parentKey(parent, fk.target) ?? [];
  // REFERENCES p names p's primary key; spell it out only when asked (or when it is a UNIQUE)
  const spellTarget = fk.target !== 'pk' || w.s.explicitTarget;
  const target = spellTarget ? `(${key.map((name) => w.id(name)).join(', ')})` : '';
  return w.join([w.kw('REFERENCES'), `${w.id(fk.table)}${target}`, w.kw(`ON DELETE ${fk.onDelete}`)]);
}

function isRowidPk(table: TableSpec, column: ColumnSpec): boolean {
  return table.pk.kind === 'rowid' && sameName(table.pk.column, column.name);
}

function createTableSql(w: Writer, table: TableSpec, tables: readonly TableSpec[]): string {
  const storedNames = stored(table).map((column) => column.name);
  const constraints: string[] = [];
  const tableLevel = w.s.tableLevel;
  const columnDefs = table.columns.map((column) => {
    const clauses: string[] = [];
    const pk = table.pk;
    if (isRowidPk(table, column) && pk.kind === 'rowid') {
      // DESC and AUTOINCREMENT only exist inline; a plain INTEGER PRIMARY KEY may move
      if (tableLevel && !pk.desc && !pk.autoincrement)
        constraints.push(w.join([w.kw('PRIMARY KEY'), `(${w.id(column.name)})`]));
      else clauses.push(w.kw(`PRIMARY KEY${pk.desc ? ' DESC' : ''}${pk.autoincrement ? ' AUTOINCREMENT' : ''}`));
    }
    if (
      pk.kind === 'columns' &&
      pk.columns.length === 1 &&
      sameName(pk.columns[0] as string, column.name) &&
      !tableLevel
    ) {
      clauses.push(w.kw('PRIMARY KEY'));
    }
    if (column.generated !== null) {
      const source = storedNames[0] as string;
      clauses.push(
        w.join([
          w.kw('GENERATED ALWAYS AS'),
          `(${generatedSql(w, column.generated.kind, source)})`,
          w.kw(column.generated.stored ? 'STORED' : 'VIRTUAL'),
        ]),
      );
    }
    if (column.notNull) clauses.push(w.kw('NOT NULL'));
    if (column.defaultSql !== null)
      clauses.push(
        w.join([
          w.kw('DEFAULT'),
          w.s.plusSign && /^[1-9][0-9]{0,5}$/.test(column.defaultSql) ? `+${column.defaultSql}` : column.defaultSql,
        ]),
      );
    else if (w.s.defaultNull && column.generated === null && !isRowidPk(table, column))
      clauses.push(w.join([w.kw('DEFAULT'), w.kw('NULL')]));
    if (column.unique) {
      if (tableLevel) constraints.push(w.join([w.kw('UNIQUE'), `(${w.id(column.name)})`]));
      else clauses.push(w.kw('UNIQUE'));
    }
    if (column.collate !== null) clauses.push(w.join([w.kw('COLLATE'), w.kw(column.collate)]));
    else if (w.s.collateBinary) clauses.push(w.join([w.kw('COLLATE'), w.kw('BINARY')]));
    if (column.check !== null) {
      const check = w.join([w.kw('CHECK'), `(${checkSql(w, column.check, column.name)})`]);
      if (w.s.tableLevelCheck) constraints.push(check);
      else clauses.push(check);
    }
    const inlineFk = table.fks.find((fk) => fk.columns.length === 1 && sameName(fk.columns[0] as string, column.name));
    if (inlineFk !== undefined && !tableLevel) clauses.push(fkSql(w, inlineFk, tables, table));
    // GENERATED must stay where SQLite reads it; every other clause may come in any order
    const ordered = w.s.reverseClauses ? [...clauses].reverse() : clauses;
    // a comment right after the type name becomes part of the declared type: keep a plain space there
    const type = typeSql(w, column.type);
    const [first, ...rest] = ordered;
    return w.join([
      w.defined(column.name),
      type === '' ? (first ?? '') : `${type}${first === undefined ? '' : ` ${first}`}`,
      ...rest,
    ]);
  });
  if (table.pk.kind === 'columns' && (table.pk.columns.length > 1 || tableLevel)) {
    constraints.push(w.join([w.kw('PRIMARY KEY'), `(${table.pk.columns.map((name) => w.id(name)).join(', ')})`]));
  }
  for (const unique of table.uniques)
    constraints.push(w.join([w.kw('UNIQUE'), `(${unique.map((name) => w.id(name)).join(', ')})`]));
  for (const check of table.checks)
    constraints.push(w.join([w.kw('CHECK'), `(${checkSql(w, check.kind, check.column)})`]));
  table.fks.forEach((fk) => {
    if (
      fk.columns.length === 1 &&
      !tableLevel &&
      table.fks.find(
        (other) => other.columns.length === 1 && sameName(other.columns[0] as string, fk.columns[0] as string),
      ) === fk
    )
      return;
    constraints.push(
      w.join([
        w.kw('FOREIGN KEY'),
        `(${fk.columns.map((name) => w.id(name)).join(', ')})`,
        fkSql(w, fk, tables, table),
      ]),
    );
  });
  const orderedConstraints = w.s.reverseClauses ? [...constraints].reverse() : constraints;
  const options = [table.withoutRowid ? w.kw('WITHOUT ROWID') : '', table.strict ? w.kw('STRICT') : ''].filter(Boolean);
  const orderedOptions = w.s.reverseClauses ? options.reverse() : options;
  return w.join([
    w.kw('CREATE TABLE'),
    w.s.ifNotExists ? w.kw('IF NOT EXISTS') : '',
    w.defined(table.name),
    `(${w.list([...columnDefs, ...orderedConstraints])})`,
    orderedOptions.join(', '),
  ]);
}

function indexSql(w: Writer, index: IndexSpec, schema: SchemaSpec): string {
  const table = find(schema.tables, index.table);
  const terms = index.terms.map((term) => {
    // an explicit BINARY on a column term would override the column's own collation
    const columnCollate = table === undefined ? null : (find(table.columns, term.column)?.collate ?? null);
    const binaryOk =
      w.s.indexCollateBinary && (term.expression !== 'none' || columnCollate === null || columnCollate === 'BINARY');
    const c = w.id(term.column);
    const expression = term.expression === 'lower' ? `lower(${c})` : term.expression === 'plus' ? `(${c} + 1)` : c;
    const collate =
      term.collate === null
        ? binaryOk
          ? w.join([w.kw('COLLATE'), w.kw('BINARY')])
          : ''
        : w.join([w.kw('COLLATE'), w.kw(term.collate)]);
    return w.join([expression, collate, term.desc ? w.kw('DESC') : w.s.explicitAsc ? w.kw('ASC') : '']);
  });
  const first = w.id((index.terms[0] as IndexTerm).column);
  const where = index.partial
    ? w.join([w.kw('WHERE'), `${first} ${w.kw('IS NOT NULL AND')} ${first} ${w.s.notEqualElsewhere} 'zz'`])
    : '';
  return w.join([
    w.kw(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX`),
    w.s.ifNotExists ? w.kw('IF NOT EXISTS') : '',
    w.defined(index.name),
    w.kw('ON'),
    `${w.id(index.table)} (${terms.join(', ')})`,
    where,
  ]);
}

/** The columns a view selects from its source (a table's first columns, or the source view's). */
export function viewColumns(schema: SchemaSpec, view: ViewSpec, depth = 0): string[] {
  const table = find(schema.tables, view.source);
  if (table !== undefined) return table.columns.slice(0, view.width).map((column) => column.name);
  const inner = find(schema.views, view.source);
  return inner === undefined || depth > 4 ? [] : viewColumns(schema, inner, depth + 1).slice(0, view.width);
}

function viewSql(w: Writer, schema: SchemaSpec, view: ViewSpec): string {
  // Case changes in the select list would rename the view's columns: only quoting may change.
  const columns = viewColumns(schema, view).map((name) => w.id(name, false));
  const first = columns[0] ?? '1';
  const where = view.filtered
    ? w.join([w.kw('WHERE'), `${first} ${w.kw('IS NOT NULL AND')} ${first} ${w.s.notEqualElsewhere} 'zz'`])
    : '';
  return w.join([
    w.kw('CREATE VIEW'),
    w.s.ifNotExists ? w.kw('IF NOT EXISTS') : '',
    w.id(view.name),
    w.kw('AS SELECT'),
    columns.length === 0 ? '1 AS one' : columns.join(', '),
    w.kw('FROM'),
    w.id(view.source, false),
    where,
  ]);
}

function triggerSql(w: Writer, schema: SchemaSpec, trigger: TriggerSpec): string {
  const table = find(schema.tables, trigger.table) as TableSpec;
  const column = (table.columns[0] as ColumnSpec).name;
  const row = trigger.event === 'delete' ? 'OLD' : 'NEW';
  const event =
    trigger.event === 'update_of' ? w.join([w.kw('UPDATE OF'), w.id(column)]) : w.kw(trigger.event.toUpperCase());
  return w.join([
    w.kw('CREATE TRIGGER'),
    w.s.ifNotExists ? w.kw('IF NOT EXISTS') : '',
    w.id(trigger.name),
    w.kw(trigger.timing),
    event,
    w.kw('ON'),
    w.id(trigger.table),
    w.kw('BEGIN SELECT'),
    `${w.kw(row)}.${w.id(column)};`,
    w.kw('END'),
  ]);
}

/** Renders the spec as DDL, in an order SQLite accepts (views after what they select from). */
export function render(schema: SchemaSpec, spelling: Spelling = PLAIN): string {
  const w = new Writer(spelling);
  const statements: string[] = [];
  for (const table of schema.tables) statements.push(createTableSql(w, table, schema.tables));
  for (const index of schema.indexes) statements.push(indexSql(w, index, schema));
  const done = new Set<string>();
  let pending = [...schema.views];
  while (pending.length > 0) {
    const ready = pending.filter(
      (view) => find(schema.tables, view.source) !== undefined || done.has(view.source.toLowerCase()),
    );
    if (ready.length === 0) break; // a cycle: those views are left out
    for (const view of ready) {
      statements.push(viewSql(w, schema, view));
      done.add(view.name.toLowerCase());
    }
    pending = pending.filter((view) => !ready.includes(view));
  }
  for (const trigger of schema.triggers) statements.push(triggerSql(w, schema, trigger));
  const separator = spelling.space === 'comments' ? ';\n-- next statement\n' : ';\n';
  return `${statements.join(separator)};\n`;
}

/** Views left out by render (a cycle) are not part of the schema either. */
export function renderedViews(schema: SchemaSpec): ViewSpec[] {
  const done = new Set<string>();
  let pending = [...schema.views];
  const out: ViewSpec[] = [];
  for (;;) {
    const ready = pending.filter(
      (view) => find(schema.tables, view.source) !== undefined || done.has(view.source.toLowerCase()),
    );
    if (ready.length === 0) return out;
    for (const view of ready) {
      out.push(view);
      done.add(view.name.toLowerCase());
    }
    pending = pending.filter((view) => !ready.includes(view));
  }
}

export { find as findSpec, keyOf, stored as storedColumns };

// ---------------------------------------------------------------- open findings

/**
 * Classes found by this fuzzer and not yet fixed in the engine (each named in
 * /work/coord/fuzz-findings.md). The committed runs leave out exactly these inputs, so the suite
 * passes while the rest of the generator keeps its full reach; FUZZ_ALL=1 puts them back.
 * Remove an entry as soon as its fix lands (and its filter in withoutOpenPairs).
 */
export type Finding = string;

/** Fixed (and so back in the committed runs): F1-F12. None is open. */
export const OPEN_FINDINGS: ReadonlySet<Finding> = new Set<Finding>();

export function openFindings(): ReadonlySet<Finding> {
  return process.env['FUZZ_ALL'] === '1' ? new Set() : OPEN_FINDINGS;
}

/**
 * Leaves out the current/desired pairs of open findings (none now: F12, a VIRTUAL generated column
 * copied into a plain one, was the last, fixed in lib/plan/rebuild.ts copiedValue).
 */
export function withoutOpenPairs(
  pair: { readonly current: SchemaSpec; readonly desired: SchemaSpec; readonly destructive: boolean },
  open: ReadonlySet<Finding>,
): { current: SchemaSpec; desired: SchemaSpec } {
  void open;
  return { current: sanitize(pair.current), desired: sanitize(pair.desired) };
}
