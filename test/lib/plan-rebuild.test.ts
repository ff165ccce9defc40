/**
 * Planner + applier: every table change ADD COLUMN cannot make goes through SQLite's 12-step
 * rebuild, which keeps every row (and implicit rowids and the AUTOINCREMENT sequence), recreates
 * indexes, triggers and dependent views, and never fires an ON DELETE cascade.
 */
import type { Value } from '@libsql/client';
import t, { type Test } from 'tap';
import { introspect } from '../../lib/introspect.js';
import { findByName } from '../../lib/model.js';
import { dirFor, converge, exec, migrateTo, pick, rows, snapshot, tempDb, without, workSteps } from './_support.js';

interface Case {
  readonly label: string;
  readonly setup: string;
  readonly desired: string;
  readonly reason: RegExp;
  /** Compare the rows of these tables before and after (default: all). */
  readonly check?: (t: Test, before: Rows, after: Rows) => void;
}
type Rows = Record<string, Array<Record<string, Value>>>;

const ROWS = "INSERT INTO t (id, a, b) VALUES (1, 'x', 10), (2, 'Y', 20), (7, NULL, 30);";

const cases: Case[] = [
  {
    label: 'type change',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL)',
    reason: /column b changed/,
    check: (t, before, after) => {
      t.same(pick(after['t'], 'id', 'a'), pick(before['t'], 'id', 'a'));
      t.same(
        after['t']?.map((r) => r['b']),
        [10, 20, 30],
        'values converted by the new affinity',
      );
    },
  },
  {
    label: 'nullability (NOT NULL added, rows satisfy it)',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL)',
    reason: /column b changed/,
  },
  {
    label: 'nullability (NOT NULL removed)',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)',
    reason: /column b changed/,
  },
  {
    label: 'default change',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'old', b INTEGER); ${ROWS}`,
    desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'new', b INTEGER)",
    reason: /column a changed/,
  },
  {
    label: 'column CHECK added',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER CHECK (b > 0))',
    reason: /CHECK constraints changed/,
  },
  {
    label: 'table CHECK changed',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, CHECK (b < 100)); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, CHECK (b < 1000))',
    reason: /CHECK/,
  },
  {
    label: 'COLLATE change',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b INTEGER)',
    reason: /column a changed/,
  },
  {
    label: 'STRICT added',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) STRICT',
    reason: /STRICT/,
  },
  {
    label: 'STRICT removed',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) STRICT; ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)',
    reason: /STRICT/,
  },
  {
    label: 'WITHOUT ROWID added',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) WITHOUT ROWID',
    reason: /WITHOUT ROWID/,
    check: (t, before, after) => t.same(without(after['t'], '__rowid'), without(before['t'], '__rowid')),
  },
  {
    label: 'WITHOUT ROWID removed',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) WITHOUT ROWID; ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)',
    reason: /WITHOUT ROWID/,
    check: (t, before, after) => t.same(without(after['t'], '__rowid'), without(before['t'], '__rowid')),
  },
  {
    label: 'primary key change (single → composite)',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER NOT NULL, a TEXT, b INTEGER NOT NULL, PRIMARY KEY (id, b))',
    reason: /primary key|column (id|b) changed/,
    // id was the rowid; with a composite key the table gets an implicit rowid of its own
    check: (t, before, after) => t.same(without(after['t'], '__rowid'), without(before['t'], '__rowid')),
  },
  {
    label: 'column order change',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a TEXT)',
    reason: /column order/,
  },
  {
    label: 'UNIQUE constraint added (rows satisfy it)',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER UNIQUE)',
    reason: /UNIQUE|column b changed/,
  },
  {
    label: 'AUTOINCREMENT added',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b INTEGER)',
    reason: /AUTOINCREMENT/,
  },
  {
    label: 'generated column expression change',
    setup: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, g INT AS (b * 2) STORED); ${ROWS}`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, g INT AS (b * 3) STORED)',
    reason: /column g changed/,
    check: (t, before, after) => {
      t.same(without(after['t'], 'g'), without(before['t'], 'g'));
      t.same(
        after['t']?.map((r) => r['g']),
        [30, 60, 90],
        'generated values recomputed',
      );
    },
  },
];

for (const c of cases) {
  t.test(`rebuild: ${c.label}`, async (t) => {
    const { plan: made, before, after } = await converge(t, c.setup, c.desired);
    const work = workSteps(made);
    t.ok(work.length >= 4 && work.every((s) => s.kind === 'rebuild_table'), 'a rebuild');
    t.match(work[0]?.reason, c.reason, 'the reason names the change');
    t.ok(
      made.steps.some((s) => s.kind === 'assert' && s.object === 'foreign_keys'),
      'proves foreign keys are off',
    );
    t.ok(
      made.steps.some((s) => s.kind === 'assert' && /count\(\*\) FROM main\."t"\) = /.test(s.sql)),
      'proves the row count is unchanged',
    );
    t.ok(
      made.steps.some((s) => s.kind === 'assert' && /pragma_foreign_key_check/.test(s.sql)),
      'runs the foreign-key check before commit',
    );
    if (c.check !== undefined) c.check(t, before.rows, after.rows);
    else t.same(after.rows, before.rows, 'every row and rowid unchanged');
  });
}

t.test('a foreign key change: every row kept, the new key enforced', async (t) => {
  const setup = `
    CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));
    INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1), (11, 2), (12, NULL);
  `;
  const desired = `
    CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE ON UPDATE CASCADE);
  `;
  const { plan: made, before, after, db } = await converge(t, setup, desired);
  t.match(workSteps(made)[0]?.reason, /foreign keys changed/);
  t.same(after.rows, before.rows);
  await db.client.execute('DELETE FROM p WHERE id = 1');
  t.same(
    await rows(db.client, 'SELECT id FROM c ORDER BY id'),
    [{ id: 11 }, { id: 12 }],
    'the new cascade works afterwards',
  );
});

t.test('a new foreign key that existing rows violate fails the batch (foreign_key_check), unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    `
    CREATE TABLE p (id INTEGER PRIMARY KEY);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT);
    INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1), (2, 99);
  `,
  );
  const before = await snapshot(db.client);
  const error = await migrateTo(
    db.client,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));',
  ).then(
    () => null,
    (e: unknown) => e as Error & { step?: { kind: string; sql: string } | null },
  );
  t.ok(error, 'fails');
  t.match(error?.message, /CHECK constraint failed/);
  t.equal(error?.step?.kind, 'assert');
  t.match(error?.step?.sql, /pragma_foreign_key_check\('c'\)/, 'the foreign-key check names the table');
  t.same(await snapshot(db.client), before, 'unchanged');
});

t.test('foreign-key violations the database already has do not block a rebuild', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id), v INT); INSERT INTO p VALUES (1);',
  );
  await db.client.migrate(['INSERT INTO c VALUES (1, 1, 0), (2, 99, 0)']); // written with foreign keys off
  const before = await snapshot(db.client);
  await migrateTo(
    db.client,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id), v INT NOT NULL);',
  );
  t.same((await snapshot(db.client)).rows, before.rows);
  t.same(
    await rows(db.client, 'SELECT rowid, parent FROM pragma_foreign_key_check'),
    [{ rowid: 2, parent: 'p' }],
    'the old violation, no new one',
  );
});

t.test('a rebuild may not trade old foreign-key violations for new ones', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, x INT REFERENCES p(id), y INT); INSERT INTO p VALUES (1);',
  );
  await db.client.migrate(['INSERT INTO c VALUES (1, 99, 5)']); // one violation towards p
  const before = await snapshot(db.client);
  // x (and its violation) goes; y gains a foreign key that its value 5 violates
  const error = await migrateTo(
    db.client,
    'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, y INT REFERENCES c(id));',
    { allowDestructive: true },
  ).then(
    () => null,
    (e: unknown) => e as Error & { step?: { kind: string; reason: string } | null },
  );
  t.ok(error, 'refused');
  t.equal(error?.step?.kind, 'assert');
  t.match(error?.step?.reason, /must not add foreign-key violations in c/);
  t.same(await snapshot(db.client), before, 'unchanged');
});

t.test('implicit rowids survive a rebuild (they may be referenced)', async (t) => {
  const setup = `
    CREATE TABLE notes (body TEXT, prio INT);
    INSERT INTO notes (rowid, body, prio) VALUES (5, 'five', 1), (100, 'hundred', 2), (3, 'three', 3);
    DELETE FROM notes WHERE rowid = 3;
    CREATE TABLE refs (note_rowid INT);
    INSERT INTO refs VALUES (5), (100);
  `;
  const { before, after, db } = await converge(
    t,
    setup,
    'CREATE TABLE notes (body TEXT NOT NULL, prio REAL); CREATE TABLE refs (note_rowid INT);',
  );
  t.same(
    pick(after.rows['notes'], '__rowid', 'body'),
    pick(before.rows['notes'], '__rowid', 'body'),
    'rowids 5 and 100 kept',
  );
  t.same(
    await rows(db.client, 'SELECT n.body FROM refs r JOIN notes n ON n.rowid = r.note_rowid ORDER BY 1'),
    [{ body: 'five' }, { body: 'hundred' }],
    'references by rowid still resolve',
  );
});

t.test('a column named rowid is data, not the rowid', async (t) => {
  const setup = "CREATE TABLE odd (rowid TEXT, v INT); INSERT INTO odd VALUES ('r1', 1), ('r2', 2);";
  const { before, after } = await converge(t, setup, 'CREATE TABLE odd (rowid TEXT, v INT NOT NULL)');
  t.same(after.rows, before.rows);
});

t.test('AUTOINCREMENT: the sequence survives a rebuild, ids are never reused', async (t) => {
  const setup = `
    CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
    INSERT INTO seq (v) VALUES ('a'), ('b'), ('c'), ('d');
    DELETE FROM seq WHERE id >= 3;
  `;
  const { before, after, db } = await converge(
    t,
    setup,
    'CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)',
  );
  t.same(after.rows['seq'], before.rows['seq']);
  t.same(
    await rows(db.client, "SELECT seq FROM sqlite_sequence WHERE name = 'seq'"),
    [{ seq: 4 }],
    'sequence still at 4, not 2',
  );
  await db.client.execute("INSERT INTO seq (v) VALUES ('e')");
  t.same(await rows(db.client, "SELECT id FROM seq WHERE v = 'e'"), [{ id: 5 }], 'the next id is 5');
  t.same(await rows(db.client, 'SELECT count(*) AS n FROM sqlite_sequence'), [{ n: 1 }], 'one sequence row');
});

t.test("a rebuild recreates the table's indexes, triggers and dependent views (incl. a view on a view)", async (t) => {
  const objects = `
    CREATE INDEX idx_a ON t (a);
    CREATE UNIQUE INDEX idx_b_partial ON t (b DESC) WHERE b > 0;
    CREATE INDEX idx_expr ON t (lower(a) COLLATE NOCASE);
    CREATE TABLE log (msg TEXT);
    CREATE TRIGGER trg_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || NEW.id); END;
    CREATE TRIGGER trg_other AFTER INSERT ON log WHEN NEW.msg = 'poke' BEGIN UPDATE t SET b = b + 1 WHERE id = 1; END;
    CREATE VIEW v1 AS SELECT id, a FROM t;
    CREATE VIEW v2 AS SELECT a FROM v1 WHERE id > 1;
    CREATE VIEW v3 AS SELECT count(*) AS n FROM v2;
    CREATE VIEW unrelated AS SELECT msg FROM log;
  `;
  const setup = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); ${objects} ${ROWS} DELETE FROM log;`;
  const desired = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL); ${objects}`;
  const { plan: made, before, after, db } = await converge(t, setup, desired);
  t.same(after.rows, before.rows, 'rows unchanged');
  const created = (kind: string): string[] =>
    made.steps
      .filter((s) => s.kind === kind)
      .map((s) => s.object)
      .sort();
  t.same(created('create_index'), ['idx_a', 'idx_b_partial', 'idx_expr'], 'indexes recreated');
  t.same(created('create_view'), ['v1', 'v2', 'v3'], 'the dependent views, transitively');
  t.same(created('create_trigger'), ['trg_ins', 'trg_other'], 'its trigger, and a trigger whose body uses it');
  const order = made.steps.filter((s) => s.kind === 'create_view').map((s) => s.object);
  t.ok(
    order.indexOf('v1') < order.indexOf('v2') && order.indexOf('v2') < order.indexOf('v3'),
    'views in dependency order',
  );
  const notT = (schema: typeof before.schema): typeof before.schema => schema.filter((row) => row['name'] !== 't');
  t.same(notT(after.schema), notT(before.schema), "every other object's text exactly as before");
  await db.client.execute("INSERT INTO t (id, a, b) VALUES (9, 'new', 1)");
  t.same(await rows(db.client, 'SELECT msg FROM log'), [{ msg: 'ins 9' }], 'trigger fires');
  t.same(await rows(db.client, 'SELECT n FROM v3'), [{ n: 3 }], 'view on a view works');
  await t.rejects(
    db.client.execute("INSERT INTO t (id, a, b) VALUES (10, 'dup', 20)"),
    /UNIQUE/,
    'unique partial index enforced',
  );
});

t.test('no ON DELETE cascade fires when a parent with children is rebuilt', async (t) => {
  const setup = `
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE child_cascade (id INTEGER PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent(id) ON DELETE CASCADE);
    CREATE TABLE child_null (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id) ON DELETE SET NULL);
    CREATE TABLE child_default (id INTEGER PRIMARY KEY, parent_id INT DEFAULT 0 REFERENCES parent(id) ON DELETE SET DEFAULT);
    CREATE TABLE child_restrict (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id) ON DELETE RESTRICT);
    CREATE TABLE grandchild (id INTEGER PRIMARY KEY, child_id INT REFERENCES child_cascade(id) ON DELETE CASCADE);
    INSERT INTO parent VALUES (1, 'a'), (2, 'b');
    INSERT INTO child_cascade VALUES (10, 1), (11, 2);
    INSERT INTO child_null VALUES (20, 1), (21, 2);
    INSERT INTO child_default VALUES (30, 1);
    INSERT INTO child_restrict VALUES (40, 2);
    INSERT INTO grandchild VALUES (100, 10), (101, 11);
  `;
  const desired = setup
    .replace(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);',
      'CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, extra TEXT UNIQUE);',
    )
    .split('\n')
    .filter((line) => !/INSERT/.test(line))
    .join('\n')
    .replace(
      'CREATE TABLE child_cascade (id INTEGER PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent(id) ON DELETE CASCADE);',
      "CREATE TABLE child_cascade (id INTEGER PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent(id) ON DELETE CASCADE, note TEXT NOT NULL DEFAULT '');",
    );
  const { plan: made, before, after } = await converge(t, setup, desired);
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'parent'));
  t.same(without(after.rows['parent'], 'extra'), before.rows['parent']);
  for (const table of ['child_null', 'child_default', 'child_restrict', 'grandchild']) {
    t.same(after.rows[table], before.rows[table], `${table}: every row unchanged`);
  }
  t.same(
    without(after.rows['child_cascade'], 'note'),
    before.rows['child_cascade'],
    'child_cascade: every row unchanged',
  );
  const counted = made.steps
    .filter((s) => s.kind === 'assert' && /row count of/.test(s.reason))
    .map((s) => s.object)
    .sort();
  t.same(
    counted,
    ['child_cascade', 'child_default', 'child_null', 'child_restrict', 'parent'],
    'row counts of the table and its children are asserted',
  );
});

t.test('rebuilding a parent and a child in the same plan', async (t) => {
  const setup = `
    CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id) ON DELETE CASCADE, w TEXT);
    CREATE TABLE s (id INTEGER PRIMARY KEY, parent INT REFERENCES s(id) ON DELETE CASCADE, x INT);
    INSERT INTO a VALUES (1, 'x'), (2, 'y'); INSERT INTO b VALUES (1, 1, 'p'), (2, 2, 'q');
    INSERT INTO s VALUES (1, NULL, 1), (2, 1, 2), (3, 2, 3);
  `;
  const desired = `
    CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
    CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT NOT NULL REFERENCES a(id) ON DELETE CASCADE, w TEXT);
    CREATE TABLE s (id INTEGER PRIMARY KEY, parent INT REFERENCES s(id) ON DELETE CASCADE, x REAL);
  `;
  const { before, after } = await converge(t, setup, desired);
  t.same(after.rows, before.rows, 'parent, child and self-referencing rows unchanged');
});

t.test('a rebuild whose table has only a virtual generated column and a kept column', async (t) => {
  const setup =
    "CREATE TABLE g (id INTEGER PRIMARY KEY, a TEXT, v TEXT AS (upper(a)), old TEXT); INSERT INTO g (id, a, old) VALUES (1, 'x', 'keep me');";
  const {
    before,
    after,
    plan: made,
    db,
  } = await converge(t, setup, 'CREATE TABLE g (id INTEGER PRIMARY KEY, a TEXT NOT NULL, v TEXT AS (upper(a)))');
  t.same(after.rows, before.rows, 'kept column and its data survive the rebuild');
  t.same(
    made.skipped.map((s) => s.object),
    ['g.old'],
  );
  const table = findByName((await introspect(db.client)).tables, 'g');
  t.same(
    table?.columns.map((c) => c.name),
    ['id', 'a', 'v', 'old'],
    'the kept column goes last',
  );
});
