/**
 * POST /api/user/initialize on real libSQL files: creation, no-op sign-in (≤ 1 read, 0 with the
 * cache), upgrades, failures that still answer 200 and leave the database alone, concurrency.
 */
import { readdirSync } from 'node:fs';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { auditRows, noteBodies, objectNames, registries } from '../helpers/fixtures.js';

const initialize = (h: Awaited<ReturnType<typeof buildTestApp>>, userId: string, token = h.token(userId)) =>
  h.call({ method: 'POST', url: '/api/user/initialize', token, body: { email: 'ada@example.com', user_id: userId } });

t.test('a new user gets a database at the current schema, in the original response shape', async (t) => {
  const h = await buildTestApp(t);
  const res = await initialize(h, 'user_2abcXYZ');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(Object.keys(body).sort(), [
    'database_token',
    'database_url',
    'message',
    'schema_synced',
    'schema_version',
    'success',
  ]);
  t.equal(body.success, true);
  t.equal(body.schema_synced, true);
  t.equal(body.schema_version, h.app.schemaRegistry.current.version);
  t.match(body.message, /created/);
  t.equal(body.database_url, `file://${h.dbPath('user_2abcXYZ')}`);
  t.equal(body.database_token, '');
  const db = h.openDb('user_2abcXYZ');
  const rows = await auditRows(db);
  t.same(
    rows.map((row) => row.version),
    ['1.1.0'],
    'one audit row, for the current version',
  );
  t.ok((rows[0]?.statements ?? 0) > 0);
  t.ok((await objectNames(db)).includes('accounts'), 'the application tables exist');
});

t.test('signing in again is a no-op answered from one read, then from the cache', async (t) => {
  const dataDir = (await buildTestApp(t)).dataDir;
  const first = await buildTestApp(t, { dataDir });
  t.equal((await initialize(first, 'auth0|5f7c8ec7')).statusCode, 200);

  // A fresh process (empty cache) on the same DATA_DIR.
  const h = await buildTestApp(t, { dataDir });
  const again = await initialize(h, 'auth0|5f7c8ec7');
  t.equal(again.statusCode, 200);
  t.match(again.json(), { success: true, schema_synced: true, schema_version: '1.1.0', message: /up to date/ });
  t.same(h.roundTrips, ['execute'], 'exactly one database read');

  h.roundTrips.length = 0;
  t.equal((await initialize(h, 'auth0|5f7c8ec7')).statusCode, 200);
  t.same(h.roundTrips, [], 'the cache answers without touching the database');
  t.same(await auditRows(h.openDb('auth0|5f7c8ec7')).then((rows) => rows.length), 1, 'nothing new recorded');
});

t.test('with the cache off every no-op sign-in costs exactly one read', async (t) => {
  const h = await buildTestApp(t, { env: { VERSION_CACHE_SIZE: '0' } });
  await initialize(h, 'google-oauth2|1098');
  for (let i = 0; i < 3; i++) {
    h.roundTrips.length = 0;
    t.equal((await initialize(h, 'google-oauth2|1098')).json().schema_synced, true);
    t.same(h.roundTrips, ['execute']);
  }
});

t.test('ids real identity providers issue each get their own database inside DATA_DIR', async (t) => {
  const h = await buildTestApp(t);
  const ids = [
    'user_2abcXYZ',
    'auth0|5f7c8ec7',
    'google-oauth2|1098',
    '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b',
    'a.b@example.com',
    'User_2abcXYZ',
    'user-2abcXYZ',
  ];
  for (const id of ids) {
    const res = await initialize(h, id);
    t.equal(res.statusCode, 200, id);
    t.equal(res.json().database_url, `file://${h.dbPath(id)}`, id);
  }
  t.equal(readdirSync(h.dataDir).filter((f) => f.endsWith('.db')).length, ids.length, 'one file each, no collisions');
});

t.test('a user may initialize only itself; schema:admin may initialize anyone', async (t) => {
  const h = await buildTestApp(t);
  const forbidden = await initialize(h, 'victim', h.token('mallory'));
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().code, 'FORBIDDEN');
  t.same(readdirSync(h.dataDir), [], 'nothing created');
  const admin = await initialize(h, 'victim', h.adminToken());
  t.equal(admin.statusCode, 200);
  t.equal(admin.json().schema_synced, true);
});

t.test('an existing user behind the current version is synced on sign-in, rows kept', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'u1');
  await old.openDb('u1').execute("INSERT INTO notes (body) VALUES ('first'), ('second')");

  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await initialize(h, 'u1');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { schema_synced: true, schema_version: '2.0.0', message: /synced from 1\.0\.0 to 2\.0\.0/ });
  const db = h.openDb('u1');
  t.same(await noteBodies(db), ['first', 'second']);
  t.same(
    (await auditRows(db)).map((row) => row.version),
    ['1.0.0', '2.0.0'],
  );
  t.ok((await objectNames(db)).includes('tags'));
  const synced = h.logs.find((line) => line.msg === 'schema synced');
  t.match(synced, {
    user_id: 'u1',
    from_version: '1.0.0',
    to_version: '2.0.0',
    outcome: 'applied',
    statements: Number,
  });
  t.type(synced?.['duration_ms'], 'number');
});

t.test('a failing sync still signs in: 200, schema_synced false, the cause, database unchanged', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'dup');
  // Duplicate bodies: version 2's UNIQUE index over them cannot be created.
  await old.openDb('dup').execute("INSERT INTO notes (body) VALUES ('same'), ('same')");

  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await initialize(h, 'dup');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, {
    success: true,
    schema_synced: false,
    schema_version: '1.0.0',
    database_url: `file://${h.dbPath('dup')}`,
  });
  t.match(body.error, { code: 'APPLY_FAILED', message: /UNIQUE/i, statement: /notes_body/ });
  const db = h.openDb('dup');
  t.same(
    (await auditRows(db)).map((row) => row.version),
    ['1.0.0'],
    'no version recorded',
  );
  t.same(await objectNames(db), ['notes', 'schema_version'], 'no table, index or column added');
  t.same(await noteBodies(db), ['same', 'same']);
  const logged = h.logs.find((line) => line.level >= 50 && line.user_id === 'dup');
  t.match(
    logged,
    { outcome: 'failed', failed_statement: /notes_body/ },
    'the failure is logged with the user and statement',
  );

  // Not cached as current: the next sign-in tries again (and fails the same way).
  h.roundTrips.length = 0;
  t.equal((await initialize(h, 'dup')).json().schema_synced, false);
  t.ok(h.roundTrips.length >= 1);
});

t.test('a database ahead of the application is refused on sign-in and left alone', async (t) => {
  const { v1, v2 } = registries(t);
  const ahead = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  await initialize(ahead, 'future');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v1 }, dataDir: ahead.dataDir });
  const res = await initialize(h, 'future');
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    schema_synced: false,
    schema_version: '2.0.0',
    error: { code: 'DATABASE_AHEAD', recorded_version: '2.0.0' },
  });
  t.same(
    (await auditRows(h.openDb('future'))).map((row) => row.version),
    ['2.0.0'],
  );
  t.match(
    h.logs.find((line) => line.outcome === 'refused'),
    { user_id: 'future', recorded_version: '2.0.0', level: 40 },
  );
});

t.test('50 concurrent sign-ins of one new user: all succeed, one database, each version applied once', async (t) => {
  const { v2 } = registries(t);
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  const responses = await Promise.all(Array.from({ length: 50 }, () => initialize(h, 'burst')));
  t.same(new Set(responses.map((res) => res.statusCode)), new Set([200]));
  t.ok(responses.every((res) => res.json().schema_synced === true && res.json().schema_version === '2.0.0'));
  t.same(readdirSync(h.dataDir), [`${'burst'}.db`], 'one database file');
  t.same(
    (await auditRows(h.openDb('burst'))).map((row) => row.version),
    ['2.0.0'],
    'one audit row',
  );
  t.equal(h.logs.filter((line) => line.msg === 'schema synced').length, 1, 'one apply');
});

t.test('two processes (two pools on one DATA_DIR) racing for a new user apply once', async (t) => {
  const { v2 } = registries(t);
  const a = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  const b = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: a.dataDir });
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => initialize(i % 2 === 0 ? a : b, 'race')));
  t.ok(
    responses.every((res) => res.statusCode === 200 && res.json().schema_synced === true),
    'all succeed',
  );
  t.same(
    (await auditRows(a.openDb('race'))).map((row) => row.version),
    ['2.0.0'],
  );
  const applied = [...a.logs, ...b.logs].filter((line) => line.msg === 'schema synced').length;
  t.equal(applied, 1, 'exactly one process applied');
  t.equal(responses.filter((res) => /created/.test(res.json().message)).length >= 1, true);
});
