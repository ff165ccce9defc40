/**
 * Tokens from an identity provider (JWT_JWKS_URL) against a real JWKS endpoint on 127.0.0.1 with
 * real RSA and EC keys: rotation, a removed key, a flood of unknown kids (fetches counted at the
 * server), the endpoint down and back (503 + Retry-After, then 200), issuer/audience, refused
 * algorithms, and where providers put the user id and the admin grant.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildTestApp, craftToken, nowSeconds, type TestApp } from '../helpers/app.js';
import {
  ecKey,
  hs256WithPublicKey,
  rsaKey,
  signJwt,
  startJwksServer,
  type JwksServer,
} from '../support/jwks-server.js';

const rsa1 = rsaKey('rsa-2024');
const rsa2 = rsaKey('rsa-2025');
const ec1 = ecKey('ec-p256');
const ec2 = ecKey('ec-p384', 'P-384');

const claims = (sub: string, extra: Record<string, unknown> = {}) => ({
  sub,
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
  ...extra,
});

async function jwksApp(t: Parameters<typeof buildTestApp>[0], jwks: JwksServer, env: Record<string, string> = {}) {
  return buildTestApp(t, { env: { JWT_SECRET: '', JWT_JWKS_URL: jwks.url, ...env }, logLevel: 'warn' });
}

const versions = (h: TestApp, token: string) => h.call({ method: 'GET', url: '/api/schema/versions', token });

t.test('RSA and EC keys from the JWKS verify; the key set is fetched once and cached', async (t) => {
  const jwks = await startJwksServer(t, [rsa1, ec1, ec2]);
  const h = await jwksApp(t, jwks);
  for (const key of [rsa1, ec1, ec2]) {
    const res = await versions(h, signJwt(key, claims('ada')));
    t.equal(res.statusCode, 200, `${key.alg} (${key.kid})`);
  }
  t.equal(jwks.fetches, 1, 'one fetch for three keys and three requests');

  const init = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: signJwt(rsa1, claims('ada')),
    body: { email: 'ada@example.com', user_id: 'ada' },
  });
  t.equal(init.statusCode, 200, 'sign-in works with a provider token');
  const other = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: signJwt(ec1, claims('mallory')),
    body: { email: 'ada@example.com', user_id: 'ada' },
  });
  t.equal(other.statusCode, 403, 'and the token still speaks for its own user only');
  t.throws(() => h.app.signToken({ sub: 'x' }), /JWT_JWKS_URL/, 'the service cannot mint tokens');
});

t.test(
  'rotation: a new kid is fetched on first sight; a removed key stops verifying once the cache expires',
  async (t) => {
    const jwks = await startJwksServer(t, [rsa1]);
    jwks.cacheControl = 'public, max-age=1';
    const h = await jwksApp(t, jwks, { JWT_JWKS_COOLDOWN_MS: '200' });
    const old = signJwt(rsa1, claims('ada'));
    t.equal((await versions(h, old)).statusCode, 200);
    t.equal(jwks.fetches, 1);

    // The provider publishes a new key beside the old one and starts signing with it.
    jwks.publish([rsa1, rsa2]);
    await sleep(250); // past the cool-down, well within the 1 s cache
    t.equal((await versions(h, signJwt(rsa2, claims('ada')))).statusCode, 200, 'the new kid triggered a refetch');
    t.equal(jwks.fetches, 2, 'one refetch');
    t.equal((await versions(h, old)).statusCode, 200, 'the old key still verifies');

    // The old key is withdrawn: trusted until the cached document expires (max-age=1), not after.
    jwks.publish([rsa2]);
    t.equal((await versions(h, old)).statusCode, 200, 'while the cache is fresh');
    await sleep(1_100);
    const after = await versions(h, old);
    t.equal(after.statusCode, 401, 'once it expired');
    t.match(after.json(), { code: 'TOKEN_INVALID', message: /no key with kid "rsa-2024"/ });
    t.equal((await versions(h, signJwt(rsa2, claims('ada')))).statusCode, 200, 'the new key verifies');
    t.equal(jwks.fetches, 3);
  },
);

t.test('Cache-Control max-age shortens the cache; JWT_JWKS_MAX_AGE_MS caps it', async (t) => {
  const jwks = await startJwksServer(t, [ec1]);
  jwks.cacheControl = 'max-age=3600';
  const h = await jwksApp(t, jwks, { JWT_JWKS_MAX_AGE_MS: '1000', JWT_JWKS_COOLDOWN_MS: '200' });
  const token = signJwt(ec1, claims('ada'));
  t.equal((await versions(h, token)).statusCode, 200);
  await sleep(600);
  t.equal((await versions(h, token)).statusCode, 200);
  t.equal(jwks.fetches, 1, 'cached within the cap');
  await sleep(500);
  t.equal((await versions(h, token)).statusCode, 200);
  t.equal(jwks.fetches, 2, 'refetched after the 1 s cap, though the server said an hour');

  jwks.cacheControl = 'no-cache';
  await sleep(1_050);
  t.equal((await versions(h, token)).statusCode, 200);
  t.equal(jwks.fetches, 3);
  t.equal((await versions(h, token)).statusCode, 200);
  t.equal(jwks.fetches, 3, 'no-cache still caches for the cool-down');
  await sleep(250);
  t.equal((await versions(h, token)).statusCode, 200);
  t.equal(jwks.fetches, 4, 'and then refetches');
});

t.test('a flood of unknown kids costs the provider one fetch per cool-down, not one each', async (t) => {
  const jwks = await startJwksServer(t, [rsa1]);
  const cooldownMs = 1_000;
  const h = await jwksApp(t, jwks, { JWT_JWKS_COOLDOWN_MS: String(cooldownMs) });
  t.equal((await versions(h, signJwt(rsa1, claims('ada')))).statusCode, 200);
  t.equal(jwks.fetches, 1);
  await sleep(cooldownMs + 50);

  // Waves of concurrent tokens with made-up kids, the later ones after the cool-down has passed again.
  const forged = (i: number) => signJwt(rsa2, claims(`u${i}`), { kid: `made-up-${i}` });
  const started = Date.now();
  const before = jwks.fetches;
  const waves = 4;
  const perWave = 250;
  const statuses: number[] = [];
  for (let wave = 0; wave < waves; wave++) {
    if (wave === 2) await sleep(cooldownMs + 50);
    const answers = await Promise.all(
      Array.from({ length: perWave }, (_, i) => versions(h, forged(wave * perWave + i))),
    );
    statuses.push(...answers.map((res) => res.statusCode));
  }
  const elapsed = Date.now() - started;
  const fetched = jwks.fetches - before;
  t.same(new Set(statuses), new Set([401]), 'every forged token is refused');
  const bound = 1 + Math.floor(elapsed / cooldownMs);
  t.ok(fetched >= 2, 'an unknown kid does cause a refetch once the cool-down has passed');
  t.ok(fetched <= bound, `${fetched} fetches for ${waves * perWave} unknown kids in ${elapsed} ms (bound ${bound})`);
  t.comment(`flood: ${waves * perWave} tokens with unknown kids in ${elapsed} ms -> ${fetched} JWKS fetches`);
  t.equal((await versions(h, signJwt(rsa1, claims('ada')))).statusCode, 200, 'the real key still verifies');
});

t.test('the JWKS endpoint down: 503 JWKS_UNAVAILABLE with Retry-After, never 401; back: 200', async (t) => {
  const jwks = await startJwksServer(t, [rsa1, ec1]);
  jwks.cacheControl = 'max-age=1';
  const h = await jwksApp(t, jwks, { JWT_JWKS_COOLDOWN_MS: '500' });
  const token = signJwt(rsa1, claims('ada'));
  t.equal((await versions(h, token)).statusCode, 200);

  await jwks.down();
  await sleep(1_050); // the cached document has expired
  const fetchesWhileDown = jwks.fetches;
  const down = await versions(h, token);
  t.equal(down.statusCode, 503, 'a valid token is not refused because the keys cannot be fetched');
  t.match(down.json(), { statusCode: 503, code: 'JWKS_UNAVAILABLE', message: /JWKS is unavailable/ });
  const retryAfter = Number(down.headers['retry-after']);
  t.equal(retryAfter, 1, 'Retry-After: the cool-down left (under 500 ms), rounded up to a second');
  const again = await Promise.all(Array.from({ length: 50 }, () => versions(h, signJwt(ec1, claims('bob')))));
  t.same(new Set(again.map((res) => res.statusCode)), new Set([503]), 'every request waits out the cool-down');
  t.equal(jwks.fetches, fetchesWhileDown, 'nothing reached the (closed) port meanwhile');

  // An HTTP error from the provider is an outage too.
  await jwks.up();
  jwks.status = 502;
  await sleep(550);
  const bad = await versions(h, token);
  t.equal(bad.statusCode, 503);
  t.match(bad.json().message, /HTTP 502/);
  t.ok(bad.headers['retry-after']);

  jwks.status = null;
  await sleep(550);
  t.equal((await versions(h, token)).statusCode, 200, 'back: the same token verifies');
});

t.test('JWT_ISSUER and JWT_AUDIENCE keep working with JWKS keys', async (t) => {
  const jwks = await startJwksServer(t, [ec1]);
  const h = await jwksApp(t, jwks, { JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'schema-sync' });
  const good = { iss: 'https://idp.example.com/', aud: 'schema-sync' };
  t.equal((await versions(h, signJwt(ec1, claims('ada', good)))).statusCode, 200);
  const cases: [string, Record<string, unknown>][] = [
    ['wrong issuer', { ...good, iss: 'https://evil.example.com/' }],
    ['wrong audience', { ...good, aud: 'another-api' }],
    ['no issuer', { aud: 'schema-sync' }],
    ['no audience', { iss: 'https://idp.example.com/' }],
  ];
  for (const [label, extra] of cases) {
    const res = await versions(h, signJwt(ec1, claims('ada', extra)));
    t.equal(res.statusCode, 401, label);
    t.equal(res.json().code, 'TOKEN_INVALID', label);
  }
  const expired = await versions(h, signJwt(ec1, { ...claims('ada', good), exp: nowSeconds() - 10 }));
  t.equal(expired.json().code, 'TOKEN_EXPIRED');
});

t.test('HS256, none and mismatched algorithms are refused before any fetch', async (t) => {
  const jwks = await startJwksServer(t, [rsa1, ec1]);
  const h = await jwksApp(t, jwks);
  t.equal((await versions(h, signJwt(rsa1, claims('ada')))).statusCode, 200);
  const fetched = jwks.fetches;
  const cases: [string, string][] = [
    ['HS256 with the public key as secret', hs256WithPublicKey(rsa1, claims('ada'))],
    ['alg none', craftToken({ alg: 'none', typ: 'JWT', kid: rsa1.kid }, claims('ada'), null)],
    ['HS256 with some secret', craftToken({ alg: 'HS256', kid: rsa1.kid }, claims('ada'), 'x'.repeat(40))],
    ['ES256 header on an RSA kid', signJwt(ec1, claims('ada'), { kid: rsa1.kid })],
    ['RSA key, signature of another RSA key', signJwt(rsa2, claims('ada'), { kid: rsa1.kid })],
  ];
  for (const [label, token] of cases) {
    const res = await versions(h, token);
    t.equal(res.statusCode, 401, label);
    t.equal(res.json().code, 'TOKEN_INVALID', label);
  }
  t.equal(jwks.fetches, fetched, 'no fetch for any of them');
});

t.test('a token without kid uses the only key for its algorithm', async (t) => {
  const jwks = await startJwksServer(t, [rsa1, ec1]);
  const h = await jwksApp(t, jwks);
  t.equal((await versions(h, signJwt(ec1, claims('ada'), { kid: undefined }))).statusCode, 200, 'one EC key');
  jwks.publish([rsa1, ec1, ecKey('ec-2')]);
  const h2 = await jwksApp(t, jwks);
  const res = await versions(h2, signJwt(ec1, claims('ada'), { kid: undefined }));
  t.equal(res.statusCode, 401, 'two EC keys: ambiguous');
  t.match(res.json().message, /no kid/);
});

/** Claims as three providers shape them (see docs/deployment.md). */
t.test('the user id and admin grant come from the configured claims', async (t) => {
  const jwks = await startJwksServer(t, [rsa1]);
  const route = (h: TestApp, token: string, user: string) =>
    h.call({ method: 'GET', url: `/api/user/schema-version/${encodeURIComponent(user)}`, token });
  const cases: {
    provider: string;
    env: Record<string, string>;
    admin: Record<string, unknown>;
    notAdmin: Record<string, unknown>;
  }[] = [
    {
      provider: 'Auth0 (RBAC permissions array)',
      env: { JWT_ADMIN_CLAIM: 'permissions' },
      admin: { permissions: ['read:things', 'schema:admin'] },
      notAdmin: { permissions: ['read:things'], scope: 'openid' },
    },
    {
      provider: 'Keycloak (realm roles, a nested claim)',
      env: { JWT_ADMIN_CLAIM: 'realm_access.roles', JWT_ADMIN_VALUE: 'schema-admin' },
      admin: { realm_access: { roles: ['offline_access', 'schema-admin'] } },
      notAdmin: { realm_access: { roles: ['offline_access'] }, scope: 'schema-admin' },
    },
    {
      provider: 'Cognito (groups, a claim name with a colon)',
      env: { JWT_ADMIN_CLAIM: 'cognito:groups', JWT_ADMIN_VALUE: 'schema-admins' },
      admin: { 'cognito:groups': ['schema-admins'] },
      notAdmin: { 'cognito:groups': 'schema-admins-not' },
    },
    {
      provider: 'Auth0 namespaced custom claim (dots and slashes in the name)',
      env: { JWT_ADMIN_CLAIM: 'https://example.com/roles', JWT_ADMIN_VALUE: 'admin' },
      admin: { 'https://example.com/roles': ['admin'] },
      notAdmin: { 'https://example.com/roles': ['user'] },
    },
  ];
  for (const { provider, env, admin, notAdmin } of cases) {
    const h = await jwksApp(t, jwks, env);
    t.equal(
      (await route(h, signJwt(rsa1, claims('ops', admin)), 'victim')).statusCode,
      404,
      `${provider}: admin may look at another user (404: no database yet)`,
    );
    const refused = await route(h, signJwt(rsa1, claims('ops', notAdmin)), 'victim');
    t.equal(refused.statusCode, 403, `${provider}: without the value, 403`);
    t.match(refused.json().message, new RegExp(`needs "${env['JWT_ADMIN_VALUE'] ?? 'schema:admin'}" in its`));
  }

  const custom = await jwksApp(t, jwks, { JWT_USER_CLAIM: 'user.id' });
  const token = signJwt(rsa1, claims('sub-is-not-it', { user: { id: 'ada' } }));
  t.equal((await route(custom, token, 'ada')).statusCode, 404, 'JWT_USER_CLAIM names the user (nested)');
  t.equal((await route(custom, token, 'sub-is-not-it')).statusCode, 403, 'and sub no longer does');
  const none = await route(custom, signJwt(rsa1, claims('ada')), 'ada');
  t.equal(none.statusCode, 401);
  t.match(none.json().message, /no user id \(user\.id\)/);
});
