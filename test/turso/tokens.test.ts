/**
 * Pure parts of the Turso provider, with an injected clock: token expirations, JWT expiry, the
 * token cache's renewal in the last quarter (one mint for concurrent callers, the old token kept
 * while a renewal fails), and Retry-After parsing.
 */
import t from 'tap';
import { parseRetryAfter } from '../../lib/providers/turso-api.js';
import { jwtExpiry, parseExpiration, TokenCache } from '../../lib/providers/turso-tokens.js';

const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

t.test('expirations in Turso syntax', async (t) => {
  t.equal(parseExpiration('7d'), 7 * 86_400_000);
  t.equal(parseExpiration('2w1d'), 15 * 86_400_000);
  t.equal(parseExpiration('12h30m'), 45_000_000);
  t.equal(parseExpiration('90s'), 90_000);
  t.equal(parseExpiration('never'), null);
  for (const bad of ['', '7', 'd', '7x', '-1d', '0s', '1.5h']) t.throws(() => parseExpiration(bad), RangeError, bad);
  t.equal(jwtExpiry(jwt({ exp: 1_700_000_000 })), 1_700_000_000_000);
  t.equal(jwtExpiry(jwt({})), null);
  t.equal(jwtExpiry('not-a-jwt'), null);
});

t.test('a token is reused until the last quarter of its life, then renewed once for concurrent callers', async (t) => {
  let now = 1_000_000;
  const cache = new TokenCache({ now: () => now });
  let minted = 0;
  const mint = async () => {
    minted++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { token: `tok-${minted}`, lifetimeMs: 1_000_000 };
  };
  const first = await Promise.all(Array.from({ length: 10 }, () => cache.get('db:a', mint)));
  t.same(new Set(first), new Set(['tok-1']), 'ten concurrent callers, one mint');
  now += 749_000;
  t.equal(await cache.get('db:a', mint), 'tok-1', 'still in the first three quarters');
  now += 2_000;
  const renewed = await Promise.all(Array.from({ length: 5 }, () => cache.get('db:a', mint)));
  t.same(new Set(renewed), new Set(['tok-2']), 'renewed once in the last quarter');
  t.equal(minted, 2);
  t.equal(await cache.get('db:b', mint), 'tok-3', 'per key');
});

t.test('a failed renewal keeps the old token while it is valid; a failed first mint throws', async (t) => {
  let now = 0;
  const cache = new TokenCache({ now: () => now });
  t.equal(await cache.get('g', async () => ({ token: 'old', lifetimeMs: 100 })), 'old');
  now = 80;
  t.equal(await cache.get('g', async () => Promise.reject(new Error('api down'))), 'old', 'the old token, still valid');
  t.equal(cache.valid('g'), 'old');
  now = 101;
  await t.rejects(
    cache.get('g', async () => Promise.reject(new Error('api down'))),
    /api down/,
    'expired: the failure shows',
  );
  t.equal(cache.valid('g'), null);
  await t.rejects(
    new TokenCache().get('x', async () => Promise.reject(new Error('no'))),
    /no/,
  );
  // A JWT's own exp wins over the requested lifetime.
  const exp = new TokenCache({ now: () => 0 });
  await exp.get('j', async () => ({ token: jwt({ exp: 100 }), lifetimeMs: 10 }));
  t.ok(exp.peek('j'), 'fresh: exp is 100 s away');
  cache.setStatic('s', jwt({}));
  t.ok(cache.peek('s'), 'a given token without exp is never renewed');
});

t.test('Retry-After: delta seconds or an HTTP date', async (t) => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  t.equal(parseRetryAfter('2', now), 2_000);
  t.equal(parseRetryAfter(' 0.5 ', now), 500);
  t.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now), 3_000);
  t.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date in the past: now');
  t.equal(parseRetryAfter(null, now), null);
  t.equal(parseRetryAfter('soon', now), null);
});
