/**
 * POST /api/user/sync-schema/{user_id}: applies, repairs drift, 404 unknown user, 409 database
 * ahead, 500 APPLY_FAILED with the statement and the database unchanged, 403 for another user.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { auditRows, noteBodies, objectNames, registries } from '../helpers/fixtures.js';

const initialize = (h: TestApp, userId: string) =>
  h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token(userId),
    body: { email: 'ada@example.com', user_id: userId },
  });
const sync = (h: TestApp, userId: string, token = h.token(userId)) =>
  h.call({ method: 'POST', url: `/api/user/sync-schema/${encodeURIComponent(userId)}`, token });

t.test('brings a user behind the current version forward, in the original response shape', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'auth0|5f7c8ec7');
  await old.openDb('auth0|5f7c8ec7').execute("INSERT INTO notes (body) VALUES ('kept')");

  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const before = Date.now();
  const res = await sync(h, 'auth0|5f7c8ec7');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(Object.keys(body).sort(), ['message', 'schema_version', 'success', 'synced_at']);
  t.match(body, { success: true, schema_version: '2.0.0', message: /from 1\.0\.0 to 2\.0\.0/ });
  t.ok(Date.parse(body.synced_at) >= before - 1000, 'synced_at is this sync');
  const db = h.openDb('auth0|5f7c8ec7');
  t.same(await noteBodies(db), ['kept']);
  t.same(
    (await auditRows(db)).map((row) => row.version),
    ['1.0.0', '2.0.0'],
  );

  const again = await sync(h, 'auth0|5f7c8ec7');
  t.equal(again.statusCode, 200);
  t.match(again.json(), { success: true, schema_version: '2.0.0', message: /already up to date/ });
  t.equal((await auditRows(db)).length, 2, 'a no-op sync records nothing');
});

t.test('explicit sync compares the live schema, so it repairs drift the version row hides', async (t) => {
  const { v2 } = registries(t);
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  await initialize(h, 'drifted');
  const db = h.openDb('drifted');
  await db.execute('DROP INDEX notes_body');
  const res = await sync(h, 'drifted');
  t.equal(res.statusCode, 200);
  t.ok((await objectNames(db)).includes('notes_body'), 'the index is back');
});

t.test('404 for a user without a database, and nothing is created', async (t) => {
  const h = await buildTestApp(t);
  const res = await sync(h, 'nobody');
  t.equal(res.statusCode, 404);
  t.match(res.json(), { statusCode: 404, error: 'Not Found', code: 'USER_NOT_FOUND', message: /initialize/ });
  t.same(readdirSync(h.dataDir), []);
});

t.test('409 when the database records a newer version than the application; unchanged', async (t) => {
  const { v1, v2 } = registries(t);
  const ahead = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  await initialize(ahead, 'future');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v1 }, dataDir: ahead.dataDir });
  const res = await sync(h, 'future');
  t.equal(res.statusCode, 409);
  t.match(res.json(), {
    statusCode: 409,
    error: 'Conflict',
    code: 'DATABASE_AHEAD',
    recorded_version: '2.0.0',
    message: /2\.0\.0/,
  });
  t.same(
    (await auditRows(h.openDb('future'))).map((row) => row.version),
    ['2.0.0'],
  );
});

t.test('500 APPLY_FAILED naming the statement when applying fails; the database is unchanged', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'dup');
  await old.openDb('dup').execute("INSERT INTO notes (body) VALUES ('same'), ('same')");
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await sync(h, 'dup');
  t.equal(res.statusCode, 500);
  const body = res.json();
  t.match(body, {
    statusCode: 500,
    error: 'Internal Server Error',
    code: 'APPLY_FAILED',
    statement: /notes_body/,
    message: /unchanged/,
  });
  t.type(body.statement_index, 'number');
  const db = h.openDb('dup');
  t.same(await objectNames(db), ['notes', 'schema_version']);
  t.same(
    (await auditRows(db)).map((row) => row.version),
    ['1.0.0'],
  );
  t.same(await noteBodies(db), ['same', 'same']);
});

t.test('403 for another user; schema:admin may sync anyone', async (t) => {
  const h = await buildTestApp(t);
  await initialize(h, 'victim');
  const res = await sync(h, 'victim', h.token('mallory'));
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'FORBIDDEN');
  t.equal((await sync(h, 'victim', h.adminToken())).statusCode, 200);
});

t.test('takes no body: unknown fields in a JSON body are ignored, not an error', async (t) => {
  const h = await buildTestApp(t);
  await initialize(h, 'u');
  const res = await h.call({ method: 'POST', url: '/api/user/sync-schema/u', token: h.token('u'), body: {} });
  t.equal(res.statusCode, 200);
});

t.test('an unexpected failure is 500 INTERNAL_ERROR: the cause goes to the log, not to the caller', async (t) => {
  const { v2 } = registries(t);
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  // A file that is not a database: the engine's first read fails with a driver error, not a SyncError.
  writeFileSync(
    h.dbPath('mallory'),
    'this is not a libSQL database, just text long enough to fill a page header'.repeat(20),
  );
  const res = await sync(h, 'mallory');
  t.equal(res.statusCode, 500);
  t.same(res.json(), {
    statusCode: 500,
    error: 'Internal Server Error',
    message: 'internal server error',
    code: 'INTERNAL_ERROR',
  });
  t.notMatch(res.body, /NOTADB|not a database|SQLITE/i, 'no driver detail in the answer');
  t.ok(
    h.logs.some((line) => line.level >= 50 && /not a database|NOTADB/i.test(JSON.stringify(line))),
    'the cause is logged',
  );

  const signIn = await initialize(h, 'mallory');
  t.equal(signIn.statusCode, 200, 'sign-in still answers');
  t.match(signIn.json(), { schema_synced: false, error: { code: 'INTERNAL_ERROR', message: 'internal server error' } });
  t.notMatch(signIn.body, /NOTADB|not a database|SQLITE/i);
});

t.test(
  '409 INVALID_RECORDED_VERSION when schema_version holds something that is not semver; nothing changes',
  async (t) => {
    const { v2 } = registries(t);
    const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
    await initialize(h, 'odd');
    const db = h.openDb('odd');
    await db.execute("UPDATE schema_version SET version = 'v2-beta'");
    const before = await objectNames(db);
    const res = await sync(h, 'odd');
    t.equal(res.statusCode, 409);
    t.match(res.json(), {
      code: 'INVALID_RECORDED_VERSION',
      recorded_version: 'v2-beta',
      message: /schema_version records version "v2-beta"/,
    });
    t.same(await objectNames(db), before);
    const version = await h.call({ method: 'GET', url: '/api/user/schema-version/odd', token: h.token('odd') });
    t.match(version.json(), { user_schema_version: 'v2-beta', is_up_to_date: false });
  },
);
