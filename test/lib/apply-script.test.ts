/**
 * The native apply script (lib/apply-script.ts) does what the statement-by-statement batch does:
 * the same stored schema text, rows, audit row and sequences; a failure changes nothing and is
 * named by the batch replay; arguments are written in as literals only when that is faithful; and
 * plans the script cannot carry exactly go through the batch.
 */
import { copyFileSync } from 'node:fs';
import { createClient, type Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { applyPlan, ApplyError } from '../../lib/apply.js';
import { applyScript, inlineArguments } from '../../lib/apply-script.js';
import { readVersionState } from '../../lib/audit.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { planMigration, type Plan } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import {
  countingClient,
  dirFor,
  exec,
  fileBytes,
  foreignKeyViolations,
  integrityOk,
  rows,
  snapshot,
  tempDb,
  testAudit,
} from './_support.js';

/** The same client, but applyPlan sees a remote protocol and sends the batch (the path remote databases take). */
function asBatchOnly(client: Client): Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'protocol') return 'http';
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const BEFORE = `CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), note TEXT);
CREATE INDEX child_parent ON child (parent_id);
CREATE VIEW named AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
CREATE TRIGGER parent_touch AFTER UPDATE ON parent BEGIN UPDATE child SET note = 'touched' WHERE parent_id = NEW.id; END;
INSERT INTO parent (name) VALUES ('a'), ('b''s'), ('c');
INSERT INTO child (id, parent_id, note) VALUES (1, 1, 'x'), (2, 2, NULL), (3, NULL, 'orphan');`;
// A rebuild of child (the foreign key gains a cascade), a new column, a new table, indexes and the
// recreated view and trigger.
const AFTER = `CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, tier TEXT NOT NULL DEFAULT 'free');
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE, note TEXT);
CREATE INDEX child_parent ON child (parent_id);
CREATE INDEX child_note ON child (note) WHERE note IS NOT NULL;
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE VIEW named AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
CREATE TRIGGER parent_touch AFTER UPDATE ON parent BEGIN UPDATE child SET note = 'touched' WHERE parent_id = NEW.id; END;`;

async function twoCopies(t: Test) {
  const dir = dirFor(t);
  const a = tempDb(dir);
  await exec(a.client, BEFORE);
  const b = tempDb(dir);
  b.client.close();
  copyFileSync(a.path, b.path);
  const bClient = createClient({ url: b.url });
  t.teardown(() => {
    a.client.close();
    bClient.close();
  });
  return { a, b: { ...b, client: bClient } };
}

t.test('the script and the batch leave byte-for-byte the same schema, rows, sequences and audit row', async (t) => {
  const { a, b } = await twoCopies(t);
  const plan = planMigration(await introspect(a.client), await loadDesiredSchema(AFTER));
  t.ok(
    plan.steps.some((step) => step.kind === 'assert'),
    'the plan carries in-batch assertions (a rebuild)',
  );
  t.not(applyScript([], plan), null, 'this plan goes as a script');
  const viaScript = countingClient(a.client);
  await applyPlan(viaScript.client, plan, testAudit(), { tableExists: false, latestId: 0 });
  t.same(viaScript.calls, ['executeMultiple'], 'one script');
  const viaBatch = countingClient(asBatchOnly(b.client));
  await applyPlan(viaBatch.client, plan, testAudit(), { tableExists: false, latestId: 0 });
  t.same(viaBatch.calls, ['migrate'], 'one batch');
  t.same(
    await snapshot(a.client),
    await snapshot(b.client),
    'schema text, rows, sequences and audit rows are identical',
  );
  t.same(
    await rows(a.client, 'SELECT type, name, sql FROM sqlite_schema ORDER BY name'),
    await rows(b.client, 'SELECT type, name, sql FROM sqlite_schema ORDER BY name'),
  );
  t.same(
    await rows(a.client, 'PRAGMA foreign_keys'),
    [{ foreign_keys: 1 }],
    'foreign keys are back on for the connection',
  );
  t.ok(await integrityOk(a.client));
  t.equal(await foreignKeyViolations(a.client), 0);
  t.equal(planMigration(await introspect(a.client), await loadDesiredSchema(AFTER)).steps.length, 0, 'converged');
});

t.test('a failing script changes nothing and the batch replay names the statement', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BEFORE);
  // tags.label must be unique: a data step inserting a duplicate fails the apply at that step.
  const plan0 = planMigration(await introspect(db.client), await loadDesiredSchema(AFTER));
  const failing: Plan = {
    ...plan0,
    steps: [
      ...plan0.steps,
      {
        kind: 'data',
        object: 'tags',
        sql: "INSERT INTO tags (label) VALUES ('x'), ('x')",
        destructive: false,
        reason: 'seed',
      },
    ],
  };
  const before = await snapshot(db.client);
  const bytes = fileBytes(db.path);
  const counting = countingClient(db.client);
  const error = await applyPlan(counting.client, failing, testAudit(), { tableExists: false, latestId: 0 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, ApplyError);
  t.equal((error as ApplyError).failure, 'failed');
  t.equal((error as ApplyError).stepIndex, failing.steps.length - 1, 'the failing step is named');
  t.match((error as ApplyError).message, /UNIQUE constraint failed: tags\.label/);
  t.same(counting.calls, ['executeMultiple', 'migrate'], 'the script failed, the batch replay named the step');
  t.same(await snapshot(db.client), before, 'nothing changed');
  t.same(fileBytes(db.path), bytes, 'the file is byte-for-byte as it was');
  t.same(await readVersionState(db.client), { tableExists: false, recorded: null });
});

t.test('plans the script cannot carry exactly go through the batch', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const step = (sql: string): Plan => ({
    steps: [{ kind: 'create_table', object: 'x', sql, destructive: false, reason: 'test' }],
    skipped: [],
    warnings: [],
  });
  // SQLite stores a CREATE's text up to its semicolon: a trailing comment would be stored differently.
  const commented = step('CREATE TABLE x (a INTEGER) -- trailing note');
  t.equal(applyScript([], commented), null, 'a statement ending in a comment');
  t.equal(applyScript([], step('CREATE TABLE y (a); COMMIT')), null, 'a statement that ends the transaction');
  t.not(
    applyScript([], step('CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END')),
    null,
    "a trigger's BEGIN … END is not transaction control",
  );
  // SQLite would stop reading the script at a NUL, run nothing more, and report success.
  t.equal(applyScript([], step('CREATE TABLE z (a) /* a\u0000b */')), null, 'a NUL in a statement');
  // The batch runs a step's first statement only; the script would run both.
  t.equal(applyScript([], step('CREATE TABLE v (a); CREATE TABLE w (a)')), null, 'a step holding two statements');
  const counting = countingClient(db.client);
  await applyPlan(counting.client, commented, null, { tableExists: true, latestId: 0 });
  t.same(counting.calls, ['migrate'], 'applied as a batch');
  const other = tempDb(dirFor(t));
  t.teardown(() => other.client.close());
  await other.client.migrate(['CREATE TABLE x (a INTEGER) -- trailing note']);
  const stored = "SELECT sql FROM sqlite_schema WHERE name = 'x'";
  t.same(await rows(db.client, stored), await rows(other.client, stored), 'stored as the batch stores it');
});

t.test(
  'a database locked past the busy timeout fails once, without a replay that would wait as long again',
  async (t) => {
    const dir = dirFor(t);
    const db = tempDb(dir);
    await exec(db.client, BEFORE);
    db.client.close();
    const holder = createClient({ url: db.url });
    const applier = createClient({ url: db.url, timeout: 200 });
    t.teardown(() => {
      holder.close();
      applier.close();
    });
    const plan = planMigration(await introspect(applier), await loadDesiredSchema(AFTER));
    const before = await snapshot(applier);
    const lock = await holder.transaction('write');
    await lock.execute("INSERT INTO parent (name) VALUES ('held')");
    const counting = countingClient(applier);
    const error = await applyPlan(counting.client, plan, testAudit(), { tableExists: false, latestId: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    await lock.rollback();
    t.type(error, ApplyError);
    t.match(error, { failure: 'failed', sqliteCode: 'SQLITE_BUSY' });
    t.match((error as ApplyError).message, /locked/);
    t.same(counting.calls, ['executeMultiple', 'execute'], 'no batch replay: the script, then foreign keys back on');
    t.same(await snapshot(applier), before, 'nothing changed');
    t.same(
      await rows(applier, 'PRAGMA foreign_keys'),
      [{ foreign_keys: 1 }],
      'foreign keys on again for the next caller',
    );
  },
);

t.test('arguments are written in as literals only when that is faithful', async (t) => {
  t.equal(
    inlineArguments({ sql: 'SELECT ?, ?, ?, ?, ?', args: ["it's", 3, 2.5, null, -9223372036854775808n] }),
    "SELECT 'it''s', 3.0, 2.5, NULL, -9223372036854775808",
  );
  t.equal(inlineArguments({ sql: 'SELECT ?', args: [9223372036854775808n] }), null, 'an integer past 64 bits');
  t.equal(
    inlineArguments({ sql: "SELECT '?', ?", args: [1] }),
    "SELECT '?', 1.0",
    'a ? inside a string is not a parameter',
  );
  t.equal(inlineArguments({ sql: 'SELECT ?', args: [new Uint8Array([0, 255])] }), "SELECT X'00ff'");
  t.equal(inlineArguments({ sql: 'SELECT ?', args: [true] }), 'SELECT 1.0');
  t.equal(inlineArguments({ sql: 'SELECT ?', args: ['a\u0000b'] }), null, 'a NUL cannot be in script text');
  t.equal(inlineArguments({ sql: 'SELECT ?', args: [Number.NaN] }), null);
  t.equal(inlineArguments({ sql: 'SELECT :a', args: { a: 1 } }), null, 'named arguments');
  t.equal(inlineArguments({ sql: 'SELECT ?1', args: [1] }), null, 'numbered parameters');
  t.equal(inlineArguments({ sql: 'SELECT ?, ?', args: [1] }), null, 'a missing argument');
  // What the literal means is what the bound value means.
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const values = [
    "o'brien",
    42,
    -0.125,
    null,
    9007199254740993n,
    -9223372036854775808n,
    new Uint8Array([1, 2, 3]),
    1e21,
    true,
    '',
  ];
  // SQLite's own spelling of each value and its type: equal exactly when the values are.
  const sql = `SELECT ${values.map((_, i) => `quote(?) AS q${i}, typeof(?) AS t${i}`).join(', ')}`;
  const args = values.flatMap((value) => [value, value]);
  const bound = (await db.client.execute({ sql, args })).rows[0];
  const written = (await db.client.execute(inlineArguments({ sql, args }) as string)).rows[0];
  t.same({ ...written }, { ...bound });
});
