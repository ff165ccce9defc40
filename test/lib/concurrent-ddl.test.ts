/**
 * A plan made against a schema that changed before the apply. The batch proves, once it holds the
 * write lock, that the schema cookie is the one the plan was made from; otherwise it fails as a
 * conflict and the sync plans afresh, so a column another connection added is never rebuilt away.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { applyPlan, ApplyError } from '../../lib/apply.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { planMigration } from '../../lib/plan/planner.js';
import { readSchemaSnapshot } from '../../lib/snapshot.js';
import { syncDatabase, syncToSchema } from '../../lib/sync.js';
import { buildRegistry } from '../../schema/registry.js';
import { dirFor, exec, foreignKeyViolations, integrityOk, rows, snapshot, tempDb, testAudit } from './_support.js';
import { targetOf } from '../../lib/target.js';

const BEFORE = `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO notes (body) VALUES ('a'), ('b'), ('');`;
/** NOT NULL with a default on an existing column: ALTER cannot do it, so the table is rebuilt. */
const DESIRED = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL DEFAULT '' CHECK (length(body) >= 0));";

/** The DDL another connection commits between the plan and the apply. */
async function addColumnElsewhere(url: string): Promise<void> {
  const other = createClient({ url });
  await other.execute('ALTER TABLE notes ADD COLUMN added_elsewhere TEXT');
  await other.execute("UPDATE notes SET added_elsewhere = 'kept ' || id");
  other.close();
}

async function assertColumnKept(t: Test, client: Client): Promise<void> {
  t.same(
    await rows(client, 'SELECT id, added_elsewhere FROM notes ORDER BY id'),
    [
      { id: 1, added_elsewhere: 'kept 1' },
      { id: 2, added_elsewhere: 'kept 2' },
      { id: 3, added_elsewhere: 'kept 3' },
    ],
    'the column added under the plan and its data are still there',
  );
  t.ok(await integrityOk(client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(client), 0, 'no foreign-key violations');
}

/**
 * Lets the caller run something after a client's plan is made and before its apply starts, and
 * lists the apply calls: a local file's apply is a script (executeMultiple), replayed as a batch
 * (migrate) when it fails, to name what failed.
 */
function pausedBeforeMigrate(inner: Client, between: () => Promise<void>): { client: Client; applies: string[] } {
  const applies: string[] = [];
  const client = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'migrate' || property === 'executeMultiple') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          applies.push(property);
          if (applies.length === 1) await between();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, applies };
}

t.test('the batch refuses a plan whose schema changed since it was made, and changes nothing', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BEFORE);
  const { schema, schemaCookie } = await readSchemaSnapshot(db.client);
  const stale = planMigration(schema, await loadDesiredSchema(DESIRED));
  t.ok(
    stale.steps.some((step) => step.kind === 'rebuild_table'),
    'the plan rebuilds the table',
  );
  await addColumnElsewhere(db.url);
  const before = await snapshot(db.client);
  for (const audit of [testAudit(), null]) {
    const error = await applyPlan(db.client, stale, audit, { tableExists: false, latestId: 0, schemaCookie }).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(
      error instanceof ApplyError && error.failure === 'conflict',
      `a conflict, ${audit === null ? 'without' : 'with'} an audit row`,
    );
    t.match(String((error as Error).message), /changed the schema/);
    t.same(await snapshot(db.client), before, 'the database is unchanged');
  }
  await assertColumnKept(t, db.client);
});

t.test("the cookie check counts the batch's own DDL: an unchanged schema applies", async (t) => {
  for (const tableExists of [false, true]) {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, BEFORE);
    if (tableExists)
      await exec(
        db.client,
        'CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version TEXT NOT NULL, description TEXT NOT NULL, created_at TEXT NOT NULL, applied_at TEXT NOT NULL, checksum TEXT NOT NULL, statements INTEGER NOT NULL, previous_version TEXT)',
      );
    const { schema, schemaCookie } = await readSchemaSnapshot(db.client);
    const plan = planMigration(schema, await loadDesiredSchema(DESIRED));
    await applyPlan(db.client, plan, testAudit(), { tableExists, latestId: 0, schemaCookie });
    t.same(await rows(db.client, 'SELECT body FROM notes ORDER BY id'), [{ body: 'a' }, { body: 'b' }, { body: '' }]);
    t.ok(await integrityOk(db.client));
  }
});

t.test('syncToSchema plans afresh when DDL lands between its plan and its apply', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BEFORE);
  const paused = pausedBeforeMigrate(db.client, () => addColumnElsewhere(db.url));
  const { plan } = await syncToSchema(paused.client, await loadDesiredSchema(DESIRED));
  t.same(
    paused.applies,
    ['executeMultiple', 'migrate', 'executeMultiple'],
    "the first script failed on the cookie, its batch replay named the conflict, the fresh plan's script ran",
  );
  t.ok(
    plan.skipped.some((skip) => skip.object === 'notes.added_elsewhere'),
    'the fresh plan keeps the new column',
  );
  await assertColumnKept(t, db.client);
  t.same(await rows(db.client, 'SELECT body FROM notes ORDER BY id'), [{ body: 'a' }, { body: 'b' }, { body: '' }]);
});

t.test('syncDatabase (a registry version) plans afresh too and records the version once', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BEFORE);
  const registry = await buildRegistry([
    {
      version: '1.0.0',
      description: 'v1',
      createdAt: '2024-01-01T00:00:00Z',
      schema: { sql: DESIRED },
      file: '1.0.0.sql',
    },
  ]);
  const paused = pausedBeforeMigrate(db.client, () => addColumnElsewhere(db.url));
  const result = await syncDatabase(paused.client, targetOf(registry));
  t.equal(result.outcome, 'applied');
  t.same(paused.applies, ['executeMultiple', 'migrate', 'executeMultiple']);
  t.same(await rows(db.client, 'SELECT version FROM schema_version'), [{ version: '1.0.0' }]);
  await assertColumnKept(t, db.client);
});

t.test('a connection in another process holding the write lock while it adds a column', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, BEFORE);
  const waiting = createClient({ url: db.url, timeout: 20_000 });
  t.teardown(() => waiting.close());
  const holder = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./_ddl-holder.ts', import.meta.url)), db.url, '1500'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    holder.on('exit', () => reject(new Error('holder exited before taking the lock')));
  });
  // Reads still see the old schema (the holder has not committed); the apply waits for the lock.
  await syncToSchema(waiting, await loadDesiredSchema(DESIRED));
  t.equal(await exited, 0, 'the other connection committed');
  await assertColumnKept(t, waiting);
  t.same(await rows(waiting, 'SELECT body FROM notes ORDER BY id'), [{ body: 'a' }, { body: 'b' }, { body: '' }]);
});
