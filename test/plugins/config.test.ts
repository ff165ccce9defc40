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

t.test('shutdown: drain delay (5 s in production), idle grace and timeout', async (t) => {
  t.same(loadConfig({}).shutdown, { drainDelayMs: 0, idleGraceMs: 1_000, timeoutMs: 10_000 });
  t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) }).shutdown.drainDelayMs, 5_000);
  t.same(loadConfig({ DRAIN_DELAY_MS: '250', DRAIN_IDLE_GRACE_MS: '0', SHUTDOWN_TIMEOUT_MS: '3000' }).shutdown, {
    drainDelayMs: 250,
    idleGraceMs: 0,
    timeoutMs: 3_000,
  });
  for (const value of ['-1', '60001', 'soon'])
    t.throws(() => loadConfig({ DRAIN_IDLE_GRACE_MS: value }), { name: 'ConfigError', message: /DRAIN_IDLE_GRACE_MS/ });
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

t.test('JWT_JWKS_URL alone is a complete key configuration, also in production', async (t) => {
  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_JWKS_URL: 'https://example.eu.auth0.com/.well-known/jwks.json',
  });
  t.same(config.jwt, {
    mode: 'jwks',
    jwks: {
      url: 'https://example.eu.auth0.com/.well-known/jwks.json',
      maxAgeMs: 60_000,
      cooldownMs: 10_000,
      timeoutMs: 3_000,
    },
    issuer: undefined,
    audience: undefined,
  });
  t.same(config.claims, { userClaim: 'sub', adminClaim: 'scope', adminValue: 'schema:admin' });
  const tuned = loadConfig({
    JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks',
    JWT_JWKS_MAX_AGE_MS: '30000',
    JWT_JWKS_COOLDOWN_MS: '5000',
    JWT_JWKS_TIMEOUT_MS: '1000',
    JWT_USER_CLAIM: 'user_id',
    JWT_ADMIN_CLAIM: 'permissions',
    JWT_ADMIN_VALUE: 'admin:all',
  });
  t.same(tuned.jwt, {
    mode: 'jwks',
    jwks: { url: 'http://127.0.0.1:8080/jwks', maxAgeMs: 30_000, cooldownMs: 5_000, timeoutMs: 1_000 },
    issuer: undefined,
    audience: undefined,
  });
  t.same(tuned.claims, { userClaim: 'user_id', adminClaim: 'permissions', adminValue: 'admin:all' });
  t.match(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).jwt, { mode: 'jwks' });
});

t.test('bad JWKS settings are refused', async (t) => {
  const url = 'https://idp.example.com/.well-known/jwks.json';
  const cases: [string, Record<string, string>, RegExp][] = [
    ['not http(s)', { JWT_JWKS_URL: 'ftp://idp.example.com/jwks' }, /JWT_JWKS_URL/],
    [
      'plain http to another host in production',
      { NODE_ENV: 'production', JWT_JWKS_URL: 'http://idp.example.com/jwks' },
      /must be https in production/,
    ],
    [
      'with JWT_SECRET',
      { JWT_JWKS_URL: url, JWT_SECRET: 's'.repeat(32) },
      /one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL/,
    ],
    [
      'with JWT_PUBLIC_KEY',
      { JWT_JWKS_URL: url, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' },
      /JWT_PUBLIC_KEY and JWT_JWKS_URL/,
    ],
    [
      'cool-down longer than the cache',
      { JWT_JWKS_URL: url, JWT_JWKS_MAX_AGE_MS: '5000', JWT_JWKS_COOLDOWN_MS: '6000' },
      /JWT_JWKS_COOLDOWN_MS \(6000\) must not exceed JWT_JWKS_MAX_AGE_MS \(5000\)/,
    ],
    ['cache under a second', { JWT_JWKS_URL: url, JWT_JWKS_MAX_AGE_MS: '10' }, /JWT_JWKS_MAX_AGE_MS/],
    ['cool-down under 100 ms', { JWT_JWKS_URL: url, JWT_JWKS_COOLDOWN_MS: '0' }, /JWT_JWKS_COOLDOWN_MS/],
    ['timeout not a number', { JWT_JWKS_URL: url, JWT_JWKS_TIMEOUT_MS: 'soon' }, /JWT_JWKS_TIMEOUT_MS/],
  ];
  for (const [label, env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, label);
  t.throws(
    () => loadConfig({ NODE_ENV: 'production' }),
    { message: /JWT_JWKS_URL/ },
    'the production refusal names it',
  );
});

t.test('CORS_ORIGINS: none by default, a list of exact origins, anything else refused', async (t) => {
  t.same(loadConfig({}).corsOrigins, [], 'no browser origin is allowed unless listed');
  t.same(
    loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173,https://app.example.com,' }).corsOrigins,
    ['https://app.example.com', 'http://127.0.0.1:5173'],
    'trimmed, deduplicated',
  );
  for (const bad of [
    '*',
    'app.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    'ftp://x.example.com',
  ]) {
    t.throws(
      () => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${bad}` }),
      { name: 'ConfigError', message: /CORS_ORIGINS: .* is not an origin/ },
      bad,
    );
  }
});

t.test('rate limits: on by default with their defaults, tunable, off with RATE_LIMIT=false', async (t) => {
  const config = loadConfig({});
  t.same(config.rateLimit, { windowMs: 60_000, ipMax: 1_200, userMax: 60, cacheSize: 10_000, exemptLoopback: true });
  t.equal(config.trustProxy, false);
  t.same(
    loadConfig({
      RATE_LIMIT_WINDOW_MS: '10000',
      RATE_LIMIT_IP_MAX: '100',
      RATE_LIMIT_USER_MAX: '10',
      RATE_LIMIT_CACHE: '500',
      RATE_LIMIT_EXEMPT_LOOPBACK: 'false',
    }).rateLimit,
    { windowMs: 10_000, ipMax: 100, userMax: 10, cacheSize: 500, exemptLoopback: false },
  );
  t.equal(loadConfig({ RATE_LIMIT: 'false' }).rateLimit, null);
  t.equal(loadConfig({ RATE_LIMIT: 'false', RATE_LIMIT_USER_MAX: '5000' }).rateLimit, null, 'off: maxima not compared');
  const trust: [string, boolean | number | string][] = [
    ['true', true],
    ['false', false],
    ['2', 2],
    ['10.0.0.0/8, 127.0.0.1', '10.0.0.0/8,127.0.0.1'],
    ['loopback', 'loopback'],
  ];
  for (const [value, expected] of trust) t.same(loadConfig({ TRUST_PROXY: value }).trustProxy, expected, value);
});

t.test('bad rate-limit settings are refused', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'user limit above the address limit',
      { RATE_LIMIT_IP_MAX: '10', RATE_LIMIT_USER_MAX: '11' },
      /RATE_LIMIT_USER_MAX \(11\) must not exceed RATE_LIMIT_IP_MAX \(10\)/,
    ],
    ['zero requests', { RATE_LIMIT_IP_MAX: '0' }, /RATE_LIMIT_IP_MAX/],
    ['window under a second', { RATE_LIMIT_WINDOW_MS: '500' }, /RATE_LIMIT_WINDOW_MS/],
    ['window over five minutes', { RATE_LIMIT_WINDOW_MS: '600000' }, /RATE_LIMIT_WINDOW_MS/],
    ['tiny cache', { RATE_LIMIT_CACHE: '10' }, /RATE_LIMIT_CACHE/],
    ['not a boolean', { RATE_LIMIT: 'sometimes' }, /RATE_LIMIT/],
    ['proxy not an address', { TRUST_PROXY: 'my-proxy.internal' }, /TRUST_PROXY: "my-proxy.internal"/],
  ];
  for (const [label, env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, label);
});
