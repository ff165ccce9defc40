/**
 * Planner + applier: constraints that live outside a column's own definition. ADD COLUMN carries
 * only the column's definition, so a table-level clause naming a new column needs a rebuild; a
 * default-mode rebuild keeps a column the desired schema lacks as a plain column (no old PRIMARY
 * KEY / AUTOINCREMENT), keeps the table-level UNIQUE / FOREIGN KEY / CHECK clauses that name only
 * kept columns (a child's foreign key may target that UNIQUE), and keeps it as ANY when the table
 * becomes STRICT.
 */
import t from 'tap';
import { ApplyError } from '../../lib/apply.js';
import { introspect } from '../../lib/introspect.js';
import { findByName } from '../../lib/model.js';
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
  workSteps,
} from './_support.js';

const P = 'CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);';
const P_ROWS = "INSERT INTO p VALUES (1, 'a'), (2, 'b');";

t.test('a new column named by a table-level clause is added by a rebuild that keeps the clause', async (t) => {
  const cases = [
    {
      label: 'FOREIGN KEY',
      clause: 'FOREIGN KEY (p_id) REFERENCES p(id) ON DELETE CASCADE',
      column: 'p_id INTEGER',
      holds: (table: Awaited<ReturnType<typeof introspect>>['tables'][number]) =>
        table.foreignKeys.length === 1 && table.foreignKeys[0]?.onDelete === 'CASCADE',
    },
    {
      label: 'composite FOREIGN KEY',
      clause: 'FOREIGN KEY (p_code) REFERENCES p(code)',
      column: 'p_code TEXT',
      holds: (table: Awaited<ReturnType<typeof introspect>>['tables'][number]) => table.foreignKeys.length === 1,
    },
    {
      label: 'UNIQUE',
      clause: 'UNIQUE (tag)',
      column: 'tag TEXT',
      holds: (table: Awaited<ReturnType<typeof introspect>>['tables'][number]) => table.uniques.length === 1,
    },
    {
      label: 'CHECK',
      clause: 'CHECK (n IS NULL OR n > 0)',
      column: 'n INTEGER',
      holds: (table: Awaited<ReturnType<typeof introspect>>['tables'][number]) => table.checks.length === 1,
    },
  ];
  for (const c of cases) {
    await t.test(c.label, async (t) => {
      const setup = `${P} ${P_ROWS} CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO c VALUES (1, 'x'), (5, 'y');`;
      const desired = `${P} CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT, ${c.column}, ${c.clause});`;
      const { plan: made, before, after, db } = await converge(t, setup, desired);
      t.notOk(
        made.steps.some((s) => s.kind === 'add_column'),
        'no bare ADD COLUMN',
      );
      t.match(workSteps(made)[0]?.reason, /table-level .* names it|UNIQUE constraint/, 'the reason names the clause');
      t.same(pick(after.rows['c'], '__rowid', 'id', 'v'), before.rows['c'], 'rows kept');
      const table = findByName((await introspect(db.client)).tables, 'c');
      t.ok(table !== undefined && c.holds(table), 'the clause is in the database');
    });
  }
});

t.test('a table-level FOREIGN KEY on a new column is enforced after the apply', async (t) => {
  const setup = `${P} ${P_ROWS} CREATE TABLE c (id INTEGER PRIMARY KEY); INSERT INTO c VALUES (1);`;
  const desired = `${P} CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, FOREIGN KEY (p_id) REFERENCES p(id));`;
  const { db } = await converge(t, setup, desired);
  await db.client.execute('PRAGMA foreign_keys = ON');
  await t.rejects(db.client.execute('INSERT INTO c (id, p_id) VALUES (2, 99)'), /FOREIGN KEY constraint failed/);
});

t.test('a renamed primary-key column (drop + add) is kept as a plain column', async (t) => {
  const setup =
    "CREATE TABLE u (uid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); INSERT INTO u VALUES (3, 'a'), (9, 'b');";
  const desired = 'CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)';
  const { plan: made, before, after, db } = await converge(t, setup, desired);
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table'));
  t.same(
    made.skipped.map((s) => s.object),
    ['u.uid'],
  );
  const u = findByName((await introspect(db.client)).tables, 'u');
  t.same(u?.primaryKey, ['id'], 'one primary key: the desired one');
  t.equal(u?.autoincrement, false, 'the old AUTOINCREMENT went with the old key');
  t.equal(findByName(u?.columns ?? [], 'uid')?.primaryKeyPosition, 0);
  t.same(pick(after.rows['u'], 'uid', 'name'), pick(before.rows['u'], 'uid', 'name'), 'the old keys are kept as data');
});

t.test('a renamed composite primary key is kept as plain columns', async (t) => {
  const setup =
    "CREATE TABLE m (a TEXT NOT NULL, b INTEGER NOT NULL, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID; INSERT INTO m VALUES ('x', 1, 'v1'), ('x', 2, 'v2');";
  const desired = 'CREATE TABLE m (k INTEGER PRIMARY KEY, v TEXT)';
  const { after, before, db } = await converge(t, setup, desired);
  const m = findByName((await introspect(db.client)).tables, 'm');
  t.same(m?.primaryKey, ['k']);
  t.same(pick(after.rows['m'], 'a', 'b', 'v'), pick(before.rows['m'], 'a', 'b', 'v'));
});

t.test('a kept old primary key that a child references stays unique, so the child still works', async (t) => {
  const setup = `
    CREATE TABLE p (pid INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_pid INTEGER REFERENCES p(pid));
    INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1), (11, 2);`;
  const desired =
    'CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, p_pid INTEGER REFERENCES p(pid));';
  const { db } = await converge(t, setup, desired);
  await db.client.execute('PRAGMA foreign_keys = ON');
  await db.client.execute('INSERT INTO c VALUES (12, 2)');
  await t.rejects(
    db.client.execute('INSERT INTO c VALUES (13, 99)'),
    /FOREIGN KEY constraint failed/,
    'no "foreign key mismatch"',
  );
});

t.test('a rebuild keeps the table-level UNIQUE, FOREIGN KEY and CHECK clauses of kept columns', async (t) => {
  const setup = `
    ${P} ${P_ROWS}
    CREATE TABLE c (id INTEGER PRIMARY KEY, a TEXT, b TEXT, p_id INTEGER, n INTEGER,
      CONSTRAINT ab UNIQUE (a, b), FOREIGN KEY (p_id) REFERENCES p(id) ON DELETE SET NULL, CHECK (n >= 0));
    CREATE TABLE g (id INTEGER PRIMARY KEY, ca TEXT, cb TEXT, FOREIGN KEY (ca, cb) REFERENCES c(a, b));
    INSERT INTO c VALUES (1, 'x', 'y', 1, 0), (2, 'x', 'z', 2, 5);
    INSERT INTO g VALUES (1, 'x', 'y');`;
  // c loses a, b, p_id and n (kept) and gains a column only a rebuild can add
  const desired = `${P} CREATE TABLE c (id INTEGER PRIMARY KEY, created TEXT DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE g (id INTEGER PRIMARY KEY, ca TEXT, cb TEXT, FOREIGN KEY (ca, cb) REFERENCES c(a, b));`;
  const { plan: made, before, after, db } = await converge(t, setup, desired);
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'c'));
  t.same(pick(after.rows['c'], 'id', 'a', 'b', 'p_id', 'n'), pick(before.rows['c'], 'id', 'a', 'b', 'p_id', 'n'));
  const c = findByName((await introspect(db.client)).tables, 'c');
  t.equal(c?.uniques.length, 1, 'UNIQUE (a, b) kept');
  t.equal(c?.foreignKeys[0]?.onDelete, 'SET NULL', 'FOREIGN KEY (p_id) kept with its action');
  t.equal(c?.checks.length, 1, 'CHECK (n >= 0) kept');
  await db.client.execute('PRAGMA foreign_keys = ON');
  await db.client.execute("INSERT INTO g VALUES (2, 'x', 'z')");
  await t.rejects(
    db.client.execute("INSERT INTO g VALUES (3, 'q', 'q')"),
    /FOREIGN KEY constraint failed/,
    'the child FK still targets the UNIQUE',
  );
  await t.rejects(db.client.execute("INSERT INTO c (id, a, b) VALUES (9, 'x', 'y')"), /UNIQUE constraint failed/);
  await t.rejects(db.client.execute('INSERT INTO c (id, n) VALUES (9, -1)'), /CHECK constraint failed/);
});

t.test('without a child, the kept UNIQUE does not disappear either', async (t) => {
  const setup = "CREATE TABLE c (id INTEGER PRIMARY KEY, a TEXT, UNIQUE (a)); INSERT INTO c VALUES (1, 'x');";
  const { db } = await converge(t, setup, 'CREATE TABLE c (id INTEGER PRIMARY KEY, t TEXT DEFAULT CURRENT_TIME)');
  await t.rejects(db.client.execute("INSERT INTO c (id, a) VALUES (2, 'x')"), /UNIQUE constraint failed/);
});

t.test('a kept column of a table that becomes STRICT is ANY, whatever type STRICT would accept', async (t) => {
  const setup = `CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER, i INT, x TEXT, b BLOB, r REAL);
    INSERT INTO s VALUES (1, 1, 'not a number', 12, 'text in blob', 'r'), (2, 2, 2.5, x'00', 3, 4.5), (3, NULL, 7, 'ok', NULL, 1);`;
  const {
    before,
    after,
    db,
    plan: made,
  } = await converge(t, setup, 'CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER) STRICT');
  t.equal(made.warnings.filter((w) => /kept as ANY/.test(w)).length, 4);
  t.same(after.rows['s'], before.rows['s'], 'every value kept exactly');
  t.same(await rows(db.client, 'SELECT typeof(i) i, typeof(x) x, typeof(b) b, typeof(r) r FROM s ORDER BY id'), [
    { i: 'text', x: 'text', b: 'text', r: 'text' },
    { i: 'real', x: 'blob', b: 'integer', r: 'real' },
    { i: 'integer', x: 'text', b: 'null', r: 'real' },
  ]);
  const s = findByName((await introspect(db.client)).tables, 's');
  t.same(
    s?.columns.map((c) => c.type),
    ['INTEGER', 'INTEGER', 'ANY', 'ANY', 'ANY', 'ANY'],
  );
});

t.test('a kept NOT NULL column with an old key still fails cleanly when the new key cannot be filled', async (t) => {
  // the desired key is NOT NULL with no default: the copy cannot fill it, and nothing changes
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, "CREATE TABLE u (uid INTEGER PRIMARY KEY, name TEXT); INSERT INTO u VALUES (1, 'a');");
  const before = await snapshot(db.client);
  await t.rejects(migrateTo(db.client, 'CREATE TABLE u (code TEXT NOT NULL PRIMARY KEY, name TEXT)'), ApplyError);
  t.same(await snapshot(db.client), before, 'database unchanged');
  t.ok(await integrityOk(db.client));
  t.equal(await foreignKeyViolations(db.client), 0);
});

t.test(
  'a kept REFERENCES p (no column list) keeps pointing at what it pointed at when p gets another key',
  async (t) => {
    const setup = `CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p);
    INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (1, 1), (2, 2);`;
    const desired =
      "CREATE TABLE p (pk TEXT PRIMARY KEY, n TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, z TEXT DEFAULT (lower('A')));";
    const { db } = await converge(t, setup, desired);
    const c = findByName((await introspect(db.client)).tables, 'c');
    t.same(
      c?.foreignKeys.map((fk) => [fk.targetTable, fk.targetColumns]),
      [['p', ['id']]],
      'the target is written out',
    );
    await db.client.execute('PRAGMA foreign_keys = ON');
    await db.client.execute('INSERT INTO c (id, pid) VALUES (3, 2)');
    await t.rejects(
      db.client.execute('INSERT INTO c (id, pid) VALUES (4, 99)'),
      /FOREIGN KEY constraint failed/,
      'enforced, no mismatch',
    );
  },
);

t.test('a kept self-referencing key (F9): REFERENCES p on the old key, backed by one UNIQUE', async (t) => {
  const setup =
    'CREATE TABLE p (m INTEGER PRIMARY KEY REFERENCES p ON DELETE RESTRICT, UNIQUE (m)); INSERT INTO p VALUES (1), (2);';
  const { db, after, before } = await converge(
    t,
    setup,
    'CREATE TABLE p (c BLOB NOT NULL DEFAULT CURRENT_TIMESTAMP COLLATE NOCASE)',
  );
  t.same(pick(after.rows['p'], 'm'), pick(before.rows['p'], 'm'));
  const p = findByName((await introspect(db.client)).tables, 'p');
  t.equal(p?.uniques.length, 1, 'one UNIQUE (m), not two');
  t.same(
    p?.foreignKeys.map((fk) => fk.targetColumns),
    [['m']],
  );
});
