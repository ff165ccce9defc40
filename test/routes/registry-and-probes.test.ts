/**
 * GET /api/schema/versions, /health and /ready.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildTestApp, tempDir } from '../helpers/app.js';
import { registries } from '../helpers/fixtures.js';

t.test('versions lists the registry oldest first and marks the current one', async (t) => {
  const { v2 } = registries(t);
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  const res = await h.call({ method: 'GET', url: '/api/schema/versions', token: h.token('anyone') });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.current_version, '2.0.0');
  t.match(body.versions, [
    {
      version: '1.0.0',
      description: 'Notes',
      created_at: '2024-01-01T00:00:00.000Z',
      checksum: /^[0-9a-f]{64}$/,
      is_current: false,
    },
    { version: '2.0.0', description: 'Pinned notes, unique bodies, tags', is_current: true },
  ]);
  t.equal((await h.call({ method: 'GET', url: '/api/schema/versions' })).statusCode, 401, 'needs a token');
});

t.test('the built-in registry is served when SCHEMA_DIR is not set', async (t) => {
  const h = await buildTestApp(t);
  const body = (await h.call({ method: 'GET', url: '/api/schema/versions', token: h.token('x') })).json();
  t.same(
    body.versions.map((v: { version: string }) => v.version),
    ['1.0.0', '1.1.0'],
  );
});

t.test('health and ready need no token', async (t) => {
  const h = await buildTestApp(t);
  t.strictSame((await h.call({ method: 'GET', url: '/health' })).json(), { status: 'ok' });
  const ready = await h.call({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 200);
  t.strictSame(ready.json(), { status: 'ready', schema_version: '1.1.0', provider: 'local' });
});

t.test('ready answers 503 when DATA_DIR cannot be used', async (t) => {
  // A regular file where DATA_DIR's parent should be: the directory can never be created.
  const blocker = join(tempDir(t), 'a-file');
  writeFileSync(blocker, '');
  const h = await buildTestApp(t, { env: { DATA_DIR: join(blocker, 'data') } });
  const res = await h.call({ method: 'GET', url: '/ready' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { statusCode: 503, code: 'NOT_READY', message: /database provider unavailable/ });
  t.equal(res.headers['retry-after'], '5', 'with Retry-After');
  t.equal((await h.call({ method: 'GET', url: '/health' })).statusCode, 200, 'still alive');
});

t.test('unknown routes get the JSON error envelope', async (t) => {
  const h = await buildTestApp(t);
  const res = await h.call({ method: 'GET', url: '/nope' });
  t.equal(res.statusCode, 404);
  t.match(res.json(), { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND' });
});
