/**
 * The Platform API pushing back: 429 with Retry-After (seconds, an HTTP date, an absurd value
 * capped), 5xx with a non-JSON body, dropped connections and a hanging request are retried;
 * other 4xx are not, and the caller gets 503 PROVIDER_UNAVAILABLE naming what failed.
 */
import t from 'tap';
import { buildTursoApp, initialize, startPlatform } from '../support/turso-app.js';

const isCreate = (r: { method: string; path: string }): boolean => r.method === 'POST' && r.path === 'databases';
const isMint = (r: { method: string; path: string }): boolean =>
  r.method === 'POST' && /^databases\/[^/]+\/auth\/tokens$/.test(r.path);

t.test('429 with Retry-After: 1 twice on create: waited, then created once', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  platform.faults.push({ match: isCreate, status: 429, retryAfter: '1', times: 2, body: 'rate limit exceeded' });
  const started = Date.now();
  const res = await initialize(h, 'ada');
  const elapsed = Date.now() - started;
  t.equal(res.statusCode, 200);
  t.match(res.json(), { schema_synced: true, message: /created/ });
  t.same(
    platform.requests.filter(isCreate).map((r) => r.status),
    [429, 429, 200],
  );
  t.ok(elapsed >= 1_900, `honoured Retry-After (${elapsed} ms)`);
  t.equal(platform.databases.size, 1);
});

t.test('Retry-After as an HTTP date, and an absurd Retry-After capped at a few seconds', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  platform.faults.push({
    match: isMint,
    status: 429,
    retryAfter: new Date(Date.now() + 2_000).toUTCString(),
    times: 1,
  });
  let started = Date.now();
  t.equal((await initialize(h, 'ada')).statusCode, 200);
  t.ok(Date.now() - started >= 900, 'waited for the date');
  platform.faults.push({ match: isMint, status: 503, retryAfter: '3600', times: 1 });
  started = Date.now();
  t.equal((await initialize(h, 'grace')).statusCode, 200);
  const elapsed = Date.now() - started;
  t.ok(elapsed < 6_000, `a one-hour Retry-After was capped (${elapsed} ms)`);
  t.same(
    platform.requests.filter(isMint).map((r) => r.status),
    [429, 200, 503, 200],
  );
});

t.test('5xx with an HTML body, a dropped connection and a hanging request are retried', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform, { api: { attemptTimeoutMs: 400 } });
  platform.faults.push({ match: isCreate, status: 502, body: '<html>Bad Gateway</html>', times: 1 });
  platform.faults.push({ match: isCreate, times: 1 }); // dropped connection
  platform.faults.push({ match: isCreate, hang: true, times: 1 });
  platform.faults.push({ match: isMint, status: 500, times: 1 });
  const res = await initialize(h, 'ada');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { schema_synced: true });
  t.same(
    platform.requests.filter(isCreate).map((r) => r.status),
    [502, null, null, 200],
    'create: 502, dropped, timed out, created',
  );
  t.same(
    platform.requests.filter(isMint).map((r) => r.status),
    [500, 200],
  );
  t.equal(platform.databases.size, 1, 'one database despite the retried create');
});

t.test("a create that timed out but happened: the retry's 409 is success", async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform, { api: { attemptTimeoutMs: 300 } });
  platform.createDelayMs = 600;
  const res = await initialize(h, 'ada');
  t.equal(res.statusCode, 200);
  t.match(res.json(), { schema_synced: true });
  t.ok(
    platform.requests.filter(isCreate).some((r) => r.status === 409),
    'the retry found it created',
  );
  t.equal(platform.databases.size, 1);
});

t.test('other 4xx are not retried: a bad API token is 503 PROVIDER_UNAVAILABLE at once, naming the call', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform, { env: { TURSO_API_TOKEN: 'wrong-token' } });
  const before = platform.requests.length;
  const started = Date.now();
  const res = await initialize(h, 'ada');
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'PROVIDER_UNAVAILABLE', message: /create a token for group users failed: HTTP 401/ });
  t.equal(platform.requests.length - before, 1, 'one request, no retry');
  t.ok(Date.now() - started < 2_000);
  t.equal((await h.call({ method: 'GET', url: '/ready' })).statusCode, 503, 'not ready without a group token');
  t.equal((await h.call({ method: 'GET', url: '/health' })).statusCode, 200);
  t.equal(platform.databases.size, 0);
});
