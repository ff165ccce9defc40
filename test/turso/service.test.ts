/**
 * The local provider's service tests, run against the Turso provider: bad ids touch nothing,
 * 50 concurrent sign-ins in one replica, 20 split over two replicas (one database, each version
 * applied once, the loser reports success), ids that differ by case or `_` vs `-`.
 */
import t from 'tap';
import { tursoDatabaseNameFor } from '../../lib/naming.js';
import { registries } from '../helpers/fixtures.js';
import { auditRows } from '../helpers/fixtures.js';
import { buildTursoApp, initialize, startPlatform, userClient, assertIntact } from '../support/turso-app.js';

t.test('bad ids are 400 and reach neither the API nor any database', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  const before = platform.requests.length;
  const bad: unknown[] = [
    '',
    'x'.repeat(129),
    'a\u0000b',
    '../etc/passwd',
    '..\\w',
    '.',
    '..',
    'ada lovelace',
    'émile',
    42,
    null,
  ];
  for (const userId of bad) {
    const res = await h.call({
      method: 'POST',
      url: '/api/user/initialize',
      token: h.token('admin', { scope: 'schema:admin' }),
      body: { email: 'a@example.com', user_id: userId },
    });
    t.equal(res.statusCode, 400, JSON.stringify(userId));
    t.equal(res.json().code, 'INVALID_USER_ID');
  }
  for (const path of [
    '/api/user/schema-version/a%20b',
    '/api/user/schema-version/a%00b',
    '/api/user/sync-schema/a%2Fb',
  ]) {
    const res = await h.call({
      method: path.includes('sync') ? 'POST' : 'GET',
      url: path,
      token: h.token('admin', { scope: 'schema:admin' }),
    });
    t.equal(res.statusCode, 400, path);
  }
  t.equal(platform.requests.length, before, 'no Platform API request');
  t.equal(platform.databases.size, 0, 'no database');
});

t.test('a user without a database is 404 on sync-schema and schema-version, and nothing is created', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  for (const [method, url] of [
    ['POST', '/api/user/sync-schema/ghost'],
    ['GET', '/api/user/schema-version/ghost'],
    ['GET', '/api/user/schema-plan/ghost'],
  ] as const) {
    const res = await h.call({ method, url, token: h.token('ghost') });
    t.equal(res.statusCode, 404, url);
    t.equal(res.json().code, 'USER_NOT_FOUND');
  }
  t.equal(platform.count('POST', /^databases$/), 0, 'no create');
  // Created by another replica afterwards: seen at once (absence is not cached).
  const other = await buildTursoApp(t, platform);
  t.equal((await initialize(other, 'ghost')).statusCode, 200);
  t.equal(
    (await h.call({ method: 'GET', url: '/api/user/schema-version/ghost', token: h.token('ghost') })).statusCode,
    200,
  );
});

t.test('ids that differ only by case or _ vs - get different databases', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  const ids = ['user_2abcXYZ', 'User_2abcXYZ', 'user-2abcXYZ', 'auth0|5f7c8ec7', 'a.b@example.com', 'x'.repeat(128)];
  const urls = new Set<string>();
  for (const id of ids) {
    const res = await initialize(h, id);
    t.equal(res.statusCode, 200, id);
    urls.add(res.json().database_url);
  }
  t.equal(urls.size, ids.length, 'one database each');
  t.equal(platform.databases.size, ids.length);
});

t.test('50 concurrent sign-ins of one new user in one replica: one database, one apply', async (t) => {
  const platform = await startPlatform(t);
  const { v2 } = registries(t);
  const h = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v2 } });
  const responses = await Promise.all(Array.from({ length: 50 }, () => initialize(h, 'burst')));
  t.same(new Set(responses.map((res) => res.statusCode)), new Set([200]));
  t.ok(responses.every((res) => res.json().schema_synced === true && res.json().schema_version === '2.0.0'));
  t.equal(platform.count('POST', /^databases$/), 1, 'one create request');
  t.equal(platform.count('POST', /^databases\/[^/]+\/auth\/tokens$/), 1, 'one token mint');
  const client = userClient(t, (responses[0] as (typeof responses)[number]).json());
  t.same(
    (await auditRows(client)).map((row) => row.version),
    ['2.0.0'],
  );
  t.equal(h.logs.filter((line) => line.msg === 'schema synced').length, 1, 'one apply');
});

t.test(
  '20 concurrent first sign-ins split over two replicas: all 200 and synced, one database, each version once',
  async (t) => {
    const platform = await startPlatform(t);
    // A slow create widens the window in which both replicas race.
    platform.createDelayMs = 150;
    const { v2 } = registries(t);
    const a = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v2 } });
    const b = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v2 } });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => initialize(i % 2 === 0 ? a : b, 'race')));
    t.same(
      responses.map((res) => res.statusCode),
      Array(20).fill(200),
    );
    t.ok(
      responses.every((res) => res.json().schema_synced === true && res.json().schema_version === '2.0.0'),
      'all synced; the loser reports success',
    );
    t.equal(platform.databases.size, 1, 'one database');
    t.same(
      platform.requests
        .filter((r) => r.method === 'POST' && r.path === 'databases')
        .map((r) => r.status)
        .sort(),
      [200, 409],
      'each replica tried once; the 409 was success',
    );
    const name = tursoDatabaseNameFor('race', platform.org);
    t.equal(new Set(responses.map((res) => res.json().database_url)).size, 1, 'both replicas hand out the same URL');
    const client = userClient(t, (responses[1] as (typeof responses)[number]).json());
    t.same(
      (await auditRows(client)).map((row) => row.version),
      ['2.0.0'],
      'the current version recorded once',
    );
    t.equal(
      [...a.logs, ...b.logs].filter((line) => line.msg === 'schema synced').length,
      1,
      'exactly one replica applied',
    );
    await assertIntact(t, client);
    t.ok(platform.databases.get(name));
  },
);
