/**
 * Planner: indexes, triggers and views added, changed (drop + create) or unwanted (kept and
 * reported by default, dropped when allowed); autoindexes are never confused with named indexes.
 */
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { dirFor, converge, exec, kindsOf, planTo, rows, tempDb } from './_support.js';

const TABLES = `
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT);
CREATE TABLE log (msg TEXT);
`;
const ROWS = "INSERT INTO t VALUES (1, 'x', 1, 'p'), (2, 'y', 2, 'q'), (3, 'z', 2, NULL);";

t.test('indexes of every kind are added', async (t) => {
  const indexes = `
    CREATE INDEX i_plain ON t (a);
    CREATE UNIQUE INDEX i_unique ON t (a, b);
    CREATE INDEX i_partial ON t (b) WHERE c IS NOT NULL;
    CREATE INDEX i_expr ON t (lower(a), b * 2);
    CREATE INDEX i_desc ON t (b DESC, a ASC);
    CREATE INDEX i_coll ON t (c COLLATE NOCASE);
  `;
  const { plan: made, before, after, db } = await converge(t, `${TABLES}${ROWS}`, `${TABLES}${indexes}`);
  t.same(kindsOf(made), Array(6).fill('create_index'));
  t.same(after.rows, before.rows);
  const schema = await introspect(db.client);
  t.same(
    schema.indexes.map((i) => i.name),
    ['i_coll', 'i_desc', 'i_expr', 'i_partial', 'i_plain', 'i_unique'],
  );
  t.match(schema.indexes.find((i) => i.name === 'i_desc')?.columns, [
    { name: 'b', desc: true },
    { name: 'a', desc: false },
  ]);
});

t.test('a changed index is dropped and recreated', async (t) => {
  const changes: Array<[string, string]> = [
    ['CREATE INDEX i ON t (a)', 'CREATE INDEX i ON t (a, b)'],
    ['CREATE INDEX i ON t (a)', 'CREATE UNIQUE INDEX i ON t (a)'],
    ['CREATE INDEX i ON t (a)', 'CREATE INDEX i ON t (a DESC)'],
    ['CREATE INDEX i ON t (a)', 'CREATE INDEX i ON t (a COLLATE NOCASE)'],
    ['CREATE INDEX i ON t (a)', 'CREATE INDEX i ON t (a) WHERE b > 1'],
    ['CREATE INDEX i ON t (b) WHERE b > 1', 'CREATE INDEX i ON t (b) WHERE b > 2'],
    ['CREATE INDEX i ON t (lower(a))', 'CREATE INDEX i ON t (upper(a))'],
    ['CREATE INDEX i ON t (a)', 'CREATE INDEX i ON log (msg)'],
  ];
  for (const [from, to] of changes) {
    await t.test(`${from} → ${to}`, async (t) => {
      const { plan: made, before, after } = await converge(t, `${TABLES}${from};${ROWS}`, `${TABLES}${to};`);
      t.same(kindsOf(made), ['drop_index', 'create_index']);
      t.equal(made.steps[0]?.destructive, false, 'dropping to recreate is not destructive');
      t.same(after.rows, before.rows);
    });
  }
});

t.test('a unique index that existing rows violate: the apply fails', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, `${TABLES}${ROWS}`);
  const made = await planTo(db.client, `${TABLES}CREATE UNIQUE INDEX i ON t (b);`);
  t.same(kindsOf(made), ['create_index'], 'planning does not look at rows (apply tests cover the failure)');
});

t.test('unwanted index, trigger and view: kept and reported by default, dropped when allowed', async (t) => {
  const extra = `
    CREATE INDEX i_extra ON t (a);
    CREATE TRIGGER trg_extra AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x'); END;
    CREATE VIEW v_extra AS SELECT a FROM t;
  `;
  const setup = `${TABLES}${extra}${ROWS}`;
  await t.test('default: kept, skipped', async (t) => {
    const { plan: made, before, after } = await converge(t, setup, TABLES);
    t.same(made.steps, []);
    t.same(made.skipped.map((s) => [s.kind, s.object]).sort(), [
      ['index', 'i_extra'],
      ['trigger', 'trg_extra'],
      ['view', 'v_extra'],
    ]);
    t.same([after.schema, after.rows], [before.schema, before.rows], 'nothing changed');
  });
  await t.test('allowDestructive: dropped, marked destructive', async (t) => {
    const { plan: made, before, after, db } = await converge(t, setup, TABLES, { allowDestructive: true });
    t.same(made.steps.map((s) => [s.kind, s.object, s.destructive]).sort(), [
      ['drop_index', 'i_extra', true],
      ['drop_trigger', 'trg_extra', true],
      ['drop_view', 'v_extra', true],
    ]);
    t.same(made.skipped, []);
    t.same(after.rows, before.rows, 'no rows lost');
    const schema = await introspect(db.client);
    t.same([schema.indexes.length, schema.triggers.length, schema.views.length], [0, 0, 0]);
  });
  await t.test("a version's allowance names what may go", async (t) => {
    const { plan: made } = await converge(t, setup, TABLES, {
      allowDrops: { indexes: ['I_EXTRA'], views: ['v_extra'] },
    });
    t.same(
      made.steps.map((s) => s.object).sort(),
      ['i_extra', 'v_extra'],
      'allowance matches names case-insensitively',
    );
    t.same(
      made.skipped.map((s) => s.object),
      ['trg_extra'],
    );
  });
});

t.test('triggers and views: added and changed', async (t) => {
  const v1 = `${TABLES}
    CREATE TRIGGER trg AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('v1'); END;
    CREATE VIEW v AS SELECT a FROM t;
    CREATE VIEW v_on_v AS SELECT * FROM v;
  `;
  const v2 = `${TABLES}
    CREATE TRIGGER trg AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('v2'); END;
    CREATE TRIGGER trg_new BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no deletes'); END;
    CREATE VIEW v AS SELECT a, b FROM t;
    CREATE VIEW v_on_v AS SELECT * FROM v;
    CREATE VIEW v_new AS SELECT count(*) AS n FROM log;
  `;
  const { plan: made, db, before, after } = await converge(t, `${v1}${ROWS}`, v2);
  t.same(after.rows, before.rows);
  t.same(
    made.steps.filter((s) => s.kind === 'drop_view').map((s) => s.object),
    ['v_on_v', 'v'],
    'dependants dropped first',
  );
  t.same(
    made.steps.filter((s) => s.kind === 'create_view').map((s) => s.object),
    ['v', 'v_new', 'v_on_v'],
    'created in dependency order',
  );
  t.same(
    made.steps.filter((s) => s.kind === 'drop_trigger').map((s) => s.object),
    ['trg'],
  );
  t.same(
    made.steps
      .filter((s) => s.kind === 'create_trigger')
      .map((s) => s.object)
      .sort(),
    ['trg', 'trg_new'],
  );
  await db.client.execute("INSERT INTO t VALUES (9, 'n', 9, NULL)");
  t.same(
    await rows(db.client, "SELECT msg FROM log WHERE msg LIKE 'v%'"),
    [{ msg: 'v1' }, { msg: 'v1' }, { msg: 'v1' }, { msg: 'v2' }],
    'rows the old trigger wrote are kept; the new body runs',
  );
  await t.rejects(db.client.execute('DELETE FROM t'), /no deletes/);
  t.same(await rows(db.client, "SELECT * FROM v_on_v WHERE a = 'n'"), [{ a: 'n', b: 9 }]);
});

t.test('INSTEAD OF trigger on a view that is recreated', async (t) => {
  const ddl = (cols: string): string => `${TABLES}
    CREATE VIEW v AS SELECT ${cols} FROM t;
    CREATE TRIGGER trg_v INSTEAD OF INSERT ON v BEGIN INSERT INTO t (id, a) VALUES (NEW.id, NEW.a); END;
  `;
  const { db, plan: made } = await converge(t, `${ddl('id, a')}${ROWS}`, ddl('id, a, b'));
  t.ok(
    made.steps.some((s) => s.kind === 'create_trigger' && s.object === 'trg_v'),
    'the trigger goes with its view and comes back',
  );
  await db.client.execute("INSERT INTO v (id, a) VALUES (50, 'via view')");
  t.same(await rows(db.client, 'SELECT a FROM t WHERE id = 50'), [{ a: 'via view' }]);
});

t.test('autoindexes are never confused with named indexes', async (t) => {
  await t.test('a UNIQUE constraint becomes a named unique index', async (t) => {
    const setup = "CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE); INSERT INTO u VALUES (1, 'a'), (2, 'b');";
    const {
      plan: made,
      before,
      after,
      db,
    } = await converge(
      t,
      setup,
      'CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT); CREATE UNIQUE INDEX u_code ON u (code);',
    );
    t.ok(
      made.steps.some((s) => s.kind === 'rebuild_table'),
      'the constraint goes with a rebuild',
    );
    t.ok(made.steps.some((s) => s.kind === 'create_index' && s.object === 'u_code'));
    t.notOk(
      made.steps.some((s) => s.kind === 'drop_index'),
      'no DROP INDEX of an autoindex (SQLite refuses those)',
    );
    t.same(after.rows, before.rows);
    t.same(
      (await introspect(db.client)).indexes.map((i) => [i.name, i.origin]),
      [['u_code', 'c']],
    );
  });
  await t.test('a named unique index becomes a UNIQUE constraint', async (t) => {
    const setup =
      "CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT); CREATE UNIQUE INDEX u_code ON u (code); INSERT INTO u VALUES (1, 'a');";
    const { plan: made, db } = await converge(t, setup, 'CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE);', {
      allowDestructive: true,
    });
    t.ok(made.steps.some((s) => s.kind === 'rebuild_table'));
    t.same(
      (await introspect(db.client)).indexes.map((i) => i.origin),
      ['u'],
    );
  });
  await t.test('both: a constraint and a named index over the same column', async (t) => {
    const both =
      'CREATE TABLE u (code TEXT UNIQUE, k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID; CREATE UNIQUE INDEX u_code ON u (code); CREATE INDEX u_k ON u (k);';
    const { plan: made } = await converge(t, `${both} INSERT INTO u VALUES ('c', 'k', 'v');`, both);
    t.same(
      made.steps,
      [],
      'autoindexes for UNIQUE and PRIMARY KEY next to named indexes on the same columns: nothing to do',
    );
  });
  await t.test('an unwanted named index is not confused with an autoindex on the same column', async (t) => {
    const setup =
      "CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE); CREATE UNIQUE INDEX u_code ON u (code); INSERT INTO u VALUES (1, 'a');";
    const { plan: made } = await converge(t, setup, 'CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE);', {
      allowDestructive: true,
    });
    t.same(
      made.steps.map((s) => [s.kind, s.object]),
      [['drop_index', 'u_code']],
    );
  });
});

t.test('a kept unwanted index on a rebuilt table is recreated', async (t) => {
  const setup = `${TABLES} CREATE INDEX i_kept ON t (a) WHERE b > 0; ${ROWS}`;
  const { plan: made, db, before, after } = await converge(t, setup, TABLES.replace('b INTEGER', 'b INTEGER NOT NULL'));
  t.ok(made.steps.some((s) => s.kind === 'create_index' && s.object === 'i_kept'));
  t.same(
    made.skipped.map((s) => s.object),
    ['i_kept'],
  );
  t.same(after.rows, before.rows);
  t.same(
    (await introspect(db.client)).indexes.map((i) => i.name),
    ['i_kept'],
  );
});

t.test('a kept unwanted view and trigger on a rebuilt table are recreated as they were', async (t) => {
  const setup = `${TABLES}
    CREATE VIEW v_kept AS SELECT a FROM t;
    CREATE TRIGGER trg_kept AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.a); END;
    ${ROWS}`;
  const { plan: made, db } = await converge(t, setup, TABLES.replace('a TEXT', 'a TEXT NOT NULL'));
  t.same(made.skipped.map((s) => s.object).sort(), ['trg_kept', 'v_kept']);
  await db.client.execute("INSERT INTO t VALUES (10, 'kept', 1, NULL)");
  t.same(
    await rows(db.client, "SELECT count(*) AS n FROM log WHERE msg = 'kept'"),
    [{ n: 1 }],
    'the kept trigger still fires',
  );
  t.same(await rows(db.client, 'SELECT count(*) AS n FROM v_kept'), [{ n: 4 }], 'the kept view still works');
});
