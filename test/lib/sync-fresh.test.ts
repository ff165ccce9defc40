/**
 * A database its caller has just created (a new user's sign-in) is tried in one request: the plan
 * from the empty schema in a batch that first proves the database is empty. When it is not (another
 * applier got there, or something else is in it) the batch changes nothing and the sync takes the
 * full path. Checked on real files: rows, audit rows, integrity, foreign keys, an empty re-plan.
 */
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { planMigration } from '../../lib/plan/planner.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetOf } from '../../lib/target.js';
import { buildRegistry } from '../../schema/registry.js';
import { dirFor, dumpAudit, exec, foreignKeyViolations, integrityOk, rows, tempDb } from './_support.js';

const V1 = `CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES owners (id), body TEXT NOT NULL);
CREATE INDEX notes_owner ON notes (owner);`;

const target = async () =>
  targetOf(
    await buildRegistry([
      {
        version: '1.0.0',
        description: 'v1',
        createdAt: '2024-01-01T00:00:00Z',
        schema: { sql: V1 },
        file: '1.0.0.sql',
        dataSteps: ["INSERT OR IGNORE INTO owners (id, name) VALUES (1, 'seed')"],
      },
    ]),
  );

t.test('an empty database: created in one batch, data steps once, converged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const v1 = await target();
  const result = await syncDatabase(db.client, v1, { fresh: true });
  t.match(result, { outcome: 'applied', fromVersion: null, toVersion: '1.0.0', racesLost: 0 });
  t.same(
    (await dumpAudit(db.client))?.map((r) => [r['version'], r['previous_version']]),
    [['1.0.0', null]],
  );
  t.same(await rows(db.client, 'SELECT id, name FROM owners'), [{ id: 1, name: 'seed' }]);
  t.ok(await integrityOk(db.client));
  t.equal(await foreignKeyViolations(db.client), 0);
  t.equal(planMigration(await introspect(db.client), v1.desired).steps.length, 0, 're-plan is empty');
  t.equal(
    (await syncDatabase(db.client, v1, { fresh: true })).outcome,
    'up_to_date',
    'a second fresh sync: up to date',
  );
  t.equal((await dumpAudit(db.client))?.length, 1, 'still one audit row');
});

t.test('not empty after all: the proof fails, nothing changes, the full path keeps the rows', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO owners (id, name) VALUES (1, 'seed'), (2, 'kept');",
  );
  const before = await db.client.execute('PRAGMA schema_version');
  const v1 = await target();
  const result = await syncDatabase(db.client, v1, { fresh: true });
  t.match(result, { outcome: 'applied', fromVersion: null });
  t.same(
    await rows(db.client, 'SELECT id, name FROM owners ORDER BY id'),
    [
      { id: 1, name: 'seed' },
      { id: 2, name: 'kept' },
    ],
    'the existing rows are kept',
  );
  t.not((await db.client.execute('PRAGMA schema_version')).rows[0]?.[0], before.rows[0]?.[0], 'the full path ran');
  t.same(
    (await dumpAudit(db.client))?.map((r) => r['version']),
    ['1.0.0'],
  );
  t.ok(await integrityOk(db.client));
  t.equal(await foreignKeyViolations(db.client), 0);
  t.equal(planMigration(await introspect(db.client), v1.desired).steps.length, 0, 're-plan is empty');
});
