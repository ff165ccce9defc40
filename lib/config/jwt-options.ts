/** How tokens are verified (and, with a secret, signed): shared by plugins/auth.ts, the CLI's token command and bench/signin's floor. */
import type { FastifyJWTOptions } from '@fastify/jwt';
import type { JwtConfig } from './load.js';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const KEY_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** Verified tokens remembered (one small entry each). */
export const VERIFY_CACHE_SIZE = 1_000;

/**
 * @fastify/jwt options for a JWT config. Algorithms are pinned per key type: `none` and HMAC-with-a-public-key
 * confusion are refused by the verifier itself.
 */
export function jwtOptions(jwt: JwtConfig): FastifyJWTOptions {
  const verify = {
    algorithms: [...(jwt.mode === 'secret' ? HMAC_ALGORITHMS : KEY_ALGORITHMS)],
    // fast-jwt checks iss/aud only when present: a configured issuer or audience must be required too.
    requiredClaims: [
      'sub',
      ...(jwt.issuer === undefined ? [] : ['iss']),
      ...(jwt.audience === undefined ? [] : ['aud']),
    ],
    ...(jwt.issuer === undefined ? {} : { allowedIss: jwt.issuer }),
    ...(jwt.audience === undefined ? {} : { allowedAud: jwt.audience }),
    // fast-jwt remembers the last VERIFY_CACHE_SIZE verified tokens (keyed by a hash of the token), so a
    // client signing in again with the same token skips the signature check; an entry is never used past
    // the token's exp or before its nbf, and refusals are not remembered.
    cache: VERIFY_CACHE_SIZE,
  };
  if (jwt.mode === 'public-key') return { secret: { public: jwt.publicKey }, verify };
  return {
    secret: jwt.secret,
    verify,
    sign: {
      algorithm: 'HS256',
      ...(jwt.issuer === undefined ? {} : { iss: jwt.issuer }),
      ...(jwt.audience === undefined ? {} : { aud: jwt.audience }),
    },
  };
}
