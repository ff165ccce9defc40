/**
 * Configuration: defaults that work on a fresh machine, an ephemeral secret outside production,
 * a refusal in production, and clear messages for bad values.
 */
import { resolve } from 'node:path';
import t from 'tap';
import { buildApp } from '../../app.js';
import { ConfigError, loadConfig } from '../../lib/config/load.js';

t.test('nothing set: local files under ./data, port 3000 on loopback, an ephemeral secret', async (t) => {
  const config = loadConfig({});
  t.match(config, {
    port: 3000,
    host: '127.0.0.1',
    dataDir: resolve('./data'),
    dbProvider: 'local',
    logLevel: 'info',
    logCachedSignInEvery: 100,
    schemaDir: undefined,
    docs: true,
    bodyLimit: 16_384,
    pool: { size: 64, idleMs: 60_000 },
    versionCacheSize: 100_000,
  });
  t.equal(config.jwt.mode, 'secret');
  if (config.jwt.mode === 'secret') {
    t.equal(config.jwt.ephemeral, true);
    t.ok(config.jwt.secret.length >= 32);
    t.not(config.jwt.secret, (loadConfig({}).jwt as { secret: string }).secret, 'a new secret each start');
  }
});

t.test('values are read, typed and resolved', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATA_DIR: '/tmp/somewhere/../data',
    JWT_SECRET: 's'.repeat(32),
    JWT_ISSUER: 'https://idp.example.com/',
    JWT_AUDIENCE: 'schema-sync',
    SCHEMA_DIR: 'versions',
    LOG_LEVEL: 'debug',
    LOG_CACHED_SIGN_IN_EVERY: '1',
    DB_POOL_SIZE: '8',
    DB_POOL_IDLE_MS: '1000',
    VERSION_CACHE_SIZE: '0',
    DOCS: 'false',
  });
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    dataDir: '/tmp/data',
    schemaDir: resolve('versions'),
    logLevel: 'debug',
    logCachedSignInEvery: 1,
    pool: { size: 8, idleMs: 1000 },
    versionCacheSize: 0,
    docs: false,
  });
  t.same(config.jwt, {
    mode: 'secret',
    secret: 's'.repeat(32),
    ephemeral: false,
    issuer: 'https://idp.example.com/',
    audience: 'schema-sync',
  });
});

t.test('an empty value counts as unset', async (t) => {
  const config = loadConfig({ PORT: '', JWT_SECRET: '', SCHEMA_DIR: '' });
  t.equal(config.port, 3000);
  t.equal(config.schemaDir, undefined);
  t.match(config.jwt, { mode: 'secret', ephemeral: true });
});

t.test('production refuses to start without a key, and says what to set', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), {
    name: 'ConfigError',
    message: /refusing to start.*JWT_SECRET.*JWT_PUBLIC_KEY/,
  });
  t.match(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) }).jwt, { mode: 'secret', ephemeral: false });
});

t.test('bad values are refused with a message naming the variable', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['port not a number', { PORT: 'eighty' }, /PORT/],
    ['port out of range', { PORT: '70000' }, /PORT/],
    ['short secret', { JWT_SECRET: 'short' }, /JWT_SECRET.*32/],
    ['both keys', { JWT_SECRET: 's'.repeat(32), JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, /not both/],
    ['not a PEM', { JWT_PUBLIC_KEY: 'abc' }, /PEM/],
    ['unknown provider', { DB_PROVIDER: 'postgres' }, /DB_PROVIDER/],
    ['unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    ['pool of zero', { DB_POOL_SIZE: '0' }, /DB_POOL_SIZE/],
    ['negative log sampling', { LOG_CACHED_SIGN_IN_EVERY: '-1' }, /LOG_CACHED_SIGN_IN_EVERY/],
    ['fractional log sampling', { LOG_CACHED_SIGN_IN_EVERY: '0.5' }, /LOG_CACHED_SIGN_IN_EVERY/],
  ];
  for (const [label, env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, label);
  t.ok(new ConfigError('x') instanceof Error);
});

t.test('DB_PROVIDER=turso without its variables stops start-up naming them', async (t) => {
  t.throws(() => loadConfig({ DB_PROVIDER: 'turso', DOCS: 'false' }), {
    name: 'ConfigError',
    message: /DB_PROVIDER=turso needs TURSO_API_TOKEN, TURSO_ORG, TURSO_GROUP/,
  });
  await t.rejects(
    async () =>
      buildApp({
        config: loadConfig({ DB_PROVIDER: 'turso', TURSO_ORG: 'acme', TURSO_GROUP: 'users' }),
        logger: false,
      }),
    /TURSO_API_TOKEN/,
  );
});

t.test('a bad registry stops start-up, naming the file', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-bad-registry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, '1.0.0.sql'), 'CREATE TABLE ok (x);');
  writeFileSync(join(dir, '1.1.0.sql'), 'CREATE TABLE broken (;');
  await t.rejects(buildApp({ config: loadConfig({ SCHEMA_DIR: dir, DATA_DIR: dir, DOCS: 'false' }), logger: false }), {
    name: 'RegistryError',
    message: /1\.1\.0\.sql/,
  });
});
