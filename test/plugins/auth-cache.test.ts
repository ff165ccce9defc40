/**
 * The verifier remembers verified tokens (fast-jwt's cache, lib/config/jwt-options.ts), so a
 * repeated sign-in skips the signature check; a remembered token still stops working at its
 * exp, and a token refused as not yet valid is accepted once its nbf has passed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildTestApp, craftToken, nowSeconds, TEST_SECRET, type TestApp } from '../helpers/app.js';

const hs256 = { alg: 'HS256', typ: 'JWT' };
const initialize = (h: TestApp, token: string) =>
  h.call({ method: 'POST', url: '/api/user/initialize', token, body: { email: 'ada@example.com', user_id: 'ada' } });

/** Sleeps until `seconds` (a JWT time) is in the past. */
const until = (seconds: number): Promise<void> => sleep(Math.max(0, seconds * 1000 - Date.now()) + 50);

t.test('a verified token is remembered: the same claims come back without a second check', async (t) => {
  const h = await buildTestApp(t);
  const token = h.token('ada');
  t.equal(h.app.jwt.verify(token), h.app.jwt.verify(token), 'one object: answered from the cache');
  t.not(h.app.jwt.verify(h.token('bob')), h.app.jwt.verify(token), 'another token, another entry');
});

t.test('a remembered token stops working at its exp', async (t) => {
  const h = await buildTestApp(t);
  const exp = nowSeconds() + 2;
  const token = craftToken(hs256, { sub: 'ada', iat: nowSeconds(), exp }, TEST_SECRET);
  t.equal((await initialize(h, token)).statusCode, 200);
  t.equal((await initialize(h, token)).statusCode, 200, 'from the cache');
  await until(exp);
  const res = await initialize(h, token);
  t.equal(res.statusCode, 401);
  t.equal(res.json().code, 'TOKEN_EXPIRED');
});

t.test('a token refused before its nbf is accepted after it (refusals are not remembered)', async (t) => {
  const h = await buildTestApp(t);
  const nbf = nowSeconds() + 1;
  const token = craftToken(hs256, { sub: 'ada', iat: nowSeconds(), nbf }, TEST_SECRET);
  t.equal((await initialize(h, token)).statusCode, 401);
  await until(nbf);
  t.equal((await initialize(h, token)).statusCode, 200);
});
