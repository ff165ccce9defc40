/**
 * The database provider and client pool as the app wires them: one file per user inside DATA_DIR,
 * creation decided once even under races, a bounded pool, everything closed on shutdown.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { isValidUserId } from '../../lib/naming.js';
import { createLocalProvider } from '../../lib/providers/local.js';
import { buildTestApp, tempDir } from '../helpers/app.js';

t.test('local provider: every valid id maps to its own file directly inside DATA_DIR', async (t) => {
  const dataDir = tempDir(t);
  const provider = createLocalProvider({ dataDir, busyTimeoutMs: 1000 });
  const hostile = ['..', '../x', 'a/../../etc', '%2e%2e', 'CON', 'nul', '-rf', '~', '.hidden', '$HOME', '*', 'a:b', 'x'.repeat(128)];
  const seen = new Map<string, string>();
  for (const id of hostile.filter(isValidUserId)) {
    const path = provider.pathOf(provider.locate(id));
    t.equal(dirname(path), dataDir, id);
    t.notOk(seen.has(path), `${id} has a file of its own`);
    seen.set(path, id);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 128 }).filter(isValidUserId), (id) => {
      return dirname(provider.pathOf(provider.locate(id))) === dataDir;
    }),
    { numRuns: 2000 },
  );
  t.throws(() => provider.locate('../../etc/passwd'), { name: 'InvalidUserIdError' });
});

t.test('local provider: exists() never creates; ensure() creates once, even when raced', async (t) => {
  const dataDir = tempDir(t);
  const provider = createLocalProvider({ dataDir: `${dataDir}/nested/data`, busyTimeoutMs: 1000 });
  const db = provider.locate('user_2abcXYZ');
  t.equal(await provider.exists(db), false);
  t.same(readdirSync(dataDir), [], 'exists() created nothing');
  const results = await Promise.all(Array.from({ length: 20 }, () => provider.ensure(db)));
  t.equal(results.filter((r) => r.created).length, 1, 'exactly one creator');
  t.equal(await provider.exists(db), true);
  t.same(await provider.credentials(db), { url: `file://${provider.pathOf(db)}`, token: '' });
  await provider.check();
});

t.test('the pool stays within DB_POOL_SIZE and everything is closed on shutdown', async (t) => {
  const h = await buildTestApp(t, { env: { DB_POOL_SIZE: '2' } });
  for (const id of ['a', 'b', 'c', 'd', 'e']) {
    const res = await h.call({ method: 'POST', url: '/api/user/initialize', token: h.token(id), body: { email: 'x@example.com', user_id: id } });
    t.equal(res.statusCode, 200);
    t.ok(h.app.databases.openClients() <= 2, `after ${id}: ${h.app.databases.openClients()} open`);
  }
  await h.app.close();
  t.equal(h.app.databases.openClients(), 0, 'all clients closed');
});
