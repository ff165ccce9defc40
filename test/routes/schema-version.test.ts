/**
 * GET /api/user/schema-version/{user_id}: the original six fields, one read, 404 unknown user.
 */
import { readdirSync } from 'node:fs';
import t from 'tap';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { registries } from '../helpers/fixtures.js';

const initialize = (h: TestApp, userId: string) =>
  h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token(userId),
    body: { email: 'ada@example.com', user_id: userId },
  });
const version = (h: TestApp, userId: string, token = h.token(userId)) =>
  h.call({ method: 'GET', url: `/api/user/schema-version/${encodeURIComponent(userId)}`, token });

t.test('an up-to-date user, in the original response shape, from one read', async (t) => {
  const h = await buildTestApp(t);
  await initialize(h, 'a.b@example.com');
  h.roundTrips.length = 0;
  const res = await version(h, 'a.b@example.com');
  t.equal(res.statusCode, 200);
  const current = h.app.schemaRegistry.current;
  t.strictSame(res.json(), {
    user_schema_version: current.version,
    user_schema_description: current.description,
    user_schema_created_at: current.createdAt,
    current_app_version: current.version,
    current_app_description: current.description,
    is_up_to_date: true,
  });
  t.same(h.roundTrips, ['execute']);
});

t.test('a user behind the current version is reported as not up to date', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'behind');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await version(h, 'behind');
  t.strictSame(res.json(), {
    user_schema_version: '1.0.0',
    user_schema_description: 'Notes',
    user_schema_created_at: '2024-01-01T00:00:00.000Z',
    current_app_version: '2.0.0',
    current_app_description: 'Pinned notes, unique bodies, tags',
    is_up_to_date: false,
  });
});

t.test('a database that records no version yet answers nulls', async (t) => {
  const h = await buildTestApp(t);
  // An empty database file, e.g. created by a sign-in whose first sync failed.
  await h.openDb('empty').execute('CREATE TABLE stray (x)');
  const res = await version(h, 'empty');
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    user_schema_version: null,
    user_schema_description: null,
    user_schema_created_at: null,
    is_up_to_date: false,
  });
});

t.test('404 for an unknown user; reading never creates a database', async (t) => {
  const h = await buildTestApp(t);
  const res = await version(h, 'ghost');
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'USER_NOT_FOUND');
  t.same(readdirSync(h.dataDir), []);
});

t.test('403 for another user', async (t) => {
  const h = await buildTestApp(t);
  await initialize(h, 'victim');
  t.equal((await version(h, 'victim', h.token('mallory'))).statusCode, 403);
  t.equal((await version(h, 'victim', h.adminToken())).statusCode, 200);
});
