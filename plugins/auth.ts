/**
 * Who may act on which user. A bearer JWT's `sub` is the user; the `schema:admin` scope
 * (space-separated `scope` claim, as in OAuth 2) may act for any user. Both claims can be
 * others (JWT_USER_CLAIM, JWT_ADMIN_CLAIM, JWT_ADMIN_VALUE), since identity providers differ.
 * Tokens are checked against JWT_SECRET, JWT_PUBLIC_KEY or the identity provider's JWKS
 * (JWT_JWKS_URL, keys cached by lib/jwks.ts).
 *
 * 401 = we do not know who you are (missing, malformed, expired, wrongly signed, unsigned token);
 * 403 = we know, and you may not act on that user;
 * 503 JWKS_UNAVAILABLE = the identity provider's keys cannot be fetched now, so we cannot tell.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { JwtConfig, PrincipalClaimsConfig } from '../lib/config/load.js';
import { jwtOptions } from '../lib/config/jwt-options.js';
import { ADMIN_SCOPE } from '../lib/config/admin-scope.js';
import { JwksKeyError, JwksKeySet, JwksUnavailableError } from '../lib/jwks.js';
import { HttpError } from './errors.js';

export { ADMIN_SCOPE };

export interface TokenClaims {
  readonly sub?: unknown;
  readonly scope?: unknown;
  readonly [claim: string]: unknown;
}

export interface Principal {
  /** The user the token speaks for: its `sub`, or the claim JWT_USER_CLAIM names. */
  readonly sub: string;
  readonly scopes: readonly string[];
  readonly admin: boolean;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 401 unless the request carries a valid bearer token; sets `request.user`. */
    authenticate: onRequestAsyncHookHandler;
    /** Throws 403 unless the authenticated principal may act on `userId`. */
    assertMayActFor(request: FastifyRequest, userId: string): void;
    /** Signs a token (only when a secret is configured, not a public key). */
    signToken(claims: { sub: string; scope?: string }, options?: { expiresIn?: string | number }): string;
  }
}

const unauthorized = (code: 'TOKEN_MISSING' | 'TOKEN_EXPIRED' | 'TOKEN_INVALID', message: string): HttpError =>
  new HttpError(code, message, {}, { 'www-authenticate': `Bearer error="invalid_token"` });

/** The bearer token of a request, or an HttpError saying why there is none. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw new HttpError(
      'TOKEN_MISSING',
      'missing Authorization header (expected: Bearer <token>)',
      {},
      { 'www-authenticate': 'Bearer' },
    );
  }
  const match = /^Bearer +([^ ]+) *$/i.exec(header);
  if (!match?.[1]) throw unauthorized('TOKEN_INVALID', 'malformed Authorization header (expected: Bearer <token>)');
  return match[1];
}

export const DEFAULT_PRINCIPAL_CLAIMS: PrincipalClaimsConfig = {
  userClaim: 'sub',
  adminClaim: 'scope',
  adminValue: ADMIN_SCOPE,
};

/** Turns verified claims into a principal, or refuses a token that names no user. */
export function principalOf(claims: TokenClaims, config: PrincipalClaimsConfig = DEFAULT_PRINCIPAL_CLAIMS): Principal {
  const user = claimAt(claims, config.userClaim);
  if (typeof user !== 'string' || user === '') {
    throw unauthorized(
      'TOKEN_INVALID',
      config.userClaim === 'sub' ? 'token has no subject (sub)' : `token has no user id (${config.userClaim})`,
    );
  }
  const scopes = scopesOf(claims.scope);
  const grants = config.adminClaim === 'scope' ? scopes : scopesOf(claimAt(claims, config.adminClaim));
  return { sub: user, scopes, admin: grants.includes(config.adminValue) };
}

/**
 * A claim by name, else by dotted path (`realm_access.roles`): names with dots (Auth0's namespaced
 * `https://example.com/roles`) are found as they are first.
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function scopesOf(scope: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  // Some identity providers send scopes as an array; accept it rather than silently dropping them.
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

function tokenFailure(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // The token may well be valid: say so with a 503 the caller can retry, never a 401 that signs it out.
  if (error instanceof JwksUnavailableError)
    return new HttpError('JWKS_UNAVAILABLE', error.message, {}, {}, error.retryAfterMs);
  if (error instanceof JwksKeyError) return unauthorized('TOKEN_INVALID', `invalid token: ${error.message}`);
  const code = (error as { code?: unknown }).code;
  if (code === 'FAST_JWT_EXPIRED' || code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED')
    return unauthorized('TOKEN_EXPIRED', 'token has expired');
  if (code === 'FAST_JWT_INACTIVE') return unauthorized('TOKEN_INVALID', 'token is not active yet (nbf)');
  const reason = error instanceof Error ? error.message.replace(/\.$/, '') : 'verification failed';
  return unauthorized('TOKEN_INVALID', `invalid token: ${reason}`);
}

const authPlugin: FastifyPluginAsync<{ jwt: JwtConfig; claims?: PrincipalClaimsConfig }> = async (
  fastify,
  { jwt, claims: claimsConfig = DEFAULT_PRINCIPAL_CLAIMS },
) => {
  const keys =
    jwt.mode === 'jwks'
      ? new JwksKeySet({
          ...jwt.jwks,
          onFetch: ({ ok, keys: count, maxAgeMs, error }) => {
            if (ok) fastify.log.info({ jwks: jwt.jwks.url, keys: count, maxAgeMs }, 'fetched the JWKS');
            else fastify.log.warn({ jwks: jwt.jwks.url, reason: error }, 'JWKS fetch failed');
          },
        })
      : null;
  await fastify.register(
    fastifyJwt,
    jwtOptions(jwt, keys === null ? undefined : { keyFor: (header) => keys.keyFor(header), extractToken: bearerToken }),
  );

  fastify.decorate('authenticate', async (request: FastifyRequest) => {
    const token = bearerToken(request);
    let claims: TokenClaims;
    try {
      // With a JWKS the key is found (maybe fetched) from the token's header, asynchronously.
      claims = keys === null ? fastify.jwt.verify<TokenClaims>(token) : await request.jwtVerify<TokenClaims>();
    } catch (error) {
      throw tokenFailure(error);
    }
    request.user = principalOf(claims, claimsConfig);
  });

  const forbidden =
    claimsConfig.adminClaim === 'scope'
      ? `acting for another user needs the ${claimsConfig.adminValue} scope`
      : `acting for another user needs "${claimsConfig.adminValue}" in its ${claimsConfig.adminClaim} claim`;
  fastify.decorate('assertMayActFor', (request: FastifyRequest, userId: string) => {
    const principal = request.user;
    if (principal.sub === userId || principal.admin) return;
    throw new HttpError(
      'FORBIDDEN',
      `this token may act only on its own user (${claimsConfig.userClaim}); ${forbidden}`,
    );
  });

  fastify.decorate(
    'signToken',
    (claims: { sub: string; scope?: string }, options?: { expiresIn?: string | number }) => {
      if (jwt.mode !== 'secret')
        throw new Error(
          `cannot sign tokens: only ${jwt.mode === 'jwks' ? "the identity provider's public keys (JWT_JWKS_URL) are" : 'a public key (JWT_PUBLIC_KEY) is'} configured`,
        );
      return fastify.jwt.sign(claims, options?.expiresIn === undefined ? {} : { expiresIn: options.expiresIn });
    },
  );
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['errors'] });
