/**
 * Who may act on which user. A bearer JWT's `sub` is the user; the `schema:admin` scope
 * (space-separated `scope` claim, as in OAuth 2) may act for any user.
 *
 * 401 = we do not know who you are (missing, malformed, expired, wrongly signed, unsigned token);
 * 403 = we know, and you may not act on that user.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { JwtConfig } from '../lib/config/load.js';
import { jwtOptions } from '../lib/config/jwt-options.js';
import { ADMIN_SCOPE } from '../lib/config/admin-scope.js';
import { HttpError } from './errors.js';

export { ADMIN_SCOPE };

export interface TokenClaims {
  readonly sub?: unknown;
  readonly scope?: unknown;
  readonly [claim: string]: unknown;
}

export interface Principal {
  /** The token's subject: the user it speaks for. */
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

/** Turns verified claims into a principal, or refuses a token that names no user. */
export function principalOf(claims: TokenClaims): Principal {
  if (typeof claims.sub !== 'string' || claims.sub === '')
    throw unauthorized('TOKEN_INVALID', 'token has no subject (sub)');
  const scopes = scopesOf(claims.scope);
  return { sub: claims.sub, scopes, admin: scopes.includes(ADMIN_SCOPE) };
}

function scopesOf(scope: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  // Some identity providers send scopes as an array; accept it rather than silently dropping them.
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

function tokenFailure(error: unknown): HttpError {
  const code = (error as { code?: unknown }).code;
  if (code === 'FAST_JWT_EXPIRED') return unauthorized('TOKEN_EXPIRED', 'token has expired');
  if (code === 'FAST_JWT_INACTIVE') return unauthorized('TOKEN_INVALID', 'token is not active yet (nbf)');
  const reason = error instanceof Error ? error.message.replace(/\.$/, '') : 'verification failed';
  return unauthorized('TOKEN_INVALID', `invalid token: ${reason}`);
}

const authPlugin: FastifyPluginAsync<{ jwt: JwtConfig }> = async (fastify, { jwt }) => {
  await fastify.register(fastifyJwt, jwtOptions(jwt));

  fastify.decorate('authenticate', async (request: FastifyRequest) => {
    const token = bearerToken(request);
    let claims: TokenClaims;
    try {
      claims = fastify.jwt.verify<TokenClaims>(token);
    } catch (error) {
      throw tokenFailure(error);
    }
    request.user = principalOf(claims);
  });

  fastify.decorate('assertMayActFor', (request: FastifyRequest, userId: string) => {
    const principal = request.user;
    if (principal.sub === userId || principal.admin) return;
    throw new HttpError(
      'FORBIDDEN',
      `this token may act only on its own user (sub); acting for another user needs the ${ADMIN_SCOPE} scope`,
    );
  });

  fastify.decorate(
    'signToken',
    (claims: { sub: string; scope?: string }, options?: { expiresIn?: string | number }) => {
      if (jwt.mode !== 'secret')
        throw new Error('cannot sign tokens: only a public key (JWT_PUBLIC_KEY) is configured');
      return fastify.jwt.sign(claims, options?.expiresIn === undefined ? {} : { expiresIn: options.expiresIn });
    },
  );
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['errors'] });
