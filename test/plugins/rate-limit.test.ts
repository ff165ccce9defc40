/**
 * Abuse limits: per client address before authentication, per token user on /api/user/* from any
 * address, probes and /metrics exempt, 429 RATE_LIMITED with Retry-After before any database work,
 * counted in /metrics, and bounded memory under many distinct keys.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const limits = (env: Record<string, string>) => ({ env: { RATE_LIMIT_WINDOW_MS: '60000', ...env }, logLevel: 'warn' });
const from = (remoteAddress: string) => ({ remoteAddress });

function metric(text: string, name: string, limit: string): number {
  const match = new RegExp(`^${name}\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

async function scrape(h: TestApp): Promise<string> {
  return (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
}

t.test('per address, before authentication: anonymous floods are counted and refused', async (t) => {
  const h = await buildTestApp(t, limits({ RATE_LIMIT_IP_MAX: '5', RATE_LIMIT_USER_MAX: '5' }));
  const anonymous = () => h.app.inject({ method: 'GET', url: '/api/schema/versions', ...from('203.0.113.7') });
  for (let i = 0; i < 5; i++) t.equal((await anonymous()).statusCode, 401, `request ${i + 1}: 401`);
  const refused = await anonymous();
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), {
    statusCode: 429,
    error: 'Too Many Requests',
    code: 'RATE_LIMITED',
    message: /at most 5 requests per 1 min from this address; retry in \d+ s/,
  });
  const retryAfter = Number(refused.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} s`);
  t.equal(refused.headers['x-ratelimit-limit'], '5');
  t.equal(refused.headers['x-ratelimit-remaining'], '0');
  t.notOk(refused.headers['www-authenticate'], 'refused before the token was looked at');

  const valid = await h.app.inject({
    method: 'GET',
    url: '/api/schema/versions',
    headers: { authorization: `Bearer ${h.token('ada')}` },
    ...from('203.0.113.7'),
  });
  t.equal(valid.statusCode, 429, 'a valid token from that address too');
  t.equal((await h.app.inject({ method: 'GET', url: '/nope', ...from('203.0.113.7') })).statusCode, 429, 'and 404s');
  t.equal(
    (await h.app.inject({ method: 'GET', url: '/api/schema/versions', ...from('203.0.113.8') })).statusCode,
    401,
    'another address has its own count',
  );
  t.equal(
    (await h.app.inject({ method: 'GET', url: '/api/schema/versions', ...from('2001:db8:1:2::7') })).statusCode,
    401,
  );
  for (let i = 0; i < 4; i++) await h.app.inject({ method: 'GET', url: '/nope', ...from('2001:db8:1:2::7') });
  t.equal(
    (await h.app.inject({ method: 'GET', url: '/nope', ...from('2001:db8:1:2:ffff::1') })).statusCode,
    429,
    'IPv6 addresses count per /64',
  );

  for (const url of ['/health', '/ready', '/metrics']) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.app.inject({ method: 'GET', url, ...from('203.0.113.7') })),
    );
    t.same(new Set(answers.map((res) => res.statusCode)), new Set([200]), `${url} is never limited`);
  }
  const text = await scrape(h);
  t.equal(metric(text, 'schema_sync_rate_limited_total', 'ip'), 4, 'four refusals counted in /metrics');
  t.equal(metric(text, 'schema_sync_rate_limited_total', 'user'), 0);
});

t.test('per token user on /api/user/*, from any address; refused before any database work', async (t) => {
  const h = await buildTestApp(t, limits({ RATE_LIMIT_IP_MAX: '1000', RATE_LIMIT_USER_MAX: '3' }));
  const call = (sub: string, address: string, url = `/api/user/schema-version/${sub}`) =>
    h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${h.token(sub)}` }, ...from(address) });
  const init = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token('ada'),
    body: { email: 'ada@example.com', user_id: 'ada' },
  });
  t.equal(init.statusCode, 200, 'first call: initialize');
  t.equal((await call('ada', '198.51.100.2', '/api/user/schema-plan/ada')).statusCode, 200);
  t.equal((await call('ada', '198.51.100.3')).statusCode, 200);
  const roundTrips = h.roundTrips.length;
  const fourth = await h.app.inject({
    method: 'POST',
    url: '/api/user/sync-schema/ada',
    headers: { authorization: `Bearer ${h.token('ada')}` },
    ...from('198.51.100.4'),
  });
  t.equal(fourth.statusCode, 429, 'the fourth call on user routes, from a fourth address');
  t.match(fourth.json(), { code: 'RATE_LIMITED', message: /at most 3 requests per 1 min for this user/ });
  t.ok(Number(fourth.headers['retry-after']) >= 1);
  t.equal(h.roundTrips.length, roundTrips, 'no database round trip for the refused calls');

  const cachedSignIn = await h.app.inject({
    method: 'POST',
    url: '/api/user/initialize',
    headers: { authorization: `Bearer ${h.token('ada')}` },
    payload: { email: 'ada@example.com', user_id: 'ada' },
    ...from('198.51.100.5'),
  });
  t.equal(cachedSignIn.statusCode, 200, 'a sign-in the cache answers touches no database: not limited');
  t.equal((await call('bob', '198.51.100.4')).statusCode, 404, 'another user from the same address is not limited');
  t.equal(
    (await h.call({ method: 'GET', url: '/api/schema/versions', token: h.token('ada') })).statusCode,
    200,
    'outside /api/user/* only the address limit applies',
  );

  const victim = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token('ada'),
    body: { email: 'x@example.com', user_id: 'never-created' },
  });
  t.equal(victim.statusCode, 429);
  t.notOk(existsSync(h.dbPath('never-created')), 'no database created');
  t.equal(metric(await scrape(h), 'schema_sync_rate_limited_total', 'user'), 2);
});

t.test('the window passes and the count starts again', async (t) => {
  const h = await buildTestApp(
    t,
    limits({ RATE_LIMIT_WINDOW_MS: '1000', RATE_LIMIT_IP_MAX: '2', RATE_LIMIT_USER_MAX: '2' }),
  );
  const get = () => h.app.inject({ method: 'GET', url: '/nope', ...from('192.0.2.1') });
  await get();
  await get();
  const refused = await get();
  t.equal(refused.statusCode, 429);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.json().message, /per 1 s/);
  await sleep(1_050);
  t.equal((await get()).statusCode, 404, 'counted afresh');
});

t.test('memory stays bounded under many distinct keys', async (t) => {
  const cache = 100;
  const h = await buildTestApp(
    t,
    limits({ RATE_LIMIT_CACHE: String(cache), RATE_LIMIT_IP_MAX: '1000', RATE_LIMIT_USER_MAX: '1000' }),
  );
  const addresses = 2_000;
  for (let i = 0; i < addresses; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        h.app.inject({
          method: 'GET',
          url: '/nope',
          ...from(`10.${(i + j) >> 16}.${((i + j) >> 8) & 255}.${(i + j) & 255}`),
        }),
      ),
    );
  }
  const users = 500;
  for (let i = 0; i < users; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        h.app.inject({
          method: 'GET',
          url: `/api/user/schema-version/u${i + j}`,
          headers: { authorization: `Bearer ${h.token(`u${i + j}`)}` },
          ...from('10.200.0.1'),
        }),
      ),
    );
  }
  const keys = h.app.rateLimitKeys();
  t.same(keys, { ip: cache, user: cache }, `${addresses} addresses and ${users} users: each limit holds ${cache} keys`);
  const text = await scrape(h);
  t.equal(metric(text, 'schema_sync_rate_limit_keys', 'ip'), cache, 'and /metrics says so');
  t.equal(metric(text, 'schema_sync_rate_limit_keys', 'user'), cache);
});

t.test('TRUST_PROXY decides whether X-Forwarded-For names the client', async (t) => {
  const forwarded = (h: TestApp, client: string) =>
    h.app.inject({ method: 'GET', url: '/nope', headers: { 'x-forwarded-for': client }, ...from('127.0.0.1') });
  // The proxy is on this machine: count it like any other address.
  const direct = await buildTestApp(
    t,
    limits({ RATE_LIMIT_IP_MAX: '2', RATE_LIMIT_USER_MAX: '1', RATE_LIMIT_EXEMPT_LOOPBACK: 'false' }),
  );
  await forwarded(direct, '192.0.2.10');
  await forwarded(direct, '192.0.2.11');
  t.equal(
    (await forwarded(direct, '192.0.2.12')).statusCode,
    429,
    'unset: the header is ignored (one client: the proxy)',
  );

  const proxied = await buildTestApp(
    t,
    limits({
      RATE_LIMIT_IP_MAX: '2',
      RATE_LIMIT_USER_MAX: '1',
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_EXEMPT_LOOPBACK: 'false',
    }),
  );
  for (let i = 0; i < 5; i++) t.equal((await forwarded(proxied, `192.0.2.${20 + i}`)).statusCode, 404);
  await forwarded(proxied, '192.0.2.99');
  await forwarded(proxied, '192.0.2.99');
  t.equal((await forwarded(proxied, '192.0.2.99')).statusCode, 429, 'trusted: each forwarded client counts alone');
});

t.test('RATE_LIMIT=false turns both limits off', async (t) => {
  const h = await buildTestApp(t, limits({ RATE_LIMIT: 'false', RATE_LIMIT_IP_MAX: '1', RATE_LIMIT_USER_MAX: '1' }));
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      h.call({ method: 'GET', url: '/api/user/schema-version/ada', token: h.token('ada') }),
    ),
  );
  t.same(new Set(answers.map((res) => res.statusCode)), new Set([404]));
  t.equal(h.app.rateLimitKeys(), null);
  t.notMatch(await scrape(h), /schema_sync_rate_limited_total/);
});

t.test('a sign-in the cache answers is not counted for its user; one that reaches the database is', async (t) => {
  const h = await buildTestApp(t, limits({ RATE_LIMIT_IP_MAX: '1000', RATE_LIMIT_USER_MAX: '2' }));
  const signIn = (address: string) =>
    h.app.inject({
      method: 'POST',
      url: '/api/user/initialize',
      headers: { authorization: `Bearer ${h.token('ada')}` },
      payload: { email: 'ada@example.com', user_id: 'ada' },
      ...from(address),
    });
  t.equal((await signIn('198.51.100.9')).statusCode, 200, 'the first sign-in creates the database: counted (1 of 2)');
  const roundTrips = h.roundTrips.length;
  for (let i = 0; i < 10; i++) t.equal((await signIn('198.51.100.9')).statusCode, 200, `cached sign-in ${i + 1}: 200`);
  t.equal(h.roundTrips.length, roundTrips, 'the cached sign-ins touched no database');
  const version = () =>
    h.app.inject({
      method: 'GET',
      url: '/api/user/schema-version/ada',
      headers: { authorization: `Bearer ${h.token('ada')}` },
      ...from('198.51.100.9'),
    });
  t.equal((await version()).statusCode, 200, 'a version read is counted (2 of 2)');
  t.equal((await version()).statusCode, 429, 'the next one is over the limit: the cached sign-ins did not count');
});

t.test(
  'clients on this machine are exempt from the per-address limit unless RATE_LIMIT_EXEMPT_LOOPBACK=false',
  async (t) => {
    const exempt = await buildTestApp(t, limits({ RATE_LIMIT_IP_MAX: '2', RATE_LIMIT_USER_MAX: '2' }));
    for (const address of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) {
      const codes = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (await exempt.app.inject({ method: 'GET', url: '/api/schema/versions', ...from(address) })).statusCode,
        );
      t.same(codes, [401, 401, 401, 401], `${address}: not limited`);
    }
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(
        (await exempt.app.inject({ method: 'GET', url: '/api/schema/versions', ...from('192.0.2.1') })).statusCode,
      );
    t.same(codes, [401, 401, 429], 'another address is limited');
    const counted = await buildTestApp(
      t,
      limits({ RATE_LIMIT_IP_MAX: '2', RATE_LIMIT_USER_MAX: '2', RATE_LIMIT_EXEMPT_LOOPBACK: 'false' }),
    );
    const local = [];
    for (let i = 0; i < 3; i++)
      local.push(
        (await counted.app.inject({ method: 'GET', url: '/api/schema/versions', ...from('127.0.0.1') })).statusCode,
      );
    t.same(local, [401, 401, 429], 'RATE_LIMIT_EXEMPT_LOOPBACK=false: this machine is counted too');
  },
);
