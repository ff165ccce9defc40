/**
 * The service's environment as env-schema validates it; lib/config/load.ts turns it into AppConfig.
 */
import { Type } from '@sinclair/typebox';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const EnvSchema = Type.Object(
  {
    NODE_ENV: Type.String({ default: 'development' }),
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
    DATA_DIR: Type.String({ minLength: 1, default: './data' }),
    // 32 characters: an HMAC secret shorter than that can be brute-forced from one token.
    JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
    JWT_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 1 })),
    JWT_JWKS_URL: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^https?://',
        description:
          "URL of the identity provider's JWKS document (its published signing keys); tokens are verified with the key " +
          'their `kid` names. Instead of JWT_SECRET or JWT_PUBLIC_KEY. https, or http only to a loopback host in production. Default: unset.',
      }),
    ),
    JWT_JWKS_MAX_AGE_MS: Type.Integer({
      minimum: 1_000,
      maximum: 86_400_000,
      default: 60_000,
      description:
        "Longest time the JWKS document is cached; shorter when its response's Cache-Control max-age says so. Default: 60000.",
    }),
    JWT_JWKS_COOLDOWN_MS: Type.Integer({
      minimum: 100,
      maximum: 86_400_000,
      default: 10_000,
      description:
        'Shortest time between two JWKS fetches: a token with an unknown kid, or a failed fetch, waits this long ' +
        'before causing another (also the shortest cache time). At most JWT_JWKS_MAX_AGE_MS. Default: 10000.',
    }),
    JWT_JWKS_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 3_000,
      description: 'A JWKS fetch taking longer fails (the request is answered 503 JWKS_UNAVAILABLE). Default: 3000.',
    }),
    JWT_USER_CLAIM: Type.String({
      minLength: 1,
      default: 'sub',
      description:
        'The claim holding the user id (a top-level claim, else a dotted path such as `user.id`); tokens must still ' +
        'carry `sub`. Default: sub.',
    }),
    JWT_ADMIN_CLAIM: Type.String({
      minLength: 1,
      default: 'scope',
      description:
        'The claim that can grant admin (act for any user): a space-separated string (OAuth scope) or an array ' +
        '(permissions, roles, groups); a top-level claim, else a dotted path such as `realm_access.roles`. Default: scope.',
    }),
    JWT_ADMIN_VALUE: Type.String({
      minLength: 1,
      default: 'schema:admin',
      description: 'The value JWT_ADMIN_CLAIM must contain to grant admin. Default: schema:admin.',
    }),
    JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
    JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
    CORS_ORIGINS: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser; preflight ' +
          'allows Authorization and Content-Type. Default: none (browsers on other origins are refused).',
      }),
    ),
    SCHEMA_DIR: Type.Optional(Type.String({ minLength: 1 })),
    DB_PROVIDER: Type.Union([Type.Literal('local'), Type.Literal('turso')], { default: 'local' }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: 64 }),
    DB_POOL_IDLE_MS: Type.Integer({ minimum: 0, default: 60_000 }),
    DB_BUSY_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 5_000 }),
    VERSION_CACHE_SIZE: Type.Integer({ minimum: 0, default: 100_000 }),
    BODY_LIMIT: Type.Integer({ minimum: 1_024, maximum: 1_048_576, default: 16_384 }),
    DOCS: Type.Boolean({ default: true }),
    RATE_LIMIT: Type.Boolean({
      default: true,
      description:
        'Per-address and per-user request limits on/off (off when a gateway in front already limits). Default: true.',
    }),
    RATE_LIMIT_WINDOW_MS: Type.Integer({
      minimum: 1_000,
      // Retry-After is capped at 300 s (plugins/errors.ts): a longer window would send callers back too early.
      maximum: 300_000,
      default: 60_000,
      description: 'The window the limits count requests in. Default: 60000 (a minute).',
    }),
    RATE_LIMIT_IP_MAX: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 1_200,
      description:
        'Requests per window from one client address (IPv6: one /64), counted before authentication, on every ' +
        'route but /health, /ready and /metrics. Behind a proxy set TRUST_PROXY, or every client is the proxy. Default: 1200.',
    }),
    RATE_LIMIT_USER_MAX: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 60,
      description:
        "Requests per window for one token's user on /api/user/* (sign-in, sync, plan, version), from any address. " +
        'At most RATE_LIMIT_IP_MAX. Default: 60.',
    }),
    RATE_LIMIT_CACHE: Type.Integer({
      minimum: 100,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Most keys (addresses, users) each limit remembers; past it the least recently seen is forgotten, so memory ' +
        'stays bounded. Default: 10000.',
    }),
    TRUST_PROXY: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Which proxies' X-Forwarded-For to believe for the client address (rate limits, logs): true (any), a hop " +
          'count, or comma-separated addresses/CIDRs. Default: unset (the socket address; headers ignored).',
      }),
    ),
    METRICS: Type.Boolean({ default: true }),
    // Optional bearer token for GET /metrics; 16+ characters so it cannot be guessed.
    METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
    // Default: 5 s in production (time for a load balancer to see /ready fail), 0 elsewhere.
    DRAIN_DELAY_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    // Threads for local (file:) syncs, off the event loop; 0 runs them on it. Default: cores, at most 4.
    SYNC_THREADS: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
    // Smaller database files migrate on the event loop in milliseconds; a thread costs more than that.
    SYNC_THREAD_MIN_BYTES: Type.Integer({ minimum: 0, default: 1_048_576 }),
    // DB_PROVIDER=turso (required there, checked in tursoConfig).
    TURSO_API_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
    TURSO_ORG: Type.Optional(Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9-]*$' })),
    TURSO_GROUP: Type.Optional(Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9-]*$' })),
    TURSO_API_URL: Type.String({ minLength: 1, pattern: '^https?://', default: 'https://api.turso.tech' }),
    TURSO_TLS: Type.Boolean({ default: true }),
    TURSO_GROUP_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
    TURSO_TOKEN_EXPIRATION: Type.String({ minLength: 1, default: '7d' }),
  },
  { additionalProperties: true },
);
