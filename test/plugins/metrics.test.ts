/**
 * GET /metrics on the real app with real libSQL files: each sign-in, cache hit, explicit sync,
 * refusal and failed apply shows up under its trigger and outcome, the gauges read the pool and the
 * cache, process metrics are there, and METRICS_TOKEN / METRICS=false behave as documented.
 */
import t from 'tap';
import { METRIC_NAMES } from '../../lib/metrics.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { registries } from '../helpers/fixtures.js';

/** The value of one sample in Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (
      Object.entries(labels).every(([key, value]) => found[key] === value) &&
      Object.keys(found).length === Object.keys(labels).length
    ) {
      return Number(match[3]);
    }
  }
  return undefined;
}

const initialize = (h: TestApp, userId: string) =>
  h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token(userId),
    body: { email: 'ada@example.com', user_id: userId },
  });

async function scrape(h: TestApp): Promise<string> {
  const res = await h.call({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`GET /metrics: ${res.statusCode} ${res.body}`);
  return res.body;
}

t.test('sign-ins, cache hits, explicit syncs and the gauges are counted', async (t) => {
  const h = await buildTestApp(t);
  const before = await scrape(h);
  t.equal(
    sample(before, METRIC_NAMES.syncs, { trigger: 'sign_in', outcome: 'applied' }),
    0,
    'label pairs exist at 0 before any sync',
  );
  t.equal(sample(before, METRIC_NAMES.openClients), 0);

  t.equal((await initialize(h, 'user_a')).statusCode, 200);
  t.equal((await initialize(h, 'user_b')).statusCode, 200);
  t.equal((await initialize(h, 'user_a')).statusCode, 200, 'cached');
  const manual = await h.call({ method: 'POST', url: '/api/user/sync-schema/user_a', token: h.token('user_a') });
  t.equal(manual.statusCode, 200);

  const text = await scrape(h);
  t.equal(sample(text, METRIC_NAMES.syncs, { trigger: 'sign_in', outcome: 'applied' }), 2);
  t.equal(sample(text, METRIC_NAMES.syncs, { trigger: 'sign_in', outcome: 'up_to_date' }), 0);
  t.equal(sample(text, METRIC_NAMES.syncs, { trigger: 'manual', outcome: 'up_to_date' }), 1);
  t.equal(sample(text, METRIC_NAMES.signInCacheHits), 1);
  t.equal(sample(text, METRIC_NAMES.signInCacheUsers), 2);

  // Statements: what the engine logged for the two creations.
  const logged = h.logs.filter((line) => line.outcome === 'applied').map((line) => Number(line['statements']));
  t.equal(logged.length, 2);
  t.ok((logged[0] ?? 0) > 0);
  t.equal(
    sample(text, METRIC_NAMES.statementsApplied, { trigger: 'sign_in' }),
    logged.reduce((a, b) => a + b, 0),
  );
  t.equal(sample(text, METRIC_NAMES.statementsApplied, { trigger: 'manual' }), 0);

  // Histogram: one observation per attempt, with a positive sum.
  t.equal(sample(text, `${METRIC_NAMES.syncDuration}_count`, { trigger: 'sign_in', outcome: 'applied' }), 2);
  t.ok((sample(text, `${METRIC_NAMES.syncDuration}_sum`, { trigger: 'sign_in', outcome: 'applied' }) ?? 0) > 0);
  t.equal(
    sample(text, `${METRIC_NAMES.syncDuration}_bucket`, { trigger: 'sign_in', outcome: 'applied', le: '+Inf' }),
    2,
  );
  t.equal(sample(text, METRIC_NAMES.syncsInFlight, { trigger: 'sign_in' }), 0, 'nothing running after the answers');

  t.equal(sample(text, METRIC_NAMES.openClients), h.app.databases.openClients());
  t.equal(sample(text, METRIC_NAMES.openClients), 2, 'one pooled client per user');

  // The usual process metrics.
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
  ]) {
    t.ok(sample(text, name) !== undefined, name);
  }
});

t.test('failed and refused syncs are counted with their code', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'dup');
  await old.openDb('dup').execute("INSERT INTO notes (body) VALUES ('same'), ('same')");
  const ahead = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  await initialize(ahead, 'future');

  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  t.equal((await initialize(h, 'dup')).json().schema_synced, false);
  const manual = await h.call({ method: 'POST', url: '/api/user/sync-schema/dup', token: h.token('dup') });
  t.equal(manual.json().code, 'APPLY_FAILED');
  const back = await buildTestApp(t, { env: { SCHEMA_DIR: v1 }, dataDir: old.dataDir });
  t.equal((await initialize(back, 'future')).json().error?.code, 'DATABASE_AHEAD');

  const text = await scrape(h);
  t.equal(sample(text, METRIC_NAMES.syncs, { trigger: 'sign_in', outcome: 'failed' }), 1);
  t.equal(sample(text, METRIC_NAMES.syncs, { trigger: 'manual', outcome: 'failed' }), 1);
  t.equal(sample(text, METRIC_NAMES.syncFailures, { trigger: 'sign_in', code: 'APPLY_FAILED' }), 1);
  t.equal(sample(text, METRIC_NAMES.syncFailures, { trigger: 'manual', code: 'APPLY_FAILED' }), 1);
  t.equal(
    sample(text, METRIC_NAMES.statementsApplied, { trigger: 'sign_in' }),
    0,
    'a rolled-back plan applied nothing',
  );
  const refused = await scrape(back);
  t.equal(sample(refused, METRIC_NAMES.syncs, { trigger: 'sign_in', outcome: 'refused' }), 1);
  t.equal(sample(refused, METRIC_NAMES.syncFailures, { trigger: 'sign_in', code: 'DATABASE_AHEAD' }), 1);
});

t.test('text format for a scraper; open by default and not in the OpenAPI document', async (t) => {
  const h = await buildTestApp(t);
  const res = await h.call({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.match(res.body, /# HELP schema_sync_syncs_total .+\n# TYPE schema_sync_syncs_total counter\n/);
  t.match(res.body, /# TYPE schema_sync_sync_duration_seconds histogram\n/);
  const paths = Object.keys((h.app.swagger() as { paths: Record<string, unknown> }).paths);
  t.notOk(paths.includes('/metrics'), 'hidden from openapi');
  t.ok(paths.includes('/health'));
});

t.test('METRICS_TOKEN: a scrape needs the bearer token', async (t) => {
  const metricsToken = 'scrape-token-0123456789';
  const h = await buildTestApp(t, { env: { METRICS_TOKEN: metricsToken } });
  const none = await h.call({ method: 'GET', url: '/metrics' });
  t.equal(none.statusCode, 401);
  t.equal(none.json().code, 'TOKEN_MISSING');
  const wrong = await h.call({ method: 'GET', url: '/metrics', token: `${metricsToken}x` });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().code, 'TOKEN_INVALID');
  // A user's JWT is not a metrics token.
  t.equal((await h.call({ method: 'GET', url: '/metrics', token: h.adminToken() })).statusCode, 401);
  const right = await h.call({ method: 'GET', url: '/metrics', token: metricsToken });
  t.equal(right.statusCode, 200);
  t.match(right.body, /schema_sync_syncs_total/);
});

t.test('METRICS=false: no route, no counting, sign-in unaffected', async (t) => {
  const h = await buildTestApp(t, { env: { METRICS: 'false' } });
  t.equal((await h.call({ method: 'GET', url: '/metrics' })).json().code, 'NOT_FOUND');
  t.equal(h.app.syncMetrics, null);
  t.equal((await initialize(h, 'user_a')).json().schema_synced, true);
});
