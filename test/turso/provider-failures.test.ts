/**
 * Provider failures other than a long API outage (outage.test.ts): every user route answers 503
 * PROVIDER_UNAVAILABLE, never a 500; a group token that cannot be minted at start means /ready
 * 503, requests 503, nothing created, then recovery; an unreachable database server is 503 naming
 * the database, and the same replica recovers.
 */
import t from 'tap';
import { buildTursoApp, initialize, startPlatform } from '../support/turso-app.js';

t.test('a failing explicit sync and schema-version are 503 too, never a 500', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform, { api: { callBudgetMs: 1_000 } });
  platform.faults.push({ status: 500, times: Number.POSITIVE_INFINITY });
  for (const [method, url] of [
    ['POST', '/api/user/sync-schema/ada'],
    ['GET', '/api/user/schema-version/ada'],
    ['GET', '/api/user/schema-plan/ada'],
  ] as const) {
    const res = await h.call({ method, url, token: h.token('ada') });
    t.equal(res.statusCode, 503, url);
    t.equal(res.json().code, 'PROVIDER_UNAVAILABLE');
  }
});

t.test("PROVIDER_UNAVAILABLE passes on the API's own Retry-After", async (t) => {
  const platform = await startPlatform(t);
  platform.faults.push({
    match: (r: { path: string }) => r.path === 'databases',
    status: 503,
    retryAfter: '7',
    times: Number.POSITIVE_INFINITY,
  });
  const h = await buildTursoApp(t, platform, { api: { callBudgetMs: 1_000 } });
  const res = await initialize(h, 'ada');
  t.equal(res.statusCode, 503);
  t.equal(res.json().code, 'PROVIDER_UNAVAILABLE');
  t.equal(res.headers['retry-after'], '7', 'the wait the Platform API asked for');
});

t.test(
  'the group token cannot be minted at start: /ready 503, requests 503, nothing created; then recovery',
  async (t) => {
    const platform = await startPlatform(t);
    const groupMint = {
      match: (r: { path: string }) => r.path.startsWith('groups/'),
      status: 503,
      times: Number.POSITIVE_INFINITY,
    };
    platform.faults.push(groupMint);
    const h = await buildTursoApp(t, platform, { api: { callBudgetMs: 1_000 } });
    const ready = await h.call({ method: 'GET', url: '/ready' });
    t.equal(ready.statusCode, 503);
    t.match(ready.json(), { code: 'NOT_READY', message: /group token/ });
    t.equal((await h.call({ method: 'GET', url: '/health' })).statusCode, 200);
    const res = await initialize(h, 'ada');
    t.equal(res.statusCode, 503);
    t.match(res.json(), { code: 'PROVIDER_UNAVAILABLE', message: /create a token for group users/ });
    t.equal(platform.count('POST', /^databases$/), 0, 'nothing created without a group token');
    groupMint.times = 0;
    t.equal((await initialize(h, 'ada')).statusCode, 200, 'the next request mints it');
    const readyAgain = await h.call({ method: 'GET', url: '/ready' });
    t.equal(readyAgain.statusCode, 200);
    t.match(readyAgain.json(), { status: 'ready', provider: 'turso' });
  },
);

t.test(
  'a database server that is down: sign-in is 503 PROVIDER_UNAVAILABLE naming the database, then recovers',
  async (t) => {
    const platform = await startPlatform(t);
    const first = await buildTursoApp(t, platform);
    t.equal((await initialize(first, 'ada')).statusCode, 200);
    const db = [...platform.databases.values()][0];
    // Point the API at a port nothing listens on, as if the database's server were gone (and the
    // replica looks it up on demand rather than from its start's listing).
    const gone = await buildTursoApp(t, platform, { env: { TURSO_WARM_HOSTNAMES: 'false' } });
    const original = db?.Hostname as string;
    (db as { Hostname: string }).Hostname = '127.0.0.1:9';
    const res = await initialize(gone, 'ada');
    t.equal(res.statusCode, 503);
    t.match(res.json(), {
      code: 'PROVIDER_UNAVAILABLE',
      message: /database [a-z0-9-]+ at 127\.0\.0\.1:9: network error/,
    });
    t.equal((await gone.call({ method: 'GET', url: '/health' })).statusCode, 200);
    (db as { Hostname: string }).Hostname = original;
    t.equal(
      (await initialize(gone, 'ada')).statusCode,
      200,
      'the same replica recovers: the hostname is looked up again',
    );
  },
);
