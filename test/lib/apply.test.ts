/**
 * Applier and sync: one atomic batch (a failure leaves the file byte-for-byte as it was and names
 * the statement), the in-batch assertions really fail the batch, a database ahead of the registry
 * is refused, and the round trips are counted: version check 1, introspection 1, apply 1.
 */
import { LibsqlBatchError } from '@libsql/client';
import t, { type Test } from 'tap';
import { applyPlan, ApplyError, batchStatements } from '../../lib/apply.js';
import { planMigration, type Plan } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/audit.js';
import { planSync, syncDatabase, SyncError } from '../../lib/sync.js';
import { buildRegistry, type SchemaRegistry } from '../../schema/registry.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { dirFor, countingClient, dumpAudit, exec, fileBytes, rows, snapshot, tempDb, testAudit } from './_support.js';
import { targetOf } from '../../lib/target.js';

async function registryOf(...versions: Array<[string, string]>): Promise<SchemaRegistry> {
  return buildRegistry(
    versions.map(([version, sql]) => ({
      version,
      description: `v${version}`,
      createdAt: '2024-01-01T00:00:00Z',
      schema: { sql },
      file: `${version}.sql`,
    })),
  );
}

const V1 = 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER);';

async function atV1(t: Test): Promise<ReturnType<typeof tempDb>> {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(db.client, targetOf(await registryOf(['1.0.0', V1])));
  await exec(db.client, "INSERT INTO users VALUES (1, 'a@x', 30), (2, 'a@x', 15), (3, 'c@x', NULL);");
  return db;
}

async function expectUnchangedFailure(
  t: Test,
  db: ReturnType<typeof tempDb>,
  registry: SchemaRegistry,
  statement: RegExp,
  reason: RegExp,
): Promise<SyncError | null> {
  const before = await snapshot(db.client);
  const bytes = fileBytes(db.path);
  const error = await syncDatabase(db.client, targetOf(registry)).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, SyncError, 'a SyncError');
  const syncError = error as SyncError;
  t.equal(syncError.code, 'APPLY_FAILED');
  t.match(syncError.details.statement, statement, 'names the failing statement');
  t.match(syncError.message, reason, 'and the reason');
  t.match(syncError.message, /database unchanged/);
  t.notMatch(syncError.message, /_schema_sync_new_|(SQLITE_[A-Z_]+): \1:/, 'no temporary table name, no doubled code');
  t.type(syncError.details.statementIndex, 'number');
  t.ok(fileBytes(db.path).equals(bytes), 'the file is byte-for-byte unchanged');
  t.same(await snapshot(db.client), before, 'schema, rows and audit trail unchanged');
  t.same(
    (await dumpAudit(db.client))?.map((r) => r['version']),
    ['1.0.0'],
    'no schema_version row added',
  );
  return syncError;
}

t.test('atomicity: a new UNIQUE index over duplicate rows', async (t) => {
  const db = await atV1(t);
  const registry = await registryOf(
    ['1.0.0', V1],
    ['1.1.0', `${V1} CREATE TABLE extra (id INTEGER PRIMARY KEY); CREATE UNIQUE INDEX users_email ON users (email);`],
  );
  const error = await expectUnchangedFailure(
    t,
    db,
    registry,
    /^CREATE UNIQUE INDEX users_email/,
    /UNIQUE constraint failed: users\.email/,
  );
  t.ok(error?.message.includes('create_index users_email'), 'the message names the step');
  t.same(
    await rows(db.client, "SELECT name FROM sqlite_schema WHERE name = 'extra'"),
    [],
    'the table created earlier in the batch is gone too',
  );
});

t.test('atomicity: a CHECK that existing rows violate (rebuild)', async (t) => {
  const db = await atV1(t);
  const registry = await registryOf(
    ['1.0.0', V1],
    ['1.1.0', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER CHECK (age >= 18));'],
  );
  await expectUnchangedFailure(t, db, registry, /^INSERT INTO "users" /, /CHECK constraint failed/);
});

t.test('atomicity: a table CHECK added by ADD COLUMN that rows violate', async (t) => {
  const db = await atV1(t);
  const registry = await registryOf(
    ['1.0.0', V1],
    [
      '1.1.0',
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER, score INT DEFAULT -1 CHECK (score >= 0));',
    ],
  );
  await expectUnchangedFailure(t, db, registry, /ADD COLUMN score/, /CHECK constraint failed/);
});

t.test('atomicity: the first apply to a fresh database fails without leaving an audit table', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, 'x'), (2, 'x');",
  );
  const before = await snapshot(db.client);
  const bytes = fileBytes(db.path);
  const registry = await registryOf(['1.0.0', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);']);
  const error = await syncDatabase(db.client, targetOf(registry)).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(error, { code: 'APPLY_FAILED' });
  t.ok(fileBytes(db.path).equals(bytes), 'byte-for-byte');
  t.same(await snapshot(db.client), before);
  t.equal(before.audit, null, 'no audit table before…');
  t.equal((await snapshot(db.client)).audit, null, '…or after');
});

t.test('a successful apply records the audit row in the same batch', async (t) => {
  const db = await atV1(t);
  const registry = await registryOf(['1.0.0', V1], ['1.1.0', `${V1} CREATE INDEX users_age ON users (age);`]);
  const result = await syncDatabase(db.client, targetOf(registry), { now: () => new Date('2025-05-05T05:05:05Z') });
  t.match(result, {
    outcome: 'applied',
    fromVersion: '1.0.0',
    toVersion: '1.1.0',
    statements: 1,
    appliedAt: '2025-05-05T05:05:05.000Z',
  });
  const audit = await dumpAudit(db.client);
  t.same(
    audit?.map((r) => [
      r['id'],
      r['version'],
      r['previous_version'],
      r['statements'],
      r['applied_at'],
      r['description'],
      r['created_at'],
    ]),
    [
      [1, '1.0.0', null, 1, audit?.[0]?.['applied_at'], 'v1.0.0', '2024-01-01T00:00:00.000Z'],
      [2, '1.1.0', '1.0.0', 1, '2025-05-05T05:05:05.000Z', 'v1.1.0', '2024-01-01T00:00:00.000Z'],
    ],
  );
  t.equal(audit?.[1]?.['checksum'], registry.current.checksum);
  const again = await syncDatabase(db.client, targetOf(registry));
  t.match(again, { outcome: 'up_to_date', fromVersion: '1.1.0', statements: 0, appliedAt: null });
  t.equal((await dumpAudit(db.client))?.length, 2, 'an up-to-date sync writes nothing');
});

t.test('a database recording a newer version than the registry is refused, unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(
    db.client,
    targetOf(await registryOf(['1.0.0', V1], ['2.0.0', `${V1} CREATE TABLE newer (id INTEGER PRIMARY KEY);`])),
  );
  await exec(db.client, "INSERT INTO users VALUES (1, 'a', 1); INSERT INTO newer VALUES (7);");
  const before = await snapshot(db.client);
  const bytes = fileBytes(db.path);
  const old = await registryOf(['1.0.0', V1]);
  for (const options of [{}, { allowDestructive: true }, { verify: true }]) {
    const error = await syncDatabase(db.client, targetOf(old), options).then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, SyncError);
    t.match(error, { code: 'DATABASE_AHEAD', details: { recordedVersion: '2.0.0' } });
    t.match((error as Error).message, /2\.0\.0.*newer.*1\.0\.0/);
  }
  await t.rejects(planSync(db.client, targetOf(old)), { code: 'DATABASE_AHEAD' }, 'a dry run is refused too');
  t.ok(fileBytes(db.path).equals(bytes), 'byte-for-byte unchanged');
  t.same(await snapshot(db.client), before);
});

t.test('round trips: version check 1, introspection 1, apply 1, up-to-date sync 1', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const registry = await registryOf(
    ['1.0.0', V1],
    [
      '1.1.0',
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER); CREATE TABLE t2 (x); CREATE INDEX i ON t2 (x); CREATE VIEW v AS SELECT * FROM t2;',
    ],
  );
  const counting = countingClient(db.client);
  const { client, calls } = counting;

  await readVersionState(client);
  t.same(calls, ['execute'], 'version check: 1 round trip (no table yet)');
  counting.reset();
  await introspect(client);
  t.same(calls, ['execute'], 'introspection of an empty database: 1');
  counting.reset();

  const first = await syncDatabase(client, targetOf(registry));
  t.equal(first.outcome, 'applied');
  t.ok(first.statements >= 4, `a plan of ${first.statements} statements…`);
  t.same(
    calls,
    ['execute', 'batch', 'executeMultiple'],
    '…costs 3 round trips: version check, introspection (one read batch with the schema cookie), one apply script',
  );
  counting.reset();

  await exec(db.client, "INSERT INTO users VALUES (1, 'a', 1); INSERT INTO t2 VALUES (1);");
  await readVersionState(client);
  t.same(calls, ['execute'], 'version check with the table: 1');
  counting.reset();
  await introspect(client);
  t.same(calls, ['execute'], 'introspection of a populated database: 1');
  counting.reset();

  const upToDate = await syncDatabase(client, targetOf(registry));
  t.equal(upToDate.outcome, 'up_to_date');
  t.same(calls, ['execute'], 'an up-to-date sync: 1 round trip in total');
  counting.reset();

  const verified = await syncDatabase(client, targetOf(registry), { verify: true });
  t.equal(verified.outcome, 'up_to_date');
  t.same(calls, ['execute', 'batch'], 'verify: version check + introspection, nothing applied');
  counting.reset();

  await planSync(client, targetOf(registry));
  t.same(calls, ['execute', 'batch'], 'a dry run: 2');
  counting.reset();

  const desired = await loadDesiredSchema(
    'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL DEFAULT 0);',
  );
  const state = await readVersionState(client);
  const rebuildPlan = planMigration(await introspect(client), desired, { allowDestructive: true });
  counting.reset();
  await applyPlan(client, rebuildPlan, testAudit(), { tableExists: true, latestId: state.recorded?.id ?? 0 });
  t.ok(rebuildPlan.steps.length > 10);
  t.same(
    calls,
    ['executeMultiple'],
    `apply of ${rebuildPlan.steps.length} statements with a rebuild and drops: 1 round trip (one script)`,
  );
});

t.test('the foreign-keys assertion really fails the batch when foreign keys are on', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    `
    CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);
    INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1);
  `,
  );
  const before = await snapshot(db.client);
  const made = await (async () =>
    planMigration(
      await introspect(db.client),
      await loadDesiredSchema(
        'CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT NOT NULL); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);',
      ),
    ))();
  const statements = batchStatements(made, testAudit(), { tableExists: false, latestId: 0 });
  const assertIndex = made.steps.findIndex((s) => s.kind === 'assert' && s.object === 'foreign_keys');
  t.ok(assertIndex >= 0, 'the plan asserts foreign keys are off');
  t.ok(assertIndex < made.steps.findIndex((s) => s.sql.startsWith('DROP TABLE "p"')), 'before the first DROP TABLE');
  t.same(
    await rows(db.client, 'PRAGMA foreign_keys'),
    [{ foreign_keys: 1 }],
    "the client's connections have foreign keys ON",
  );
  // batch() leaves foreign keys ON, as a server that ignores the pragma would
  const error = await db.client.batch(statements, 'write').then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, LibsqlBatchError);
  t.equal(
    (error as LibsqlBatchError).statementIndex,
    assertIndex + 2,
    'the failing statement is the foreign_keys assertion',
  );
  t.match((error as Error).message, /CHECK constraint failed/);
  t.same(await snapshot(db.client), before, 'nothing changed: the cascade never ran');
  // and through migrate() (foreign keys off) the same statements succeed
  await db.client.migrate(statements);
  t.same((await snapshot(db.client)).rows, before.rows);
});

t.test('the row-count assertion fails the batch when a rebuild loses rows', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    `
    CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);
    INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (1, 1), (2, 2);
  `,
  );
  const made = planMigration(
    await introspect(db.client),
    await loadDesiredSchema(
      'CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT NOT NULL); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);',
    ),
  );
  // simulate what a cascade would do: delete child rows in the middle of the rebuild
  const firstAfter = made.steps.findIndex((s) => s.kind === 'assert' && /row count of/.test(s.reason));
  const sabotaged: Plan = {
    ...made,
    steps: [
      ...made.steps.slice(0, firstAfter),
      { kind: 'data', object: 'sabotage', sql: 'DELETE FROM c WHERE id = 2', destructive: true, reason: 'test' },
      ...made.steps.slice(firstAfter),
    ],
  };
  const before = await snapshot(db.client);
  const error = await applyPlan(db.client, sabotaged, testAudit(), { tableExists: false, latestId: 0 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, ApplyError);
  t.equal((error as ApplyError).step?.kind, 'assert');
  t.match((error as ApplyError).step?.reason, /row count of c must be unchanged/);
  t.same(await snapshot(db.client), before, 'rolled back');
});

t.test('the engine reports outcomes and logs nothing: the caller gets the fields it logs', async (t) => {
  const db = await atV1(t);
  const applied = await syncDatabase(
    db.client,
    targetOf(await registryOf(['1.0.0', V1], ['1.1.0', `${V1} CREATE INDEX i ON users (age);`])),
  );
  t.match(applied, {
    outcome: 'applied',
    fromVersion: '1.0.0',
    toVersion: '1.1.0',
    statements: 1,
    racesLost: 0,
    durationMs: Number,
  });
  const error = await syncDatabase(
    db.client,
    targetOf(
      await registryOf(
        ['1.0.0', V1],
        ['1.1.0', `${V1} CREATE INDEX i ON users (age);`],
        ['1.2.0', `${V1} CREATE UNIQUE INDEX u ON users (email);`],
      ),
    ),
  ).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, SyncError);
  t.match(error, {
    code: 'APPLY_FAILED',
    details: { fromVersion: '1.1.0', statement: /CREATE UNIQUE INDEX u/, statementIndex: Number },
  });
});
