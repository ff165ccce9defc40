/**
 * Sync through the registry: what a version declares beyond its schema (data steps, rename hints,
 * explicit drop allowances) takes effect when a database crosses into that version, once.
 */
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { planSync, syncDatabase, SyncError } from '../../lib/sync.js';
import { buildRegistry, type SchemaRegistry } from '../../schema/registry.js';
import type { SchemaVersionSource } from '../../schema/version.js';
import { dirFor, dumpAudit, exec, rows, snapshot, tempDb } from './_support.js';
import { targetOf } from '../../lib/target.js';

function version(v: string, sql: string, extra: Partial<SchemaVersionSource> = {}): SchemaVersionSource {
  return {
    version: v,
    description: `v${v}`,
    createdAt: '2024-01-01T00:00:00Z',
    schema: { sql },
    file: `${v}.sql`,
    ...extra,
  };
}

const V1 = 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, legacy TEXT, notes TEXT);';
const V2 =
  "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, tier TEXT NOT NULL DEFAULT 'free', notes TEXT);";
const V3 =
  "CREATE TABLE customers (id INTEGER PRIMARY KEY, mail TEXT NOT NULL, tier TEXT NOT NULL DEFAULT 'free', notes TEXT);";

async function registry(...sources: SchemaVersionSource[]): Promise<SchemaRegistry> {
  return buildRegistry(sources);
}

t.test('data steps run once, when a database crosses into their version', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const v1 = version('1.0.0', V1, { dataSteps: ["INSERT INTO accounts (id, email) VALUES (1, 'seed@x')"] });
  const v2 = version('1.1.0', V2, { dataSteps: ["UPDATE accounts SET tier = 'gold' WHERE email LIKE '%@vip'"] });
  await syncDatabase(db.client, targetOf(await registry(v1)));
  t.same(
    await rows(db.client, 'SELECT id, email FROM accounts'),
    [{ id: 1, email: 'seed@x' }],
    "1.0.0's data step ran",
  );
  await exec(db.client, "INSERT INTO accounts (id, email) VALUES (2, 'a@vip'), (3, 'b@x')");
  const result = await syncDatabase(db.client, targetOf(await registry(v1, v2)));
  t.equal(result.outcome, 'applied');
  t.same(
    result.plan.steps.filter((s) => s.kind === 'data').map((s) => s.object),
    ['version 1.1.0'],
    "only 1.1.0's step, not 1.0.0's again",
  );
  t.same(await rows(db.client, 'SELECT id, tier FROM accounts ORDER BY id'), [
    { id: 1, tier: 'free' },
    { id: 2, tier: 'gold' },
    { id: 3, tier: 'free' },
  ]);
  t.equal((await syncDatabase(db.client, targetOf(await registry(v1, v2)))).outcome, 'up_to_date', 'and not again');

  const fresh = tempDb(dirFor(t));
  t.teardown(() => fresh.client.close());
  const all = await syncDatabase(fresh.client, targetOf(await registry(v1, v2)));
  t.same(
    all.plan.steps.filter((s) => s.kind === 'data').map((s) => s.object),
    ['version 1.0.0', 'version 1.1.0'],
    'a new database crosses every version, in order',
  );
  t.same(await rows(fresh.client, 'SELECT id, email, tier FROM accounts'), [{ id: 1, email: 'seed@x', tier: 'free' }]);
});

t.test('a failing data step fails the sync and leaves the database unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(db.client, targetOf(await registry(version('1.0.0', V1))));
  await exec(db.client, "INSERT INTO accounts (id, email) VALUES (1, 'a')");
  const before = await snapshot(db.client);
  const broken = version('1.1.0', V2, {
    dataSteps: ["UPDATE accounts SET tier = 'x'", 'UPDATE accounts SET email = NULL'],
  });
  const error = await syncDatabase(db.client, targetOf(await registry(version('1.0.0', V1), broken))).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, SyncError);
  t.match(error, { code: 'APPLY_FAILED', details: { statement: 'UPDATE accounts SET email = NULL' } });
  t.same(await snapshot(db.client), before, 'schema, rows and audit unchanged');
});

t.test("a version's drop allowance and rename hints apply through sync", async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const v1 = version('1.0.0', V1);
  await syncDatabase(db.client, targetOf(await registry(v1)));
  await exec(db.client, "INSERT INTO accounts VALUES (1, 'a@x', 'old', 'n1'), (2, 'b@x', NULL, NULL)");
  const v2 = version('1.1.0', V2, { allowDrops: { columns: { accounts: ['legacy'] } } });
  const second = await syncDatabase(db.client, targetOf(await registry(v1, v2)));
  t.same(second.plan.skipped, [], 'legacy is not kept: 1.1.0 allows dropping it');
  t.same(await rows(db.client, 'SELECT * FROM accounts ORDER BY id'), [
    { id: 1, email: 'a@x', tier: 'free', notes: 'n1' },
    { id: 2, email: 'b@x', tier: 'free', notes: null },
  ]);
  const v3 = version('2.0.0', V3, {
    renames: { tables: { customers: 'accounts' }, columns: { customers: { mail: 'email' } } },
  });
  const third = await syncDatabase(db.client, targetOf(await registry(v1, v2, v3)));
  t.same(
    third.plan.steps.map((s) => s.kind),
    ['rename_table', 'rename_column'],
  );
  t.same(await rows(db.client, 'SELECT id, mail FROM customers ORDER BY id'), [
    { id: 1, mail: 'a@x' },
    { id: 2, mail: 'b@x' },
  ]);
  t.same(
    (await dumpAudit(db.client))?.map((r) => [r['version'], r['previous_version']]),
    [
      ['1.0.0', null],
      ['1.1.0', '1.0.0'],
      ['2.0.0', '1.1.0'],
    ],
  );

  // a database that skipped 1.1.0 gets 1.1.0's allowance and 2.0.0's renames in one plan
  const late = tempDb(dirFor(t));
  t.teardown(() => late.client.close());
  await syncDatabase(late.client, targetOf(await registry(v1)));
  await exec(late.client, "INSERT INTO accounts VALUES (1, 'a@x', 'old', 'n1')");
  const jump = await syncDatabase(late.client, targetOf(await registry(v1, v2, v3)));
  t.equal(jump.fromVersion, '1.0.0');
  t.same(jump.plan.skipped, []);
  t.same(await rows(late.client, 'SELECT * FROM customers'), [{ id: 1, mail: 'a@x', tier: 'free', notes: 'n1' }]);
});

t.test('unwanted columns stay without an allowance, and allowDestructive drops them', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(db.client, targetOf(await registry(version('1.0.0', V1))));
  await exec(db.client, "INSERT INTO accounts VALUES (1, 'a@x', 'old', 'n1')");
  const reg = await registry(version('1.0.0', V1), version('1.1.0', V2));
  const dry = await planSync(db.client, targetOf(reg));
  t.same(
    dry.plan.skipped.map((s) => s.object),
    ['accounts.legacy'],
  );
  t.same((await snapshot(db.client)).audit?.length, 1, 'a dry run changes nothing');
  const kept = await syncDatabase(db.client, targetOf(reg));
  t.same(
    kept.plan.skipped.map((s) => s.object),
    ['accounts.legacy'],
  );
  t.same(await rows(db.client, 'SELECT legacy FROM accounts'), [{ legacy: 'old' }]);
  const dropped = await syncDatabase(db.client, targetOf(reg), { allowDestructive: true, verify: true });
  t.equal(dropped.outcome, 'applied', 'verify + allowDestructive drops what the current version lacks');
  t.notOk((await introspect(db.client)).tables[0]?.columns.some((c) => c.name === 'legacy'));
});

t.test('verify repairs drift at the current version', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const reg = await registry(version('1.0.0', `${V1} CREATE INDEX idx_email ON accounts (email);`));
  await syncDatabase(db.client, targetOf(reg));
  await db.client.execute('DROP INDEX idx_email');
  t.equal(
    (await syncDatabase(db.client, targetOf(reg))).outcome,
    'up_to_date',
    'without verify the version row is trusted',
  );
  const repaired = await syncDatabase(db.client, targetOf(reg), { verify: true });
  t.equal(repaired.outcome, 'applied');
  t.same(
    repaired.plan.steps.map((s) => s.object),
    ['idx_email'],
  );
  t.same(
    (await introspect(db.client)).indexes.map((i) => i.name),
    ['idx_email'],
  );
  t.equal(
    (await syncDatabase(db.client, targetOf(reg), { verify: true })).outcome,
    'up_to_date',
    'nothing left to repair',
  );
});

t.test('a database that already has the schema but no audit row gets the row, nothing else', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, `${V1} INSERT INTO accounts VALUES (1, 'a', NULL, NULL);`);
  const before = await snapshot(db.client);
  const result = await syncDatabase(db.client, targetOf(await registry(version('1.0.0', V1))));
  t.match(result, { outcome: 'applied', fromVersion: null, statements: 0 });
  const after = await snapshot(db.client);
  t.same([after.schema, after.rows], [before.schema, before.rows]);
  t.same(
    after.audit?.map((r) => [r['version'], r['statements']]),
    [['1.0.0', 0]],
  );
});

t.test('a schema_version row that is not semver is refused by name, the database unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const reg = await registry(version('1.0.0', V1), version('1.1.0', V2));
  await syncDatabase(db.client, targetOf(reg));
  await exec(
    db.client,
    "UPDATE schema_version SET version = 'v2-beta'; INSERT INTO accounts VALUES (1, 'a', 'free', NULL);",
  );
  const before = await snapshot(db.client);
  for (const attempt of [
    () => syncDatabase(db.client, targetOf(reg), { verify: true }),
    () => planSync(db.client, targetOf(reg)),
  ]) {
    const error = await attempt().then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, SyncError);
    t.match(error, { code: 'INVALID_RECORDED_VERSION', details: { recordedVersion: 'v2-beta' } });
    t.match(
      (error as Error).message,
      /table schema_version records version "v2-beta" \(row 1\), which is not a semantic version/,
    );
  }
  t.same(await snapshot(db.client), before, 'nothing changed');
  const recorded = {
    id: 1,
    version: 'v2-beta',
    description: '',
    createdAt: '',
    appliedAt: '',
    checksum: '',
    statements: 0,
  };
  t.equal(targetOf(reg).standing(recorded).kind, 'unrecognised', 'the target calls it unrecognised');
});

t.test('a target short of the current version: planned, recorded and judged against that version', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const v1 = version('1.0.0', V1, { dataSteps: ["INSERT INTO accounts (id, email) VALUES (1, 'seed@x')"] });
  const v2 = version('1.1.0', V2, { dataSteps: ["UPDATE accounts SET tier = 'gold'"] });
  const reg = await registry(
    v1,
    v2,
    version('2.0.0', V3, { renames: { tables: { customers: 'accounts' }, columns: { customers: { mail: 'email' } } } }),
  );
  const toV2 = targetOf(
    reg,
    reg.versions.find((v) => v.version === '1.1.0'),
  );
  const result = await syncDatabase(db.client, toV2);
  t.match(result, { outcome: 'applied', toVersion: '1.1.0' });
  t.same(
    await rows(db.client, 'SELECT id, email, tier FROM accounts'),
    [{ id: 1, email: 'seed@x', tier: 'gold' }],
    'data steps up to 1.1.0 ran, in order',
  );
  t.same(
    (await dumpAudit(db.client))?.map((r) => r['version']),
    ['1.1.0'],
  );
  t.equal((await syncDatabase(db.client, toV2)).outcome, 'up_to_date');
  await t.rejects(
    syncDatabase(
      db.client,
      targetOf(
        reg,
        reg.versions.find((v) => v.version === '1.0.0'),
      ),
    ),
    { code: 'DATABASE_AHEAD' },
    'an older target refuses it',
  );
  const last = await syncDatabase(db.client, targetOf(reg));
  t.match(last, { outcome: 'applied', fromVersion: '1.1.0', toVersion: '2.0.0' });
  t.same(
    await rows(db.client, 'SELECT id, mail, tier FROM customers'),
    [{ id: 1, mail: 'seed@x', tier: 'gold' }],
    'renamed, rows kept',
  );
});
