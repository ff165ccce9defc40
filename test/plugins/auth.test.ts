/**
 * Who may act on which user: 401 for every way a token can be missing or bad, 403 for another
 * user, schema:admin for anyone. Every refusal writes nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import t from 'tap';
import { buildTestApp, craftToken, nowSeconds, TEST_SECRET, type TestApp } from '../helpers/app.js';

const body = { email: 'ada@example.com', user_id: 'ada' };
const initialize = (h: TestApp, headers: Record<string, string>) =>
  h.call({ method: 'POST', url: '/api/user/initialize', body, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('missing, malformed, expired, tampered, wrongly signed and unsigned tokens are 401', async (t) => {
  const h = await buildTestApp(t);
  const valid = h.token('ada');
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const claims = { sub: 'ada', iat: nowSeconds() };
  const otherPayload = Buffer.from(JSON.stringify({ sub: 'ada', scope: 'schema:admin', iat: nowSeconds() })).toString(
    'base64url',
  );
  const cases: [string, Record<string, string>, string][] = [
    ['no Authorization header', {}, 'TOKEN_MISSING'],
    ['empty Authorization header', { authorization: '' }, 'TOKEN_MISSING'],
    ['Basic scheme', { authorization: 'Basic YWRhOnB3' }, 'TOKEN_INVALID'],
    ['Bearer without a token', { authorization: 'Bearer ' }, 'TOKEN_INVALID'],
    ['token without scheme', { authorization: valid }, 'TOKEN_INVALID'],
    ['garbage', bearer('not-a-jwt'), 'TOKEN_INVALID'],
    ['two segments', bearer(`${header}.${payload}`), 'TOKEN_INVALID'],
    [
      'non-JSON payload',
      bearer(`${header}.${Buffer.from('nope').toString('base64url')}.${signature}`),
      'TOKEN_INVALID',
    ],
    ['expired', bearer(craftToken(hs256, { ...claims, exp: nowSeconds() - 60 }, TEST_SECRET)), 'TOKEN_EXPIRED'],
    [
      'not active yet',
      bearer(craftToken(hs256, { ...claims, nbf: nowSeconds() + 3600 }, TEST_SECRET)),
      'TOKEN_INVALID',
    ],
    ['tampered payload (escalated scope)', bearer(`${header}.${otherPayload}.${signature}`), 'TOKEN_INVALID'],
    ['tampered signature', bearer(`${header}.${payload}.${signature.slice(0, -4)}AAAA`), 'TOKEN_INVALID'],
    [
      'signed with another secret',
      bearer(craftToken(hs256, claims, 'another-secret-that-is-also-long-enough!')),
      'TOKEN_INVALID',
    ],
    ['alg none, no signature', bearer(craftToken({ alg: 'none', typ: 'JWT' }, claims, null)), 'TOKEN_INVALID'],
    [
      'alg none with a signature',
      bearer(`${craftToken({ alg: 'none', typ: 'JWT' }, claims, null)}${signature}`),
      'TOKEN_INVALID',
    ],
    ['alg NONE', bearer(craftToken({ alg: 'NONE', typ: 'JWT' }, claims, null)), 'TOKEN_INVALID'],
    ['no sub', bearer(craftToken(hs256, { iat: nowSeconds() }, TEST_SECRET)), 'TOKEN_INVALID'],
    ['empty sub', bearer(craftToken(hs256, { sub: '' }, TEST_SECRET)), 'TOKEN_INVALID'],
    ['numeric sub', bearer(craftToken(hs256, { sub: 42 }, TEST_SECRET)), 'TOKEN_INVALID'],
  ];
  for (const [label, headers, code] of cases) {
    const res = await initialize(h, headers);
    t.equal(res.statusCode, 401, `${label}: status`);
    t.match(res.json(), { statusCode: 401, error: 'Unauthorized', code, message: String }, label);
    t.match(res.headers['www-authenticate'], /^Bearer/, `${label}: WWW-Authenticate`);
  }
  t.same(readdirSync(h.dataDir), [], 'nothing written');
  t.equal((await initialize(h, bearer(valid))).statusCode, 200, 'the untampered token works');
});

t.test('401 comes before input validation: anonymous callers learn nothing about the body', async (t) => {
  const h = await buildTestApp(t);
  const res = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    payload: '{broken',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(res.statusCode, 401);
});

t.test('every user route: 401 without a token, 403 for another user, 200 for admin', async (t) => {
  const h = await buildTestApp(t);
  await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token('victim'),
    body: { email: 'v@example.com', user_id: 'victim' },
  });
  const routes: [string, string][] = [
    ['POST', '/api/user/sync-schema/victim'],
    ['GET', '/api/user/schema-version/victim'],
    ['GET', '/api/user/schema-plan/victim'],
  ];
  for (const [method, url] of routes) {
    const m = method as 'GET';
    t.equal((await h.call({ method: m, url })).statusCode, 401, `${method} ${url} anonymous`);
    const other = await h.call({ method: m, url, token: h.token('mallory') });
    t.equal(other.statusCode, 403, `${method} ${url} other user`);
    t.match(other.json(), { statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN' });
    const almost = await h.call({
      method: m,
      url,
      token: h.token('mallory', { scope: 'schema:administrator schema:read' }),
    });
    t.equal(almost.statusCode, 403, 'a scope that merely starts with schema:admin is not it');
    const caseDiffers = await h.call({ method: m, url, token: h.token('Victim') });
    t.equal(caseDiffers.statusCode, 403, 'ids are case-sensitive');
    t.equal((await h.call({ method: m, url, token: h.token('victim') })).statusCode, 200, `${method} ${url} own user`);
    t.equal((await h.call({ method: m, url, token: h.adminToken() })).statusCode, 200, `${method} ${url} admin`);
    const arrayScope = await h.call({ method: m, url, token: h.token('ops', { scope: ['schema:admin'] }) });
    t.equal(arrayScope.statusCode, 200, 'scopes sent as an array are understood too');
  }
});

t.test('JWT_ISSUER and JWT_AUDIENCE are enforced when configured', async (t) => {
  const h = await buildTestApp(t, { env: { JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'schema-sync' } });
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const base = { sub: 'ada', iat: nowSeconds() };
  t.equal((await initialize(h, bearer(h.token('ada')))).statusCode, 200, 'tokens the app signs carry both');
  const ok = craftToken(hs256, { ...base, iss: 'https://idp.example.com/', aud: 'schema-sync' }, TEST_SECRET);
  t.equal((await initialize(h, bearer(ok))).statusCode, 200);
  for (const [label, claims] of [
    ['wrong issuer', { ...base, iss: 'https://evil.example.com/', aud: 'schema-sync' }],
    ['wrong audience', { ...base, iss: 'https://idp.example.com/', aud: 'another-api' }],
    ['neither', base],
  ] as const) {
    const res = await initialize(h, bearer(craftToken(hs256, claims, TEST_SECRET)));
    t.equal(res.statusCode, 401, label);
    t.equal(res.json().code, 'TOKEN_INVALID', label);
  }
});

t.test('JWT_PUBLIC_KEY: RS256 tokens verify; the public key used as an HMAC secret does not', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const h = await buildTestApp(t, { env: { JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n') } });
  const { createSign } = await import('node:crypto');
  const rs256 = (claims: Record<string, unknown>): string => {
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };
  t.equal((await initialize(h, bearer(rs256({ sub: 'ada', iat: nowSeconds() })))).statusCode, 200);
  const confused = craftToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'ada' }, publicPem);
  t.equal((await initialize(h, bearer(confused))).statusCode, 401, 'algorithm confusion refused');
  t.throws(() => h.app.signToken({ sub: 'x' }), /public key/, 'cannot mint tokens without a secret');
});
