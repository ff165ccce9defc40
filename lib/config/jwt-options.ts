/** How tokens are verified (and, with a secret, signed): shared by plugins/auth.ts, the CLI's token command and bench/signin's floor. */
import type { FastifyJWTOptions } from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import { JWKS_ALGORITHMS, type TokenHeader } from '../jwks.js';
import type { JwtConfig } from './load.js';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** The same list for a PEM public key as for JWKS keys. */
const KEY_ALGORITHMS = JWKS_ALGORITHMS;

/** JWT_JWKS_URL: the key of each token, from its header (lib/jwks.ts), and the token as the service reads it. */
export interface JwksVerification {
  readonly keyFor: (header: TokenHeader) => Promise<string>;
  readonly extractToken: (request: FastifyRequest) => string;
}

/** Verified tokens remembered (one small entry each). */
export const VERIFY_CACHE_SIZE = 1_000;

/**
 * @fastify/jwt options for a JWT config. Algorithms are pinned per key type: `none` and HMAC-with-a-public-key
 * confusion are refused by the verifier itself.
 */
export function jwtOptions(jwt: JwtConfig, jwks?: JwksVerification): FastifyJWTOptions {
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
  if (jwt.mode === 'jwks') {
    if (jwks === undefined)
      throw new Error('JWT_JWKS_URL: tokens are verified by the auth plugin, which holds the keys');
    return {
      // The header says which key; @fastify/jwt caches one verifier per key it is given.
      secret: (_request: FastifyRequest, token: { header: TokenHeader }) => jwks.keyFor(token.header),
      decode: { complete: true },
      verify: { ...verify, extractToken: jwks.extractToken },
      // Keep fast-jwt's reason in the message (the default is a generic "Authorization token is invalid").
      messages: { authorizationTokenInvalid: (error: Error) => error.message },
    } as FastifyJWTOptions;
  }
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
