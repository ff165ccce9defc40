/**
 * Semantic no-ops must be no-ops: a schema written differently but meaning the same plans zero
 * steps against a database made from the first spelling. Explicit cases for each respelling, then a
 * generator (fast-check) that draws a schema — rowid / AUTOINCREMENT / composite WITHOUT ROWID /
 * text keys, STRICT, defaults, UNIQUE, CHECK, COLLATE, foreign keys, indexes, views, triggers — and
 * renders it twice with independent spellings: keyword and identifier case, quoting style,
 * whitespace and comments, column-constraint and table-constraint order, inline vs table-level
 * UNIQUE / CHECK / PRIMARY KEY / FOREIGN KEY, `REFERENCES p` vs `REFERENCES p(id)`, constraint
 * names, operator spellings, unary plus and redundant parentheses, number spellings, redundant
 * defaults (DEFAULT NULL, COLLATE BINARY, ASC, ON DELETE NO ACTION, NOT DEFERRABLE, ON CONFLICT
 * ABORT, NOT NULL on the rowid, BEFORE, FOR EACH ROW) and IF NOT EXISTS.
 */
import fc from 'fast-check';
import t from 'tap';
import { isKeyword } from '../../lib/sql/tokens.js';
import { converge, dirFor, exec, migrateTo, planTo, sqlOf, tempDb } from './_support.js';

const NUM_RUNS = Number(process.env['PROPERTY_RUNS'] ?? 60);

const explicit: ReadonlyArray<readonly [string, string, string]> = [
  [
    'REFERENCES p vs REFERENCES p(id)',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p)',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id))',
  ],
  [
    'composite REFERENCES p vs p(a, b)',
    'CREATE TABLE p (a, b, PRIMARY KEY (a, b)); CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p)',
    'CREATE TABLE p (a, b, PRIMARY KEY (a, b)); CREATE TABLE c (x, y, FOREIGN KEY (x, y) REFERENCES p (a, b))',
  ],
  [
    '<> vs != and = vs ==',
    'CREATE TABLE t (a INT CHECK (a <> 1), b CHECK (b = 2))',
    'CREATE TABLE t (a INT CHECK (a != 1), b CHECK (b == 2))',
  ],
  ['column CHECK vs table CHECK', 'CREATE TABLE t (a INT CHECK (a > 0))', 'CREATE TABLE t (a INT, CHECK (a > 0))'],
  [
    'CHECK names and parentheses',
    'CREATE TABLE t (a INT, CONSTRAINT pos CHECK (a > 0))',
    'CREATE TABLE t (a INT CONSTRAINT other CHECK ((a > 0)))',
  ],
  [
    'ASC, IF NOT EXISTS and main. in an index',
    'CREATE TABLE t (a, b); CREATE INDEX i ON t (a, b DESC)',
    'CREATE TABLE t (a, b); CREATE INDEX IF NOT EXISTS main.i ON "t" (a ASC, b DESC)',
  ],
  [
    'a view in other case, operators and ASC',
    'CREATE TABLE t (a, b); CREATE VIEW v AS SELECT a FROM t WHERE b <> 1 ORDER BY a',
    'create table t (a, b); create view "v" as select A from T where B != 1 order by a asc',
  ],
  [
    'FOR EACH ROW, IF NOT EXISTS and == in a trigger',
    'CREATE TABLE t (a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET b = 1 WHERE a = new.a; END',
    'CREATE TABLE t (a, b); CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE t SET b = 1 WHERE a == new.a; END',
  ],
  [
    'a trigger with BEFORE left out',
    'CREATE TABLE t (a, b); CREATE TRIGGER tr BEFORE INSERT ON t BEGIN SELECT 1; END',
    'CREATE TABLE t (a, b); CREATE TRIGGER tr INSERT ON t BEGIN SELECT 1; END',
  ],
  [
    'DEFAULT NULL',
    'CREATE TABLE t (a TEXT, b INT DEFAULT NULL)',
    'CREATE TABLE t (a TEXT DEFAULT NULL, b INT DEFAULT (NULL))',
  ],
  ['COLLATE BINARY', 'CREATE TABLE t (a TEXT COLLATE BINARY)', 'CREATE TABLE t (a TEXT)'],
  [
    'NOT NULL on the rowid',
    'CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL)',
    'CREATE TABLE t (id INTEGER PRIMARY KEY)',
  ],
  [
    'PRIMARY KEY ASC vs table-level',
    'CREATE TABLE t (id INTEGER PRIMARY KEY ASC)',
    'CREATE TABLE t (id INTEGER, PRIMARY KEY (id))',
  ],
  [
    'clause order and inline vs table UNIQUE',
    'CREATE TABLE t (a INT NOT NULL DEFAULT 1 UNIQUE)',
    'CREATE TABLE t (a INT DEFAULT (1) NOT NULL, UNIQUE (a))',
  ],
  [
    'default foreign-key clauses and a table-level FOREIGN KEY',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p_id INT REFERENCES p (id) ON DELETE NO ACTION NOT DEFERRABLE)',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p_id INT, CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES p (id) DEFERRABLE INITIALLY IMMEDIATE)',
  ],
  [
    'type spelling, quoting, IF NOT EXISTS',
    'CREATE TABLE t (a VARCHAR(10), b DOUBLE PRECISION)',
    'CREATE TABLE IF NOT EXISTS "t" ("a" varchar ( 10 ), [b] double   precision)',
  ],
  [
    'ON CONFLICT ABORT',
    'CREATE TABLE t (a INT UNIQUE ON CONFLICT ABORT, b NOT NULL ON CONFLICT ABORT)',
    'CREATE TABLE t (a INT UNIQUE, b NOT NULL)',
  ],
  [
    'parenthesised defaults',
    "CREATE TABLE t (a TEXT DEFAULT 'x', b DEFAULT -1, c DEFAULT (1 + 2))",
    "CREATE TABLE t (a TEXT DEFAULT ('x'), b DEFAULT (-1), c DEFAULT ((1+2)))",
  ],
  ['comments', 'CREATE TABLE t (a /* c */ INT -- x\n, b)', 'CREATE TABLE t (a INT, b)'],
  [
    'view column and table aliases with and without AS',
    'CREATE TABLE t (a, b); CREATE VIEW v AS SELECT a AS x, b y, count(*) AS n FROM t AS u GROUP BY a, b',
    'CREATE TABLE t (a, b); CREATE VIEW v AS SELECT a x, b AS "y", count(*) n FROM t u GROUP BY a, b',
  ],
  [
    'aliases without AS in a trigger body',
    'CREATE TABLE t (a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT x.a AS k FROM t AS x WHERE x.b = new.b; END',
    'CREATE TABLE t (a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT x.a k FROM t x WHERE x.b = new.b; END',
  ],
  [
    'operators in a partial index',
    'CREATE TABLE t (a, b); CREATE INDEX i ON t (a) WHERE b <> 0',
    'CREATE TABLE t (a, b); CREATE INDEX i ON t (a) WHERE b != 0',
  ],
  [
    'NOTNULL and ISNULL',
    'CREATE TABLE t (a INT CHECK (a IS NOT NULL), b CHECK (b IS NULL OR b > 0))',
    'CREATE TABLE t (a INT CHECK (a NOTNULL), b CHECK (b ISNULL OR b > 0))',
  ],
  [
    'generated column spellings',
    'CREATE TABLE t (a TEXT, b AS (a || 1))',
    'CREATE TABLE t (a TEXT, b GENERATED ALWAYS AS (a || 1) VIRTUAL)',
  ],
  [
    'WITHOUT ROWID key columns are NOT NULL anyway',
    'CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b)) WITHOUT ROWID',
    'CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b)) without rowid',
  ],
  ['a double-quoted default string', "CREATE TABLE t (a TEXT DEFAULT 'x')", 'CREATE TABLE t (a TEXT DEFAULT "x")'],
  [
    'TRUE, +1, 0x1 and 01 are 1; 1.0 and 1.00 are the same real',
    'CREATE TABLE t (a INT DEFAULT TRUE, b INT DEFAULT +1, c DEFAULT 0x1, d DEFAULT 01, e REAL DEFAULT 1.0)',
    'CREATE TABLE t (a INT DEFAULT 1, b INT DEFAULT 1, c DEFAULT 1, d DEFAULT 1, e REAL DEFAULT 1.00)',
  ],
  [
    'UNIQUE and FOREIGN KEY order',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (a REFERENCES p, b REFERENCES p UNIQUE, UNIQUE (a, b))',
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (a, b, UNIQUE (a, b), FOREIGN KEY (b) REFERENCES p, UNIQUE (b), FOREIGN KEY (a) REFERENCES p (id))',
  ],
  [
    'CHECK order and placement',
    'CREATE TABLE t (a INT CHECK (a > 0) CHECK (a < 9))',
    'CREATE TABLE t (a INT, CHECK (a < 9), CHECK (a > 0))',
  ],
  [
    "an index COLLATE equal to the column's own",
    'CREATE TABLE t (a TEXT, b TEXT COLLATE NOCASE); CREATE INDEX i ON t (a, b)',
    'CREATE TABLE t (a TEXT, b TEXT COLLATE NOCASE); CREATE INDEX i ON t (a COLLATE BINARY, b COLLATE nocase)',
  ],
  [
    'an expression index with COLLATE BINARY and ASC',
    'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a), a)',
    'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a) COLLATE BINARY ASC, a COLLATE binary)',
  ],
  [
    'a generated expression with other operator spellings',
    'CREATE TABLE t (a TEXT, b TEXT AS (a <> 1))',
    'CREATE TABLE t (a TEXT, b TEXT AS (a != 1))',
  ],
  [
    'redundant parentheses around one term',
    'CREATE TABLE t (a INT CHECK (a BETWEEN 1 AND 2))',
    'CREATE TABLE t (a INT CHECK ((a) BETWEEN (1) AND 2))',
  ],
];

for (const [label, written, respelled] of explicit) {
  t.test(`no-op: ${label}`, async (t) => {
    const { db } = await converge(t, written, written);
    t.same(sqlOf(await planTo(db.client, respelled)), [], 'the respelled schema plans nothing');
    const { db: other } = await converge(t, respelled, respelled);
    t.same(sqlOf(await planTo(other.client, written)), [], 'nor the other way round');
  });
}

t.test('still a change: spellings that do mean something else', async (t) => {
  const changes: ReadonlyArray<readonly [string, string]> = [
    ['CREATE TABLE t (a INT DEFAULT 1)', 'CREATE TABLE t (a INT DEFAULT 1.0)'],
    [
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a x FROM t',
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a AS y FROM t',
    ],
    ['CREATE TABLE t (a); CREATE VIEW v AS SELECT a x FROM t', 'CREATE TABLE t (a); CREATE VIEW v AS SELECT a FROM t'],
    ['CREATE TABLE t (a, b); CREATE INDEX i ON t (a)', 'CREATE TABLE t (a, b); CREATE INDEX i ON t (a DESC)'],
    ['CREATE TABLE t (a, b); CREATE INDEX i ON t (a)', 'CREATE TABLE t (a, b); CREATE INDEX i ON t (a COLLATE NOCASE)'],
    ['CREATE TABLE t (a, b); CREATE INDEX i ON t (a)', 'CREATE TABLE t (a, b); CREATE INDEX i ON t (a) WHERE b > 0'],
    ['CREATE TABLE t (a, b); CREATE INDEX i ON t (a, b)', 'CREATE TABLE t (a, b); CREATE INDEX i ON t (b, a)'],
    [
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a))',
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a) COLLATE NOCASE)',
    ],
    [
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a))',
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (upper(a))',
    ],
    [
      "CREATE TABLE t (a TEXT); CREATE INDEX i ON t (a) WHERE a > 'x'",
      "CREATE TABLE t (a TEXT); CREATE INDEX i ON t (a) WHERE a > 'x' COLLATE NOCASE",
    ],
    ['CREATE TABLE t (a TEXT COLLATE NOCASE)', 'CREATE TABLE t (a TEXT)'],
    ['CREATE TABLE t (id INT PRIMARY KEY)', 'CREATE TABLE t (id INTEGER PRIMARY KEY)'],
    ["CREATE TABLE t (a TEXT DEFAULT 'x')", "CREATE TABLE t (a TEXT DEFAULT 'X')"],
    [
      'CREATE TABLE t (a, b); CREATE TRIGGER tr BEFORE INSERT ON t BEGIN SELECT 1; END',
      'CREATE TABLE t (a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END',
    ],
  ];
  for (const [written, changed] of changes) {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, written);
    t.not(sqlOf(await planTo(db.client, changed)).length, 0, changed);
  }
});

// ---- the generator

const TYPES = ['INTEGER', 'TEXT', 'REAL', '', 'NUMERIC', 'VARCHAR(10)'];
const STRICT_OK = new Set(['INTEGER', 'TEXT', 'REAL']);
const TABLE_NAMES = ['p', 'c', 'Odd T', 'order'];
const COLUMN_NAMES = ['a', 'b2', 'select', 'Mixed Case', 'x_y'];

type Key = 'rowid' | 'autoincrement' | 'composite' | 'text';
interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  /** A default by value: each has several spellings. */
  readonly defaultValue: 'none' | 'null' | 'one' | 'minus' | 'text' | 'real' | 'expr';
  readonly unique: boolean;
  readonly check: 'none' | 'ne' | 'eq' | 'notnull';
  readonly nocase: boolean;
  readonly references: { readonly table: string; readonly onDelete: string } | null;
}
interface TableSpec {
  readonly name: string;
  readonly key: Key;
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  readonly columns: readonly ColumnSpec[];
  readonly tableCheck: boolean;
  readonly index: { readonly columns: readonly string[]; readonly desc: boolean; readonly partial: boolean } | null;
  readonly view: boolean;
  readonly trigger: 'none' | 'before' | 'after';
}

const columnArb = (name: string, parents: readonly string[]): fc.Arbitrary<ColumnSpec> =>
  fc
    .record({
      name: fc.constant(name),
      type: fc.constantFrom(...TYPES),
      notNull: fc.boolean(),
      defaultValue: fc.constantFrom('none', 'none', 'null', 'one', 'minus', 'text', 'real', 'expr'),
      unique: fc.constantFrom(false, false, true),
      check: fc.constantFrom('none', 'none', 'ne', 'eq', 'notnull'),
      nocase: fc.constantFrom(false, false, true),
      references:
        parents.length === 0
          ? fc.constant(null)
          : fc.option(
              fc.record({
                table: fc.constantFrom(...parents),
                onDelete: fc.constantFrom('NO ACTION', 'CASCADE', 'SET NULL'),
              }),
              { freq: 3 },
            ),
    })
    .map((column) =>
      column.references === null
        ? column
        : { ...column, type: 'INTEGER', defaultValue: 'none' as const, notNull: false },
    );

const tableArb = (name: string, parents: readonly string[]): fc.Arbitrary<TableSpec> =>
  fc
    .uniqueArray(fc.constantFrom(...COLUMN_NAMES), { minLength: 1, maxLength: 3, selector: (n) => n.toLowerCase() })
    .chain((names) =>
      fc.record({
        name: fc.constant(name),
        key: fc.constantFrom<Key>('rowid', 'rowid', 'autoincrement', 'composite', 'text'),
        withoutRowid: fc.boolean(),
        strict: fc.constantFrom(false, false, true),
        columns: fc.tuple(...names.map((column) => columnArb(column, parents))),
        tableCheck: fc.boolean(),
        index: fc.option(
          fc.record({
            columns: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 2 }),
            desc: fc.boolean(),
            partial: fc.boolean(),
          }),
        ),
        view: fc.boolean(),
        trigger: fc.constantFrom('none', 'before', 'after'),
      }),
    )
    .map((table) => ({
      ...table,
      withoutRowid: table.withoutRowid && table.key !== 'autoincrement',
      strict: table.strict && table.columns.every((column) => STRICT_OK.has(column.type)),
    }));

/** Tables reference only tables before them, by their single-column primary key. */
const schemaArb: fc.Arbitrary<TableSpec[]> = fc
  .uniqueArray(fc.constantFrom(...TABLE_NAMES), { minLength: 1, maxLength: 3 })
  .chain((names) => fc.tuple(...names.map((name, i) => tableArb(name, names.slice(0, i)))))
  .map((tables) =>
    tables.map((table) => ({
      ...table,
      columns: table.columns.map((column) => {
        const parent = tables.find((other) => other.name === column.references?.table);
        return parent === undefined || parent.key === 'composite' ? { ...column, references: null } : column;
      }),
    })),
  );

/** Spelling choices, drawn from a fixed stream so one stream always spells the same way. */
class Speller {
  private at = 0;
  constructor(private readonly picks: readonly number[]) {}
  pick<T>(options: readonly T[]): T {
    const n = this.picks[this.at++ % this.picks.length] ?? 0;
    return options[n % options.length] as T;
  }
  flip(): boolean {
    return this.pick([false, true]);
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.pick([...Array(i + 1).keys()]);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
  /** A keyword or keyword phrase in some case. */
  kw(words: string): string {
    return words
      .split(' ')
      .map((word) =>
        this.pick([word.toUpperCase(), word.toLowerCase(), word[0]?.toUpperCase() + word.slice(1).toLowerCase()]),
      )
      .join(this.gap());
  }
  gap(): string {
    return this.pick([' ', ' ', ' ', '  ', '\n  ', ' /* note */ ', ' -- note\n']);
  }
  /** An identifier quoted some way (bare when it can be), in some ASCII case. */
  id(name: string): string {
    const cased = this.pick([name, name.toLowerCase(), name.toUpperCase()]);
    const bare = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !isKeyword(name);
    return this.pick([
      ...(bare ? [cased, cased] : []),
      `"${cased.replaceAll('"', '""')}"`,
      `[${cased}]`,
      `\`${cased}\``,
    ]);
  }
}

function keyColumns(table: TableSpec): string[] {
  return table.key === 'composite' ? ['id', 'k'] : ['id'];
}

function defaultSpelling(s: Speller, column: ColumnSpec): string | null {
  switch (column.defaultValue) {
    case 'none':
      return s.pick([null, null]);
    case 'null':
      return s.pick(['NULL', '(NULL)', 'null']);
    case 'one':
      return s.pick(['1', '(1)', '+1', '01', '0x1']);
    case 'minus':
      return s.pick(['-1', '(-1)', '(- 1)']);
    case 'text':
      return s.pick(["'v'", "('v')", '"v"']);
    case 'real':
      return s.pick(['2.5', '(2.5)', '2.50', '25e-1']);
    case 'expr':
      return s.pick(['(1 + 2)', '((1+2))', '(1+(2))']);
  }
}

function checkSpelling(s: Speller, column: ColumnSpec, name: string): string | null {
  switch (column.check) {
    case 'none':
      return null;
    case 'ne':
      return s.pick([`${name} <> 5`, `${name} != 5`, `(${name}) <> (5)`]);
    case 'eq':
      return s.pick([`${name} IS NULL OR ${name} = ${name}`, `${name} ISNULL OR ${name} == ${name}`]);
    case 'notnull':
      return s.pick([`${name} IS NOT NULL OR 1`, `${name} NOTNULL OR 1`, `${name} NOT NULL OR 1`]);
  }
}

function renderTable(s: Speller, table: TableSpec, tables: readonly TableSpec[]): string[] {
  const name = (): string => s.id(table.name);
  const constraintName = (): string => (s.flip() ? `${s.kw('CONSTRAINT')} ${s.id(`n${s.pick([1, 2, 3])}`)} ` : '');
  const key = keyColumns(table);
  const definitions: string[] = [];
  const tableConstraints: string[] = [];
  // the key columns
  const inlineKey = key.length === 1 && s.flip();
  const keyType = table.key === 'text' ? 'TEXT' : 'INTEGER';
  for (const column of key) {
    const parts = [s.id(column), s.kw(keyType)];
    if (inlineKey) {
      parts.push(
        `${constraintName()}${s.kw('PRIMARY KEY')}${s.pick(['', ` ${s.kw('ASC')}`])}${table.key === 'autoincrement' ? ` ${s.kw('AUTOINCREMENT')}` : ''}`,
      );
    }
    if (table.key === 'rowid' && !table.withoutRowid && s.flip()) parts.push(s.kw('NOT NULL'));
    if (table.withoutRowid || table.key === 'text' || table.key === 'composite') parts.push(s.kw('NOT NULL'));
    definitions.push(parts.join(s.gap()));
  }
  if (!inlineKey) {
    const auto = table.key === 'autoincrement';
    if (auto) {
      // AUTOINCREMENT is only written inline
      definitions[0] = `${s.id('id')} ${s.kw('INTEGER')} ${s.kw('PRIMARY KEY')} ${s.kw('AUTOINCREMENT')}`;
    } else {
      tableConstraints.push(
        `${constraintName()}${s.kw('PRIMARY KEY')} (${key.map((column) => s.id(column)).join(', ')})`,
      );
    }
  }
  for (const column of table.columns) {
    const id = s.id(column.name);
    const parts: string[] = [];
    if (column.notNull) parts.push(`${s.kw('NOT NULL')}${s.pick(['', ` ${s.kw('ON CONFLICT ABORT')}`])}`);
    const dflt = defaultSpelling(s, column);
    if (dflt !== null) parts.push(`${s.kw('DEFAULT')} ${dflt}`);
    else if (s.flip() && s.flip()) parts.push(`${s.kw('DEFAULT')} ${s.kw('NULL')}`);
    if (column.nocase) parts.push(`${s.kw('COLLATE')} ${s.pick(['NOCASE', 'nocase'])}`);
    else if (column.type === 'TEXT' && s.flip() && s.flip())
      parts.push(`${s.kw('COLLATE')} ${s.pick(['BINARY', 'binary'])}`);
    if (column.unique) {
      if (s.flip()) parts.push(`${constraintName()}${s.kw('UNIQUE')}`);
      else tableConstraints.push(`${constraintName()}${s.kw('UNIQUE')} (${s.id(column.name)})`);
    }
    const check = checkSpelling(s, column, s.id(column.name));
    if (check !== null) {
      if (s.flip()) parts.push(`${constraintName()}${s.kw('CHECK')} (${check})`);
      else tableConstraints.push(`${constraintName()}${s.kw('CHECK')} (${check})`);
    }
    if (column.references !== null) {
      const target = `${s.id(column.references.table)}${s.flip() ? ` (${s.id('id')})` : ''}`;
      const action =
        column.references.onDelete === 'NO ACTION' && s.flip()
          ? ''
          : ` ${s.kw('ON DELETE')} ${s.kw(column.references.onDelete)}`;
      const deferral = s.pick(['', ` ${s.kw('NOT DEFERRABLE')}`, ` ${s.kw('DEFERRABLE INITIALLY IMMEDIATE')}`]);
      if (s.flip()) parts.push(`${constraintName()}${s.kw('REFERENCES')} ${target}${action}${deferral}`);
      else
        tableConstraints.push(
          `${constraintName()}${s.kw('FOREIGN KEY')} (${s.id(column.name)}) ${s.kw('REFERENCES')} ${target}${action}${deferral}`,
        );
    }
    const type =
      column.type === ''
        ? ''
        : `${s.gap()}${s.kw(column.type.replace('(', ' (').replace(' (', '(')).replace('varchar(10)', s.pick(['varchar(10)', 'VARCHAR ( 10 )']))}`;
    definitions.push(
      `${id}${type}${s
        .shuffle(parts)
        .map((part) => `${s.gap()}${part}`)
        .join('')}`,
    );
  }
  if (table.tableCheck)
    tableConstraints.push(
      `${constraintName()}${s.kw('CHECK')} (${s.pick(['id > 0', '(id) > 0', '+id > 0', 'id > +0'])})`,
    );
  const options = [table.withoutRowid ? s.kw('WITHOUT ROWID') : '', table.strict ? s.kw('STRICT') : ''].filter(
    (o) => o !== '',
  );
  const ifNotExists = s.flip() ? ` ${s.kw('IF NOT EXISTS')}` : '';
  const statements = [
    `${s.kw('CREATE TABLE')}${ifNotExists} ${name()}${s.gap()}(${[...definitions, ...s.shuffle(tableConstraints)].join(`,${s.gap()}`)})${options.length > 0 ? ` ${s.shuffle(options).join(', ')}` : ''}`,
  ];
  if (table.index !== null) {
    const terms = table.index.columns.map(
      (column, i) =>
        `${s.id(column)}${table.index?.desc && i === 0 ? ` ${s.kw('DESC')}` : s.pick(['', ` ${s.kw('ASC')}`])}`,
    );
    const where = table.index.partial
      ? ` ${s.kw('WHERE')} ${s.id(table.index.columns[0] as string)} ${s.pick(['<> 0', '!= 0', '<> (0)'])}`
      : '';
    statements.push(
      `${s.kw('CREATE INDEX')}${s.flip() ? ` ${s.kw('IF NOT EXISTS')}` : ''} ${s.flip() ? 'main.' : ''}${s.id(`ix ${table.name}`)} ${s.kw('ON')} ${name()} (${terms.join(', ')})${where}`,
    );
  }
  const first = table.columns[0] as ColumnSpec;
  if (table.view) {
    statements.push(
      `${s.kw('CREATE VIEW')}${s.flip() ? ` ${s.kw('IF NOT EXISTS')}` : ''} ${s.id(`v ${table.name}`)} ${s.kw('AS SELECT')} id${s.pick([` ${s.kw('AS')} `, ' '])}${s.id('key')}, ${s.id(first.name)} ${s.kw('FROM')} ${name()}${s.pick([` ${s.kw('AS')} `, ' '])}src ${s.kw('WHERE')} id ${s.pick(['<>', '!='])} 0 ${s.kw('ORDER BY')} id${s.pick(['', ` ${s.kw('ASC')}`])}`,
    );
  }
  if (table.trigger !== 'none') {
    const timing = table.trigger === 'after' ? ` ${s.kw('AFTER')}` : s.pick(['', ` ${s.kw('BEFORE')}`]);
    statements.push(
      `${s.kw('CREATE TRIGGER')} ${s.id(`trg ${table.name}`)}${timing} ${s.kw('INSERT ON')} ${name()}${s.pick(['', ` ${s.kw('FOR EACH ROW')}`])} ${s.kw('BEGIN')} ${s.kw('SELECT')} ${s.kw('NEW')}.id ${s.kw('WHERE')} ${s.kw('NEW')}.id ${s.pick(['=', '=='])} 1; ${s.kw('END')}`,
    );
  }
  void tables;
  return statements;
}

function render(tables: readonly TableSpec[], picks: readonly number[]): string {
  const s = new Speller(picks);
  return `${tables.flatMap((table) => renderTable(s, table, tables)).join(';\n')};`;
}

const picksArb = fc.array(fc.nat({ max: 1000 }), { minLength: 50, maxLength: 50 });

t.test('property: a schema respelled plans zero steps against a database made from another spelling', async (t) => {
  let differed = 0;
  await fc.assert(
    fc.asyncProperty(schemaArb, picksArb, picksArb, async (tables, first, second) => {
      const written = render(tables, first);
      const respelled = render(tables, second);
      if (written !== respelled) differed++;
      const db = tempDb(dirFor(t));
      try {
        await migrateTo(db.client, written);
        const again = sqlOf(await planTo(db.client, written));
        if (again.length > 0) throw new Error(`the first spelling does not converge:\n${written}\n${again.join('\n')}`);
        const steps = sqlOf(await planTo(db.client, respelled));
        if (steps.length > 0)
          throw new Error(
            `respelling planned steps:\n--- written\n${written}\n--- respelled\n${respelled}\n--- steps\n${steps.join('\n')}`,
          );
      } finally {
        db.client.close();
      }
    }),
    { numRuns: NUM_RUNS },
  );
  t.ok(differed > NUM_RUNS / 2, `${differed} of ${NUM_RUNS} pairs were spelled differently`);
});
