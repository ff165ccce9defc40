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
    JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
    JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
    SCHEMA_DIR: Type.Optional(Type.String({ minLength: 1 })),
    DB_PROVIDER: Type.Union([Type.Literal('local'), Type.Literal('turso')], { default: 'local' }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    // Request log of sign-ins the cache answered (no sync, no read): every Nth is written (1: all, 0: none).
    // Every other request (errors, 4xx/5xx, syncs, first sign-ins) is always logged. See plugins/request-log.ts.
    LOG_CACHED_SIGN_IN_EVERY: Type.Integer({ minimum: 0, default: 100 }),
    DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: 64 }),
    DB_POOL_IDLE_MS: Type.Integer({ minimum: 0, default: 60_000 }),
    DB_BUSY_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 5_000 }),
    VERSION_CACHE_SIZE: Type.Integer({ minimum: 0, default: 100_000 }),
    BODY_LIMIT: Type.Integer({ minimum: 1_024, maximum: 1_048_576, default: 16_384 }),
    DOCS: Type.Boolean({ default: true }),
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
