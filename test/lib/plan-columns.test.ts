/**
 * Planner: added columns go through ALTER TABLE ADD COLUMN where SQLite allows it, and through a
 * rebuild where it does not (UNIQUE/PK, STORED generated, NOT NULL without default, non-constant
 * default). Rows are checked before and after every change.
 */
import t from 'tap';
import { ApplyError } from '../../lib/apply.js';
import {
  dirFor,
  converge,
  exec,
  fileBytes,
  kindsOf,
  migrateTo,
  pick,
  rows,
  snapshot,
  tempDb,
  without,
  workSteps,
} from './_support.js';

const BASE = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE owners (id INTEGER PRIMARY KEY);
INSERT INTO owners VALUES (1), (2);
INSERT INTO items VALUES (1, 'one'), (2, 'two'), (5, 'five');`;
const BASE_DDL =
  'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE TABLE owners (id INTEGER PRIMARY KEY);';
const withItems = (columns: string): string =>
  `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ${columns}); CREATE TABLE owners (id INTEGER PRIMARY KEY);`;

const inPlace: Array<[string, string, unknown[]]> = [
  ['nullable, no default', 'note TEXT', [null, null, null]],
  ['constant default', "kind TEXT DEFAULT 'plain'", ['plain', 'plain', 'plain']],
  ['NOT NULL with a default', 'qty INTEGER NOT NULL DEFAULT 0', [0, 0, 0]],
  ['negative default', 'delta INTEGER DEFAULT -1', [-1, -1, -1]],
  ['parenthesised constant default', 'ratio REAL DEFAULT (0.5)', [0.5, 0.5, 0.5]],
  ['blob default', "raw BLOB DEFAULT x'00'", [null, null, null]],
  ['CHECK the default satisfies', 'score INTEGER DEFAULT 1 CHECK (score > 0)', [1, 1, 1]],
  ['COLLATE', 'tag TEXT COLLATE NOCASE', [null, null, null]],
  ['VIRTUAL generated', 'upper_name TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL', ['ONE', 'TWO', 'FIVE']],
  ['foreign key with NULL default', 'owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL', [null, null, null]],
];

for (const [label, column, expected] of inPlace) {
  t.test(`added column, ${label}: ALTER TABLE ADD COLUMN`, async (t) => {
    const { plan: made, before, after } = await converge(t, BASE, withItems(column));
    t.same(kindsOf(made), ['add_column'], 'one ADD COLUMN, no rebuild');
    t.match(made.steps[0]?.sql, /^ALTER TABLE "items" ADD COLUMN /);
    const name = column.split(' ')[0] as string;
    t.same(without(after.rows['items'], name), before.rows['items'], 'every row and rowid kept');
    if (name === 'raw') {
      t.same(
        after.rows['items']?.map((r) => [...new Uint8Array(r['raw'] as ArrayBuffer)]),
        [[0], [0], [0]],
        'blob default filled',
      );
    } else {
      t.same(
        after.rows['items']?.map((r) => r[name]),
        expected,
        'existing rows get the default',
      );
    }
    t.same(after.rows['owners'], before.rows['owners']);
  });
}

t.test('several added columns in one table, in order', async (t) => {
  const { plan: made, after } = await converge(
    t,
    BASE,
    withItems("a TEXT, b INT DEFAULT 2, c TEXT NOT NULL DEFAULT 'c'"),
  );
  t.same(
    made.steps.map((s) => s.object),
    ['items.a', 'items.b', 'items.c'],
  );
  t.same(pick(after.rows['items'], 'id', 'a', 'b', 'c'), [
    { id: 1, a: null, b: 2, c: 'c' },
    { id: 2, a: null, b: 2, c: 'c' },
    { id: 5, a: null, b: 2, c: 'c' },
  ]);
});

const needRebuild: Array<[string, string, string, RegExp]> = [
  ['UNIQUE', 'code TEXT UNIQUE', 'SELECT code AS v FROM items ORDER BY id', /UNIQUE/],
  [
    'a named UNIQUE table constraint',
    'code TEXT, CONSTRAINT uq UNIQUE (code, name)',
    'SELECT code AS v FROM items ORDER BY id',
    /UNIQUE/,
  ],
  [
    'STORED generated',
    'len INT GENERATED ALWAYS AS (length(name)) STORED',
    'SELECT len AS v FROM items ORDER BY id',
    /STORED/,
  ],
  [
    'non-constant default CURRENT_TIMESTAMP',
    'created TEXT DEFAULT CURRENT_TIMESTAMP',
    "SELECT created IS NOT NULL AND created LIKE '20%' AS v FROM items ORDER BY id",
    /not a constant/,
  ],
  [
    'non-constant default expression (1 + 1)',
    'two INT DEFAULT (1 + 1)',
    'SELECT two AS v FROM items ORDER BY id',
    /not a constant/,
  ],
  [
    'non-constant default function',
    "stamp TEXT DEFAULT (strftime('%Y', 'now'))",
    'SELECT length(stamp) AS v FROM items ORDER BY id',
    /not a constant/,
  ],
  [
    "non-constant default ('a' || 'b')",
    "ab TEXT DEFAULT ('a' || 'b')",
    'SELECT ab AS v FROM items ORDER BY id',
    /not a constant/,
  ],
  [
    'foreign key with a non-NULL default',
    'owner_id INTEGER NOT NULL DEFAULT 1 REFERENCES owners(id)',
    'SELECT owner_id AS v FROM items ORDER BY id',
    /foreign key/,
  ],
];
const expectedValues: Record<string, unknown[]> = {
  UNIQUE: [null, null, null],
  'a named UNIQUE table constraint': [null, null, null],
  'STORED generated': [3, 3, 4],
  'non-constant default CURRENT_TIMESTAMP': [1, 1, 1],
  'non-constant default expression (1 + 1)': [2, 2, 2],
  'non-constant default function': [4, 4, 4],
  "non-constant default ('a' || 'b')": ['ab', 'ab', 'ab'],
  'foreign key with a non-NULL default': [1, 1, 1],
};

for (const [label, column, query, reason] of needRebuild) {
  t.test(`added column, ${label}: rebuild, every row kept`, async (t) => {
    const { plan: made, before, after, db } = await converge(t, BASE, withItems(column));
    const work = workSteps(made);
    t.ok(
      work.length > 0 && work.every((s) => s.kind === 'rebuild_table' && s.object === 'items'),
      'a rebuild of items only',
    );
    t.match(work[0]?.reason, reason, 'the reason says why');
    const added = column.split(' ')[0] as string;
    t.same(
      pick(after.rows['items'], '__rowid', 'id', 'name'),
      pick(before.rows['items'], '__rowid', 'id', 'name'),
      'every row and rowid kept',
    );
    t.same(
      (await rows(db.client, query)).map((r) => r['v']),
      expectedValues[label],
      `existing rows got ${added}'s value`,
    );
    t.same(after.rows['owners'], before.rows['owners']);
  });
}

t.test('added PRIMARY KEY column: rebuild', async (t) => {
  const setup = "CREATE TABLE tags (label TEXT); INSERT INTO tags VALUES ('a'), ('b');";
  const {
    plan: made,
    after,
    before,
  } = await converge(t, setup, 'CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)');
  t.ok(workSteps(made).every((s) => s.kind === 'rebuild_table'));
  t.match(workSteps(made)[0]?.reason, /PRIMARY KEY|new columns are not at the end/);
  t.same(pick(after.rows['tags'], 'label'), pick(before.rows['tags'], 'label'));
  t.same(pick(after.rows['tags'], 'id'), [{ id: 1 }, { id: 2 }], 'the new rowid alias numbers the rows');
});

t.test('added column in the middle: rebuild keeps the desired column order', async (t) => {
  const {
    plan: made,
    after,
    db,
  } = await converge(
    t,
    BASE,
    "CREATE TABLE items (id INTEGER PRIMARY KEY, extra TEXT DEFAULT 'e', name TEXT NOT NULL); CREATE TABLE owners (id INTEGER PRIMARY KEY);",
  );
  t.match(workSteps(made)[0]?.reason, /not at the end/);
  t.same(
    (await rows(db.client, "SELECT group_concat(name, ',') AS c FROM pragma_table_info('items')"))[0]?.['c'],
    'id,extra,name',
  );
  t.same(pick(after.rows['items'], 'id', 'extra', 'name'), [
    { id: 1, extra: 'e', name: 'one' },
    { id: 2, extra: 'e', name: 'two' },
    { id: 5, extra: 'e', name: 'five' },
  ]);
});

t.test('NOT NULL without a default', async (t) => {
  t.test('on a table with rows: the apply fails and the database is unchanged', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, BASE);
    const before = await snapshot(db.client);
    const bytes = fileBytes(db.path);
    const error = await migrateTo(db.client, withItems('required TEXT NOT NULL')).then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, ApplyError);
    const applyError = error as ApplyError;
    t.equal(applyError.failure, 'failed');
    t.match(applyError.message, /NOT NULL constraint failed: .*required/);
    t.equal(applyError.step?.kind, 'rebuild_table', 'names the step');
    t.match(applyError.statement, /^INSERT INTO "items"/, "names the failing statement, by the table's real name");
    t.notMatch(applyError.statement, /_schema_sync_/, "not by the rebuild's temporary table");
    t.same(await snapshot(db.client), before, 'schema and rows unchanged');
    t.ok(fileBytes(db.path).equals(bytes), 'file byte-for-byte unchanged');
    t.same(
      await rows(db.client, "SELECT name FROM sqlite_schema WHERE name = 'schema_version'"),
      [],
      'no audit table, no audit row',
    );
  });
  t.test('on an empty table: added', async (t) => {
    const { after } = await converge(
      t,
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE TABLE owners (id INTEGER PRIMARY KEY);',
      withItems('required TEXT NOT NULL'),
    );
    t.same(after.rows['items'], []);
  });
});

t.test('added column whose CHECK existing rows violate: fails, unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BASE);
  const before = await snapshot(db.client);
  const error = await migrateTo(db.client, withItems('score INTEGER DEFAULT 0 CHECK (score > 0)')).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, ApplyError);
  t.match((error as ApplyError).message, /CHECK constraint failed/);
  t.ok((error as ApplyError).statement, 'names the statement');
  t.same(await snapshot(db.client), before);
});

t.test('added column on a base schema (for the plain DDL constant)', async (t) => {
  const { plan: made } = await converge(t, BASE, BASE_DDL);
  t.same(made.steps, [], 'BASE_DDL is BASE without rows');
});
