/**
 * The database provider and client pool as the app wires them: one file per user inside DATA_DIR,
 * creation decided once even under races, a bounded pool, everything closed on shutdown; and
 * DB_PROVIDER=turso from its environment variables (the provider itself: test/turso/).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import { isValidUserId } from '../../lib/naming.js';
import { createLocalProvider } from '../../lib/providers/local.js';
import { loadConfig } from '../../lib/config/load.js';
import { buildTestApp, tempDir } from '../helpers/app.js';
import { startPlatform, tursoEnv } from '../support/turso-app.js';

t.test('local provider: every valid id maps to its own file directly inside DATA_DIR', async (t) => {
  const dataDir = tempDir(t);
  const provider = createLocalProvider({ dataDir, busyTimeoutMs: 1000 });
  const hostile = [
    '..',
    '../x',
    'a/../../etc',
    '%2e%2e',
    'CON',
    'nul',
    '-rf',
    '~',
    '.hidden',
    '$HOME',
    '*',
    'a:b',
    'x'.repeat(128),
  ];
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

t.test('local provider: a database URL is the file URL of its path, whatever DATA_DIR is called', async (t) => {
  for (const dataDir of [tempDir(t), join(tempDir(t), 'a dir #1 ?x=%41 été'), '/']) {
    const provider = createLocalProvider({ dataDir, busyTimeoutMs: 1000 });
    const urlOf = async (id: string): Promise<string> => (await provider.credentials(provider.locate(id))).url;
    t.equal(await urlOf('auth0|5f7c8ec7'), pathToFileURL(provider.pathOf(provider.locate('auth0|5f7c8ec7'))).href);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 128 }).filter(isValidUserId),
        async (id) => (await urlOf(id)) === pathToFileURL(provider.pathOf(provider.locate(id))).href,
      ),
      { numRuns: 200 },
    );
  }
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
  await provider.ensure(provider.locate('auth0|5f7c8ec7'));
  const listed: unknown[] = [];
  for await (const entry of provider.listDatabases()) listed.push(entry);
  t.same(
    listed,
    [
      { name: provider.locate('auth0|5f7c8ec7').name, userId: 'auth0|5f7c8ec7' },
      { name: db.name, userId: 'user_2abcXYZ' },
    ],
    'listing decodes each file name back to its user',
  );
});

t.test('the pool stays within DB_POOL_SIZE and everything is closed on shutdown', async (t) => {
  const h = await buildTestApp(t, { env: { DB_POOL_SIZE: '2' } });
  for (const id of ['a', 'b', 'c', 'd', 'e']) {
    const res = await h.call({
      method: 'POST',
      url: '/api/user/initialize',
      token: h.token(id),
      body: { email: 'x@example.com', user_id: id },
    });
    t.equal(res.statusCode, 200);
    t.ok(h.app.databases.openClients() <= 2, `after ${id}: ${h.app.databases.openClients()} open`);
  }
  await h.app.close();
  t.equal(h.app.databases.openClients(), 0, 'all clients closed');
});

t.test('DB_PROVIDER=turso: the variables, their defaults, and refusals naming the variable', async (t) => {
  const base = { DB_PROVIDER: 'turso', TURSO_API_TOKEN: 'api', TURSO_ORG: 'acme', TURSO_GROUP: 'users' };
  t.same(loadConfig(base).turso, {
    apiToken: 'api',
    org: 'acme',
    group: 'users',
    apiUrl: 'https://api.turso.tech',
    tls: true,
    groupToken: undefined,
    tokenExpiration: '7d',
    warmHostnames: true,
  });
  t.match(
    loadConfig({
      ...base,
      TURSO_TLS: 'false',
      TURSO_GROUP_TOKEN: 'g',
      TURSO_TOKEN_EXPIRATION: '2w1d',
      TURSO_API_URL: 'http://127.0.0.1:9',
    }).turso,
    {
      tls: false,
      groupToken: 'g',
      tokenExpiration: '2w1d',
      apiUrl: 'http://127.0.0.1:9',
    },
  );
  t.equal(loadConfig({}).turso, null, 'not read for the local provider');
  const refusals: [Record<string, string>, RegExp][] = [
    [{ DB_PROVIDER: 'turso', TURSO_ORG: 'acme', TURSO_GROUP: 'users' }, /TURSO_API_TOKEN/],
    [{ ...base, TURSO_GROUP: '' }, /TURSO_GROUP/],
    [{ ...base, TURSO_TLS: 'maybe' }, /TURSO_TLS/],
    [{ ...base, TURSO_TOKEN_EXPIRATION: 'soon' }, /TURSO_TOKEN_EXPIRATION/],
    [{ ...base, TURSO_ORG: 'o'.repeat(40) }, /TURSO_ORG is too long/],
    [{ ...base, TURSO_ORG: 'Acme Inc' }, /TURSO_ORG/],
    [{ ...base, TURSO_API_URL: 'ftp://x' }, /TURSO_API_URL/],
  ];
  for (const [env, message] of refusals)
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
});

t.test(
  'DB_PROVIDER=turso from the environment: the plugin builds the provider, mints the group token, serves',
  async (t) => {
    const platform = await startPlatform(t);
    const h = await buildTestApp(t, { env: tursoEnv(platform) });
    t.equal(h.app.databases.provider.kind, 'turso');
    t.equal(platform.count('POST', /^groups\/users\/auth\/tokens$/), 1, 'group token minted at start');
    t.match((await h.call({ method: 'GET', url: '/ready' })).json(), { status: 'ready', provider: 'turso' });
    const res = await h.call({
      method: 'POST',
      url: '/api/user/initialize',
      token: h.token('ada'),
      body: { email: 'a@example.com', user_id: 'ada' },
    });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { schema_synced: true, database_url: /^http:\/\/127\.0\.0\.1:\d+$/, database_token: /^ey/ });
    t.same(
      h.roundTrips,
      ['migrate'],
      'the pooled client is the one the engine used (a new database: one apply that proves it empty)',
    );
    await h.app.close();
    t.equal(h.app.databases.openClients(), 0);
  },
);
