/**
 * Planner + applier: a rebuild must not change a stored value the caller did not ask to change.
 * A column that becomes INTEGER PRIMARY KEY becomes the rowid, where a NULL turns into a new
 * number: the batch refuses (database unchanged, the reason named). A table whose INTEGER PRIMARY
 * KEY stops being the rowid keeps its rowids.
 */
import t from 'tap';
import { ApplyError } from '../../lib/apply.js';
import {
  converge,
  dirFor,
  exec,
  foreignKeyViolations,
  integrityOk,
  migrateTo,
  pick,
  rows,
  snapshot,
  tempDb,
} from './_support.js';

const refusals = [
  { label: 'INT PRIMARY KEY (not the rowid) holding NULL', setup: 'CREATE TABLE k (id INT PRIMARY KEY, v TEXT)' },
  { label: 'untyped key holding NULL', setup: 'CREATE TABLE k (id PRIMARY KEY, v TEXT)' },
  { label: 'no key at all', setup: 'CREATE TABLE k (id INTEGER, v TEXT)' },
  { label: 'part of a composite key', setup: 'CREATE TABLE k (id INTEGER, v TEXT, PRIMARY KEY (id, v))' },
];

for (const c of refusals) {
  t.test(`${c.label} → INTEGER PRIMARY KEY: refused, nothing changes`, async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, `${c.setup}; INSERT INTO k VALUES (5, 'a'), (NULL, 'b'), (NULL, 'c');`);
    const before = await snapshot(db.client);
    const error = await migrateTo(db.client, 'CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)').then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(error instanceof ApplyError, 'the apply fails');
    t.match(
      (error as ApplyError).message,
      /k\.id becomes INTEGER PRIMARY KEY \(the rowid\): rows whose id is NULL would get new numbers/,
      'the reason is named',
    );
    t.same(await snapshot(db.client), before, 'database unchanged');
    t.ok(await integrityOk(db.client));
    t.equal(await foreignKeyViolations(db.client), 0);
  });
}

t.test('the same change with every key filled keeps every key', async (t) => {
  const setup = "CREATE TABLE k (id INT PRIMARY KEY, v TEXT); INSERT INTO k VALUES (5, 'a'), (2, 'b'), (9, 'c');";
  const { after, before } = await converge(t, setup, 'CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)');
  t.same(
    pick(after.rows['k'], 'id', 'v').sort((a, b) => Number(a['id']) - Number(b['id'])),
    pick(before.rows['k'], 'id', 'v').sort((a, b) => Number(a['id']) - Number(b['id'])),
  );
  t.same(
    after.rows['k']?.map((r) => [r['__rowid'], r['id']]),
    [
      [2, 2],
      [5, 5],
      [9, 9],
    ],
    'the keys are the rowids now',
  );
});

t.test('a table already keyed by its rowid needs no such proof', async (t) => {
  const setup = "CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO k VALUES (5, 'a');";
  const { plan: made } = await converge(t, setup, 'CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  t.notOk(made.steps.some((s) => /null key/.test(s.sql)));
});

t.test('an INTEGER PRIMARY KEY that stops being the rowid keeps the rowids', async (t) => {
  const setup = "CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO k VALUES (3, 'a'), (10, 'b'), (42, 'c');";
  const { after, before, db } = await converge(t, setup, 'CREATE TABLE k (id INT PRIMARY KEY, v TEXT)');
  t.same(after.rows['k'], before.rows['k'], 'rowids and values unchanged');
  t.same(await rows(db.client, 'SELECT rowid AS r, id FROM k ORDER BY id'), [
    { r: 3, id: 3 },
    { r: 10, id: 10 },
    { r: 42, id: 42 },
  ]);
});

t.test('INTEGER PRIMARY KEY DESC is no rowid alias: a rebuild keeps the real rowids', async (t) => {
  const setup =
    "CREATE TABLE t (k INTEGER PRIMARY KEY DESC, v TEXT); INSERT INTO t (rowid, k, v) VALUES (10, 1, 'a'), (20, 2, 'b');";
  const { after, before } = await converge(
    t,
    setup,
    "CREATE TABLE t (k INTEGER PRIMARY KEY DESC, v TEXT, w TEXT DEFAULT (lower('X')))",
  );
  t.same(pick(after.rows['t'], '__rowid', 'k', 'v'), before.rows['t'], 'rowids 10 and 20 kept');
});

t.test('a table-level PRIMARY KEY (k DESC) is the rowid: a NULL key there is refused like any other', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, "CREATE TABLE t (k INTEGER PRIMARY KEY DESC, v TEXT); INSERT INTO t VALUES (NULL, 'a');");
  const before = await snapshot(db.client);
  await t.rejects(
    migrateTo(db.client, 'CREATE TABLE t (k INTEGER, v TEXT, PRIMARY KEY (k DESC))'),
    /t\.k becomes INTEGER PRIMARY KEY/,
  );
  t.same(await snapshot(db.client), before, 'database unchanged');
});

t.test('a rebuild with no column in common keeps one row per old row (allowDestructive)', async (t) => {
  const setup = 'CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY (a)) WITHOUT ROWID; INSERT INTO t VALUES (1, 2), (3, 4);';
  const { after } = await converge(t, setup, "CREATE TABLE t (c INTEGER, d TEXT DEFAULT 'd')", {
    allowDestructive: true,
  });
  t.same(pick(after.rows['t'], 'c', 'd'), [
    { c: null, d: 'd' },
    { c: null, d: 'd' },
  ]);
});

t.test('a NULL in a STORED generated column that becomes INTEGER PRIMARY KEY is refused', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    "CREATE TABLE t (id INT, a ANY GENERATED ALWAYS AS (id * 2) STORED, v TEXT); INSERT INTO t (id, v) VALUES (NULL, 'x'), (3, 'y');",
  );
  const before = await snapshot(db.client);
  await t.rejects(
    migrateTo(db.client, 'CREATE TABLE t (id INT, a INTEGER PRIMARY KEY, v TEXT)'),
    /t\.a becomes INTEGER PRIMARY KEY/,
  );
  t.same(await snapshot(db.client), before, 'database unchanged');
});

t.test(
  'an ANY column of a table that stops being STRICT: refused when a value would convert, kept exactly otherwise',
  async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(
      db.client,
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a ANY) STRICT; INSERT INTO t VALUES (1, '12'), (2, 'abc');",
    );
    const before = await snapshot(db.client);
    await t.rejects(
      migrateTo(db.client, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a ANY)'),
      /t\.a is ANY in a table that stops being STRICT/,
    );
    t.same(await snapshot(db.client), before, 'database unchanged');
    t.ok(await integrityOk(db.client));

    const setup =
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a ANY) STRICT; INSERT INTO t VALUES (1, 'abc'), (2, 5), (3, x'01'), (4, 2.5), (5, NULL);";
    const { after, before: was } = await converge(t, setup, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a ANY)');
    t.same(after.rows['t'], was.rows['t'], 'nothing would convert: applied, values kept');
  },
);

t.test('a kept ANY column of a table that stops being STRICT keeps numeric-looking text as text', async (t) => {
  const setup =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k ANY) STRICT; INSERT INTO t VALUES (1, '12'), (2, '1.5'), (3, x'01');";
  const { after, before, db } = await converge(t, setup, 'CREATE TABLE t (id INTEGER PRIMARY KEY)');
  t.same(after.rows['t'], before.rows['t']);
  t.same(await rows(db.client, 'SELECT typeof(k) AS k FROM t ORDER BY id'), [
    { k: 'text' },
    { k: 'text' },
    { k: 'blob' },
  ]);
});

t.test(
  'no column in common and a new INTEGER PRIMARY KEY with a default: rows get new keys, as DEFAULT VALUES would',
  async (t) => {
    const setup = "CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO t VALUES ('x'), ('y');";
    const { after } = await converge(t, setup, 'CREATE TABLE t (b INTEGER PRIMARY KEY DEFAULT -0.25)', {
      allowDestructive: true,
    });
    t.same(pick(after.rows['t'], 'b'), [{ b: 1 }, { b: 2 }]);
    const { after: other } = await converge(
      t,
      setup,
      "CREATE TABLE t (b INTEGER PRIMARY KEY DEFAULT -0.25, c TEXT DEFAULT 'c')",
      { allowDestructive: true },
    );
    t.same(pick(other.rows['t'], 'b', 'c'), [
      { b: 1, c: 'c' },
      { b: 2, c: 'c' },
    ]);
  },
);
