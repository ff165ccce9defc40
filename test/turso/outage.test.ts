/**
 * An API that keeps failing: sign-in answers 503 PROVIDER_UNAVAILABLE within 30 s (production
 * retry budget) with a message naming what failed, /health stays 200, and the same sign-in
 * succeeds once the API recovers. (More failures: provider-failures.test.ts.)
 */
import t from 'tap';
import { buildTursoApp, initialize, startPlatform } from '../support/turso-app.js';

t.test(
  'the Platform API keeps answering 503: PROVIDER_UNAVAILABLE within 30 s, /health up, then recovery',
  async (t) => {
    const platform = await startPlatform(t);
    const h = await buildTursoApp(t, platform);
    const outage = { status: 503, body: 'service unavailable', times: Number.POSITIVE_INFINITY };
    platform.faults.push(outage);
    const started = Date.now();
    const pending = initialize(h, 'ada');
    // While the sign-in retries, the process answers.
    const health = await h.call({ method: 'GET', url: '/health' });
    t.equal(health.statusCode, 200);
    const res = await pending;
    const elapsed = Date.now() - started;
    t.equal(res.statusCode, 503);
    t.match(res.json(), {
      statusCode: 503,
      code: 'PROVIDER_UNAVAILABLE',
      message: /Turso Platform API: create database [a-z0-9-]+ failed after retrying .*HTTP 503 "service unavailable"/,
    });
    t.equal(res.headers['retry-after'], '5', "Retry-After: the catalogue's, the API sent none");
    t.ok(elapsed < 30_000, `answered within 30 s (${elapsed} ms)`);
    const tries = platform.requests.filter((r) => r.status === 503).length;
    t.ok(tries >= 3, `retried (${tries} attempts)`);
    t.equal((await h.call({ method: 'GET', url: '/health' })).statusCode, 200, '/health stays 200');
    t.equal(platform.databases.size, 0, 'nothing created');
    outage.times = 0;
    const again = await initialize(h, 'ada');
    t.equal(again.statusCode, 200);
    t.match(again.json(), { schema_synced: true, message: /created/ });
  },
);
