/**
 * The request log on the real app: one line per request at completion (with the request, status
 * and time), the "incoming request" line only at debug, and sign-ins the cache answered sampled by
 * LOG_CACHED_SIGN_IN_EVERY while everything else (first sign-ins, syncs, 4xx) is always logged and
 * the metrics still count every cache hit.
 */
import t from 'tap';
import { METRIC_NAMES } from '../../lib/metrics.js';
import { buildTestApp, type LogLine, type TestApp } from '../helpers/app.js';

const initialize = (h: TestApp, userId: string, token = h.token(userId)) =>
  h.call({ method: 'POST', url: '/api/user/initialize', token, body: { email: 'ada@example.com', user_id: userId } });

const completed = (h: TestApp): LogLine[] => h.logs.filter((line) => line.msg === 'request completed');
const statusOf = (line: LogLine): unknown => (line['res'] as { statusCode?: unknown } | undefined)?.statusCode;

async function cacheHits(h: TestApp): Promise<number> {
  const text = (await h.call({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${METRIC_NAMES.signInCacheHits} `));
  return Number(line?.split(' ')[1]);
}

t.test('one line per request, written at completion, with the request, the status and the time', async (t) => {
  const h = await buildTestApp(t);
  t.equal((await initialize(h, 'user_a')).statusCode, 200);
  t.equal((await h.call({ method: 'GET', url: '/nowhere' })).statusCode, 404);

  const lines = completed(h);
  t.equal(lines.length, 2);
  t.match(lines[0], {
    level: 30,
    reqId: String,
    req: { method: 'POST', url: '/api/user/initialize' },
    res: { statusCode: 200 },
    responseTime: Number,
  });
  t.notOk('sample_every' in (lines[0] ?? {}), 'a sign-in that created a database is not a sample');
  t.match(lines[1], { req: { method: 'GET', url: '/nowhere' }, res: { statusCode: 404 } });
  t.equal(h.logs.filter((line) => line.msg === 'incoming request').length, 0, 'no line on arrival at info');
});

t.test('LOG_LEVEL=debug adds the line on arrival (for requests that never complete)', async (t) => {
  const h = await buildTestApp(t, { logLevel: 'debug' });
  await h.call({ method: 'GET', url: '/nowhere' });
  const incoming = h.logs.filter((line) => line.msg === 'incoming request');
  t.equal(incoming.length, 1);
  t.match(incoming[0], { level: 20, req: { method: 'GET', url: '/nowhere' } });
  t.equal(completed(h).length, 1);
});

t.test('cached sign-ins: every Nth is logged, marked; first sign-ins and refusals always', async (t) => {
  const h = await buildTestApp(t, { env: { LOG_CACHED_SIGN_IN_EVERY: '3' } });
  t.equal((await initialize(h, 'user_a')).statusCode, 200, 'creates the database: logged');
  for (let i = 0; i < 7; i++) t.equal((await initialize(h, 'user_a')).statusCode, 200, 'cached');
  t.equal((await initialize(h, 'user_a', h.token('user_b'))).statusCode, 403, 'another user: refused');
  t.equal((await initialize(h, 'user_a', 'not-a-token')).statusCode, 401);

  const lines = completed(h).filter((line) => (line['req'] as { url: string }).url === '/api/user/initialize');
  t.same(lines.map(statusOf), [200, 200, 200, 403, 401], 'the first sign-in, 2 of 7 cached ones, both refusals');
  t.notOk('sample_every' in (lines[0] ?? {}));
  t.equal(lines[1]?.['sample_every'], 3, 'a sampled line says what it stands for');
  t.equal(lines[2]?.['sample_every'], 3);
  t.equal(await cacheHits(h), 7, 'the metric counts every cached sign-in, logged or not');
});

t.test('LOG_CACHED_SIGN_IN_EVERY=0 logs no cached sign-in; a fresh process logs its first one', async (t) => {
  const h = await buildTestApp(t, { env: { LOG_CACHED_SIGN_IN_EVERY: '0' } });
  await initialize(h, 'user_a');
  for (let i = 0; i < 3; i++) await initialize(h, 'user_a');
  t.equal((await initialize(h, 'user_b', h.token('user_a'))).statusCode, 403);
  t.same(completed(h).map(statusOf), [200, 403], 'the creation and the refusal');

  // Another process on the same data: its first sign-in reads the version row, and is logged.
  const next = await buildTestApp(t, { dataDir: h.dataDir, env: { LOG_CACHED_SIGN_IN_EVERY: '0' } });
  await initialize(next, 'user_a');
  await initialize(next, 'user_a');
  t.same(completed(next).map(statusOf), [200]);
  t.ok(next.logs.some((line) => line.msg === 'schema up to date' && line.user_id === 'user_a'));
});

t.test('LOG_CACHED_SIGN_IN_EVERY=1 logs every cached sign-in as an ordinary line', async (t) => {
  const h = await buildTestApp(t, { env: { LOG_CACHED_SIGN_IN_EVERY: '1' } });
  for (let i = 0; i < 4; i++) await initialize(h, 'user_a');
  const lines = completed(h);
  t.equal(lines.length, 4);
  t.notOk(
    lines.some((line) => 'sample_every' in line),
    'no sampling mark',
  );
});
