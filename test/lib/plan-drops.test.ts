/**
 * Planner: unwanted tables and columns are kept and reported by default (a rebuild keeps the extra
 * column and its data), dropped with allowDestructive or a version's allowance; rename hints keep
 * data; data steps run once in the same batch.
 */
import t from 'tap';
import { ApplyError } from '../../lib/apply.js';
import { introspect } from '../../lib/introspect.js';
import { findByName } from '../../lib/model.js';
import { dirFor, converge, exec, migrateTo, pick, rows, snapshot, tempDb, without } from './_support.js';

const SETUP = `
CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT, extra TEXT NOT NULL DEFAULT 'e', note TEXT);
CREATE TABLE old_stuff (id INTEGER PRIMARY KEY, v TEXT);
CREATE INDEX idx_note ON keep (note);
INSERT INTO keep VALUES (1, 'a1', 'x1', 'n1'), (2, 'a2', 'x2', NULL);
INSERT INTO old_stuff VALUES (1, 'precious');
`;

t.test('by default unwanted tables and columns are kept and reported', async (t) => {
  const { plan: made, before, after } = await converge(t, SETUP, 'CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT);');
  t.same(made.steps, [], 'nothing to do: dropping is not allowed');
  t.same(made.skipped.map((s) => [s.kind, s.object]).sort(), [
    ['column', 'keep.extra'],
    ['column', 'keep.note'],
    ['index', 'idx_note'],
    ['table', 'old_stuff'],
  ]);
  t.ok(made.skipped.every((s) => /kept/.test(s.reason)));
  t.same([after.schema, after.rows], [before.schema, before.rows], 'every table, column and row still there');
  t.same(
    made.warnings.filter((w) => /keep\.extra/.test(w)),
    [],
    'a NOT NULL kept column with a default is not a warning',
  );
});

t.test('a kept NOT NULL column without a default is reported as a warning', async (t) => {
  const { plan: made } = await converge(
    t,
    "CREATE TABLE k (id INTEGER PRIMARY KEY, must TEXT NOT NULL); INSERT INTO k VALUES (1, 'm');",
    'CREATE TABLE k (id INTEGER PRIMARY KEY)',
  );
  t.match(made.warnings, [/k\.must is NOT NULL without a default/]);
});

t.test('a rebuild keeps the extra column and its data', async (t) => {
  const {
    plan: made,
    before,
    after,
    db,
  } = await converge(t, SETUP, 'CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER UNIQUE);');
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'keep'));
  t.notOk(
    made.steps.some((s) => s.destructive),
    'nothing destructive',
  );
  t.same(
    pick(after.rows['keep'], '__rowid', 'id', 'a', 'extra', 'note'),
    before.rows['keep'],
    'extra and note kept with their data',
  );
  t.same(after.rows['old_stuff'], before.rows['old_stuff']);
  const keep = findByName((await introspect(db.client)).tables, 'keep');
  t.same(
    keep?.columns.map((c) => c.name),
    ['id', 'a', 'b', 'extra', 'note'],
    'kept columns after the desired ones',
  );
  t.equal(findByName(keep?.columns ?? [], 'extra')?.defaultSql, "'e'", 'kept column keeps its definition');
  t.ok(
    (await introspect(db.client)).indexes.some((i) => i.name === 'idx_note'),
    'the unwanted index on a kept column is kept too',
  );
  await db.client.execute("INSERT INTO keep (id, a) VALUES (3, 'a3')");
  t.same(
    await rows(db.client, 'SELECT extra FROM keep WHERE id = 3'),
    [{ extra: 'e' }],
    'the kept default still applies',
  );
});

t.test('a kept column keeps its own foreign key and UNIQUE, and the plan converges', async (t) => {
  const setup = `
    CREATE TABLE p (id INTEGER PRIMARY KEY);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE, code TEXT UNIQUE, self_id INT REFERENCES c(id));
    INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1, 'a', NULL), (2, NULL, 'b', 1);
  `;
  // the desired c has none of the three columns, and a change that needs a rebuild
  const desired =
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT DEFAULT CURRENT_TIMESTAMP);';
  const { plan: made, before, after, db } = await converge(t, setup, desired);
  t.ok(
    made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'c'),
    'rebuilt once (for v)',
  );
  t.same(pick(after.rows['c'], '__rowid', 'id', 'p_id', 'code', 'self_id'), before.rows['c'], 'kept columns and data');
  const c = findByName((await introspect(db.client)).tables, 'c');
  t.equal(c?.foreignKeys.length, 2, 'the kept columns keep their foreign keys');
  t.equal(c?.uniques.length, 1, 'and the kept UNIQUE');
  const { plan: noChange } = await converge(
    t,
    setup,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY);',
  );
  t.same(noChange.steps, [], 'kept columns alone (with their FKs and UNIQUE) need no rebuild');
});

t.test('a table becoming STRICT keeps a column of a type STRICT does not accept, as ANY', async (t) => {
  const setup = `
    CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER, n NUMERIC DEFAULT 0, untyped, price DECIMAL(10, 2) NOT NULL DEFAULT 1, g AS (id * 2));
    INSERT INTO s (id, v, n, untyped, price) VALUES (1, 1, 2.5, 'text', 9.99), (2, 2, 'abc', x'0102', 3), (3, NULL, NULL, 7, 1);
  `;
  const {
    plan: made,
    before,
    after,
    db,
  } = await converge(t, setup, 'CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER) STRICT;');
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table'));
  t.same(made.skipped.map((s) => s.object).sort(), ['s.g', 's.n', 's.price', 's.untyped']);
  t.same(made.warnings.length, 4, 'one warning per column kept as ANY');
  t.match(made.warnings.join('\n'), /kept column s\.n \(type NUMERIC\) is kept as ANY in the STRICT table/);
  t.same(after.rows['s'], before.rows['s'], 'every value kept exactly (types included)');
  t.same(await rows(db.client, 'SELECT typeof(n) AS n, typeof(untyped) AS u FROM s ORDER BY id'), [
    { n: 'real', u: 'text' },
    { n: 'text', u: 'blob' },
    { n: 'null', u: 'integer' },
  ]);
  const s = findByName((await introspect(db.client)).tables, 's');
  t.equal(s?.strict, true);
  t.same(
    s?.columns.map((c) => [c.name, c.type]),
    [
      ['id', 'INTEGER'],
      ['v', 'INTEGER'],
      ['n', 'ANY'],
      ['untyped', 'ANY'],
      ['price', 'ANY'],
      ['g', 'ANY'],
    ],
  );
  t.equal(findByName(s?.columns ?? [], 'price')?.defaultSql, '1', 'the rest of the definition is kept');
});

t.test('allowDestructive drops unwanted tables and columns', async (t) => {
  const {
    plan: made,
    after,
    before,
  } = await converge(t, SETUP, 'CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT);', { allowDestructive: true });
  t.same(made.skipped, []);
  const dropTable = made.steps.find((s) => s.kind === 'drop_table');
  t.match(dropTable, { object: 'old_stuff', destructive: true, sql: 'DROP TABLE "old_stuff"' });
  t.ok(
    made.steps.some((s) => s.kind === 'rebuild_table' && s.destructive && /DROP TABLE "keep"/.test(s.sql)),
    'the rebuild that drops columns is destructive',
  );
  t.match(made.steps.find((s) => s.kind === 'rebuild_table')?.reason, /dropping column\(s\) extra, note/);
  t.same(Object.keys(after.rows), ['keep']);
  t.same(after.rows['keep'], pick(before.rows['keep'], '__rowid', 'id', 'a'), 'remaining data unchanged');
});

t.test("a version's allowance drops only what it names", async (t) => {
  const {
    plan: made,
    after,
    before,
  } = await converge(t, SETUP, 'CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT);', {
    allowDrops: { columns: { KEEP: ['Extra'] } },
  });
  t.same(made.skipped.map((s) => s.object).sort(), ['idx_note', 'keep.note', 'old_stuff']);
  t.same(after.rows['keep'], without(before.rows['keep'], 'extra'));
  t.same(after.rows['old_stuff'], before.rows['old_stuff']);
});

t.test('dropping a column that a kept index uses', async (t) => {
  const setup = `
    CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, c TEXT, "desc" TEXT);
    CREATE INDEX i_plain ON t (c);
    CREATE INDEX i_expr ON t (lower(c));
    CREATE INDEX i_partial ON t (a) WHERE c IS NOT NULL;
    CREATE INDEX i_ok ON t (a);
    CREATE INDEX i_desc ON t (a DESC) WHERE a IS NOT NULL;
    INSERT INTO t VALUES (1, 'x', 'y', 'd'), (2, 'z', NULL, NULL);
  `;
  const {
    plan: made,
    after,
    before,
    db,
  } = await converge(t, setup, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);', {
    allowDrops: { columns: { t: ['c', 'desc'] } },
  });
  t.same(after.rows['t'], without(before.rows['t'], 'c', 'desc'));
  const left = (await introspect(db.client)).indexes.map((i) => i.name);
  t.same(
    left,
    ['i_desc', 'i_ok'],
    'indexes over the dropped column go with it (by name, expression or WHERE); the others are kept',
  );
  t.same(
    made.skipped.map((s) => s.object).sort(),
    ['i_desc', 'i_ok'],
    'only the indexes that survive are reported as kept (a DESC keyword is not the dropped "desc" column)',
  );
});

t.test('dropping a child table while rebuilding its parent', async (t) => {
  const setup = `
    CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);
    INSERT INTO p VALUES (1, 'x'), (2, 'y'); INSERT INTO c VALUES (1, 1), (2, 2);
  `;
  const {
    plan: made,
    after,
    before,
  } = await converge(t, setup, 'CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT NOT NULL);', { allowDestructive: true });
  t.ok(made.steps.some((s) => s.kind === 'drop_table' && s.object === 'c'));
  t.same(after.rows, { p: before.rows['p'] });
});

t.test('dropping a parent table that a kept child references is reported', async (t) => {
  const setup = `
    CREATE TABLE p (id INTEGER PRIMARY KEY);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));
    INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, NULL);
  `;
  const { plan: made } = await converge(
    t,
    setup,
    'CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));',
    { allowDrops: { tables: ['p'] } },
  );
  t.match(made.warnings, [/dropped table p is still referenced/]);
});

t.test('dropping a table drops its views when allowed and keeps views that are not', async (t) => {
  const setup = `
    CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE gone (id INTEGER PRIMARY KEY, v TEXT);
    CREATE VIEW v_gone AS SELECT v FROM gone;
    CREATE TRIGGER trg_gone AFTER INSERT ON gone BEGIN SELECT 1; END;
    INSERT INTO gone VALUES (1, 'x');
  `;
  const { plan: made, db } = await converge(t, setup, 'CREATE TABLE a (id INTEGER PRIMARY KEY);', {
    allowDestructive: true,
  });
  t.same(
    made.steps.map((s) => [s.kind, s.object]),
    [
      ['drop_trigger', 'trg_gone'],
      ['drop_view', 'v_gone'],
      ['drop_table', 'gone'],
    ],
    'the table, and by name what goes with it',
  );
  t.same(
    (await introspect(db.client)).tables.map((x) => x.name),
    ['a'],
  );
});

t.test('rename hints', async (t) => {
  await t.test('a renamed table keeps its rows, indexes, triggers and the views over it', async (t) => {
    const setup = `
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INT REFERENCES customers(id));
      CREATE INDEX idx_name ON customers (name);
      CREATE VIEW v AS SELECT name FROM customers;
      INSERT INTO customers VALUES (1, 'ann'), (2, 'bob'); INSERT INTO orders VALUES (10, 2);
    `;
    const desired = `
      CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INT REFERENCES clients(id));
      CREATE INDEX idx_name ON clients (name);
      CREATE VIEW v AS SELECT name FROM clients;
    `;
    const {
      plan: made,
      before,
      after,
      db,
    } = await converge(t, setup, desired, { renames: { tables: { clients: 'customers' } } });
    t.same(
      made.steps.map((s) => s.kind),
      ['rename_table'],
      'one ALTER TABLE RENAME (SQLite rewrites the references)',
    );
    t.same(after.rows['clients'], before.rows['customers']);
    t.same(after.rows['orders'], before.rows['orders']);
    t.same(await rows(db.client, 'SELECT name FROM v ORDER BY name'), [{ name: 'ann' }, { name: 'bob' }]);
  });
  await t.test('without the hint a rename is a new table and the old one is kept', async (t) => {
    const {
      plan: made,
      after,
      before,
    } = await converge(
      t,
      'CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1);',
      'CREATE TABLE b (id INTEGER PRIMARY KEY);',
    );
    t.same(
      made.steps.map((s) => s.kind),
      ['create_table'],
    );
    t.same(
      made.skipped.map((s) => s.object),
      ['a'],
    );
    t.same(after.rows['a'], before.rows['a']);
  });
  await t.test('a renamed column keeps its data, also through a rebuild', async (t) => {
    const setup =
      "CREATE TABLE p (id INTEGER PRIMARY KEY, fullname TEXT, age INT); CREATE INDEX i ON p (fullname); INSERT INTO p VALUES (1, 'Ann', 30), (2, 'Bob', 40);";
    const desired =
      'CREATE TABLE p (id INTEGER PRIMARY KEY, display_name TEXT NOT NULL, age INT); CREATE INDEX i ON p (display_name);';
    const {
      plan: made,
      after,
      db,
    } = await converge(t, setup, desired, { renames: { columns: { p: { display_name: 'fullname' } } } });
    t.equal(made.steps[0]?.kind, 'rename_column');
    t.ok(
      made.steps.some((s) => s.kind === 'rebuild_table'),
      'and the NOT NULL change rebuilds',
    );
    t.same(pick(after.rows['p'], 'id', 'display_name', 'age'), [
      { id: 1, display_name: 'Ann', age: 30 },
      { id: 2, display_name: 'Bob', age: 40 },
    ]);
    t.same(made.skipped, [], 'the old name is not reported as unwanted');
    t.ok((await introspect(db.client)).indexes.some((i) => i.name === 'i'));
  });
  await t.test('kept objects recreated after a rename and a rebuild read the new names', async (t) => {
    const setup = `
      CREATE TABLE c (id INTEGER PRIMARY KEY, n TEXT, q INT);
      CREATE TABLE log (m TEXT);
      CREATE INDEX i_n ON c (n) WHERE q > 0;
      CREATE VIEW v AS SELECT n, q FROM c;
      CREATE VIEW v_cols (x) AS SELECT n FROM c;
      CREATE TRIGGER tr AFTER UPDATE OF n ON c BEGIN INSERT INTO log VALUES (NEW.n); END;
      INSERT INTO c VALUES (1, 'a', 1), (2, 'b', 0);
    `;
    // table c → k, column n → name, and q changes type: the rebuild must recreate every kept object
    const desired = 'CREATE TABLE k (id INTEGER PRIMARY KEY, name TEXT, q REAL); CREATE TABLE log (m TEXT);';
    const {
      plan: made,
      db,
      before,
      after,
    } = await converge(t, setup, desired, { renames: { tables: { k: 'c' }, columns: { k: { name: 'n' } } } });
    t.same(
      made.steps.slice(0, 2).map((s) => s.kind),
      ['rename_table', 'rename_column'],
    );
    t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'k'));
    t.same(made.skipped.map((s) => s.object).sort(), ['i_n', 'tr', 'v', 'v_cols']);
    t.same(
      pick(after.rows['k'], 'id', 'name', 'q'),
      pick(before.rows['c'], 'id', 'n', 'q').map((r) => ({ id: r['id'], name: r['n'], q: r['q'] })),
    );
    t.same(
      await rows(db.client, 'SELECT * FROM v ORDER BY 1'),
      [
        { name: 'a', q: 1 },
        { name: 'b', q: 0 },
      ],
      'kept view works',
    );
    t.same(
      await rows(db.client, 'SELECT x FROM v_cols ORDER BY 1'),
      [{ x: 'a' }, { x: 'b' }],
      "a view's own column names are not renamed",
    );
    await db.client.execute("UPDATE k SET name = 'z' WHERE id = 1");
    t.same(
      await rows(db.client, 'SELECT m FROM log'),
      [{ m: 'z' }],
      'kept trigger (UPDATE OF the renamed column) fires',
    );
    t.same(
      (await introspect(db.client)).indexes.map((i) => i.name),
      ['i_n'],
      'kept partial index recreated',
    );
  });
  await t.test('CHECKs, generated columns and foreign keys follow a renamed column: only the rename', async (t) => {
    const setup = `
      CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE, qty INT CHECK (qty >= 0), twice INT AS (qty * 2) STORED, CHECK (qty < 1000));
      CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));
      INSERT INTO p (id, code, qty) VALUES (1, 'a', 3); INSERT INTO c VALUES (1, 'a');
    `;
    const desired = `
      CREATE TABLE p (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, amount INT CHECK (amount >= 0), twice INT AS (amount * 2) STORED, CHECK (amount < 1000));
      CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(ref));
    `;
    const { plan: made, after } = await converge(t, setup, desired, {
      renames: { columns: { p: { ref: 'code', amount: 'qty' } } },
    });
    t.same(
      made.steps.map((s) => s.kind),
      ['rename_column', 'rename_column'],
      'no rebuild: SQLite rewrote every use',
    );
    t.same(pick(after.rows['p'], 'id', 'ref', 'amount', 'twice'), [{ id: 1, ref: 'a', amount: 3, twice: 6 }]);
    t.same(pick(after.rows['c'], 'id', 'code'), [{ id: 1, code: 'a' }], "c's own column named code is not renamed");
  });
  await t.test('kept columns that use a renamed column or table survive a rebuild', async (t) => {
    const setup = `
      CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
      CREATE TABLE t (id INTEGER PRIMARY KEY, qty INT, below INT CHECK (below < qty), twice INT AS (qty * 2), p INT REFERENCES p(id), pcode TEXT REFERENCES p(code));
      INSERT INTO p VALUES (1, 'a'); INSERT INTO t (id, qty, below, p, pcode) VALUES (1, 5, 1, 1, 'a');
    `;
    // p → parents (its code → ref); t.qty → amount and NOT NULL (a rebuild), every other column of t kept
    const desired =
      'CREATE TABLE parents (id INTEGER PRIMARY KEY, ref TEXT UNIQUE); CREATE TABLE t (id INTEGER PRIMARY KEY, amount INT NOT NULL);';
    const {
      plan: made,
      after,
      db,
    } = await converge(t, setup, desired, {
      renames: { tables: { parents: 'p' }, columns: { parents: { ref: 'code' }, t: { amount: 'qty' } } },
    });
    t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 't'));
    t.same(made.skipped.map((s) => s.object).sort(), ['t.below', 't.p', 't.pcode', 't.twice']);
    t.same(pick(after.rows['t'], 'id', 'amount', 'below', 'twice', 'p', 'pcode'), [
      { id: 1, amount: 5, below: 1, twice: 10, p: 1, pcode: 'a' },
    ]);
    const table = findByName((await introspect(db.client)).tables, 't');
    t.same(
      table?.foreignKeys.map((fk) => [fk.columns, fk.targetTable, fk.targetColumns]).sort(),
      [
        [['p'], 'parents', ['id']],
        [['pcode'], 'parents', ['ref']],
      ],
      'kept foreign keys point at the renamed table and column',
    );
    await t.rejects(
      db.client.execute('UPDATE t SET below = 9 WHERE id = 1'),
      /CHECK/,
      'the kept CHECK now reads amount',
    );
  });
  await t.test('renaming a column named like a keyword leaves the keyword alone', async (t) => {
    const setup = `
      CREATE TABLE t1 (id INTEGER PRIMARY KEY, "select" NUMERIC, "end" TEXT);
      CREATE TABLE log (m);
      CREATE TRIGGER trg AFTER UPDATE OF "select" ON t1 BEGIN SELECT NEW.id; INSERT INTO log SELECT NEW."end"; END;
      CREATE VIEW v AS SELECT "select", "end" FROM t1 WHERE "select" > 0;
      INSERT INTO t1 VALUES (1, 2, 'e');
    `;
    // t1 → t0, select → c0, and a type change: the kept trigger and view are recreated after the rebuild
    const desired = 'CREATE TABLE t0 (id INTEGER PRIMARY KEY, c0 INTEGER, "end" TEXT); CREATE TABLE log (m);';
    const { db, plan: made } = await converge(t, setup, desired, {
      renames: { tables: { t0: 't1' }, columns: { t0: { c0: 'select' } } },
    });
    t.ok(
      made.steps.some(
        (s) =>
          s.kind === 'create_trigger' && /BEGIN SELECT NEW\.id; INSERT INTO log SELECT NEW\."end"; END$/.test(s.sql),
      ),
      'SELECT and END are still keywords',
    );
    await db.client.execute('UPDATE t0 SET c0 = 3');
    t.same(await rows(db.client, 'SELECT m FROM log'), [{ m: 'e' }]);
    t.same(await rows(db.client, 'SELECT * FROM v'), [{ c0: 3, end: 'e' }]);
  });
  await t.test('a hint that does not fit this database is ignored', async (t) => {
    const { plan: made } = await converge(
      t,
      'CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);',
      'CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);',
      { renames: { tables: { a: 'zzz' }, columns: { a: { x: 'nope' } } } },
    );
    t.same(made.steps, []);
  });
});

t.test('data steps run once, in the same batch, after the schema changes', async (t) => {
  await t.test('applied with the schema', async (t) => {
    const setup = "CREATE TABLE acct (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO acct VALUES (1, 'a'), (2, 'b');";
    const desired = "CREATE TABLE acct (id INTEGER PRIMARY KEY, name TEXT, tier TEXT NOT NULL DEFAULT 'free');";
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, setup);
    const made = await migrateTo(db.client, desired, {
      dataSteps: [{ version: '2.0.0', sql: "UPDATE acct SET tier = 'gold' WHERE id = 2" }],
    });
    t.same(
      made.steps.map((s) => s.kind),
      ['add_column', 'data'],
    );
    t.equal(made.steps[1]?.object, 'version 2.0.0');
    t.same(await rows(db.client, 'SELECT id, tier FROM acct ORDER BY id'), [
      { id: 1, tier: 'free' },
      { id: 2, tier: 'gold' },
    ]);
  });
  await t.test('a failing data step leaves the database unchanged', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, "CREATE TABLE acct (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO acct VALUES (1, 'a');");
    const before = await snapshot(db.client);
    const error = await migrateTo(
      db.client,
      'CREATE TABLE acct (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INT DEFAULT 0);',
      {
        dataSteps: [
          { version: '2.0.0', sql: 'UPDATE acct SET n = 1' },
          { version: '2.0.0', sql: 'UPDATE acct SET name = NULL' },
        ],
      },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, ApplyError);
    t.equal((error as ApplyError).statement, 'UPDATE acct SET name = NULL');
    t.equal((error as ApplyError).step?.kind, 'data');
    t.same(await snapshot(db.client), before);
  });
});
