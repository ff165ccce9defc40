/**
 * Configuration: the environment, validated once at start-up (env-schema), turned into one typed
 * object for server.ts, the CLI and the plugins (plugins/config.ts decorates the app with it).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Static } from '@sinclair/typebox';
import envSchema from 'env-schema';
import { usableCores } from '../cores.js';
import { TURSO_HASH_LENGTH, tursoNameBudget } from '../naming.js';
import { parseExpiration } from '../providers/turso-tokens.js';
import { EnvSchema, type LogLevelName } from './env-schema.js';

type Env = Static<typeof EnvSchema>;

interface JwtClaimsConfig {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}
export type JwtConfig =
  | (JwtClaimsConfig & { readonly mode: 'secret'; readonly secret: string; readonly ephemeral: boolean })
  | (JwtClaimsConfig & { readonly mode: 'public-key'; readonly publicKey: string });

export interface AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly jwt: JwtConfig;
  readonly schemaDir: string | undefined;
  readonly dbProvider: 'local' | 'turso';
  readonly logLevel: LogLevelName;
  /** Request-log sampling of cache-answered sign-ins: every Nth line is written (1: all, 0: none). */
  readonly logCachedSignInEvery: number;
  readonly pool: { readonly size: number; readonly idleMs: number };
  readonly busyTimeoutMs: number;
  /** Users remembered as being at the current version; 0 turns the sign-in cache off. */
  readonly versionCacheSize: number;
  readonly bodyLimit: number;
  readonly docs: boolean;
  /** GET /metrics on or off, and the bearer token it requires (none: open, like /health). */
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined };
  /** On SIGTERM: keep serving (with /ready 503) this long, then close; exit after `timeoutMs` more at most. */
  readonly shutdown: { readonly drainDelayMs: number; readonly timeoutMs: number };
  /** Worker threads running local syncs of files of at least `minBytes`; 0 threads = all on the event loop. */
  readonly syncThreads: { readonly count: number; readonly minBytes: number };
  /** Set when DB_PROVIDER=turso. */
  readonly turso: TursoConfig | null;
}

export interface TursoConfig {
  readonly apiToken: string;
  readonly org: string;
  readonly group: string;
  readonly apiUrl: string;
  readonly tls: boolean;
  readonly groupToken: string | undefined;
  readonly tokenExpiration: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates `env` (default: process.env). Throws ConfigError with a message fit for a human. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // `KEY=` in a .env template means "not set", not "set to nothing".
  const data = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  let parsed: Env;
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data, env: false, dotenv: false });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }
  return {
    nodeEnv: parsed.NODE_ENV,
    port: parsed.PORT,
    host: parsed.HOST,
    dataDir: resolve(parsed.DATA_DIR),
    jwt: jwtConfig(parsed),
    schemaDir: parsed.SCHEMA_DIR === undefined ? undefined : resolve(parsed.SCHEMA_DIR),
    dbProvider: parsed.DB_PROVIDER,
    logLevel: parsed.LOG_LEVEL,
    logCachedSignInEvery: parsed.LOG_CACHED_SIGN_IN_EVERY,
    pool: { size: parsed.DB_POOL_SIZE, idleMs: parsed.DB_POOL_IDLE_MS },
    busyTimeoutMs: parsed.DB_BUSY_TIMEOUT_MS,
    versionCacheSize: parsed.VERSION_CACHE_SIZE,
    bodyLimit: parsed.BODY_LIMIT,
    docs: parsed.DOCS,
    metrics: { enabled: parsed.METRICS, token: parsed.METRICS_TOKEN },
    syncThreads: { count: parsed.SYNC_THREADS ?? Math.min(4, usableCores()), minBytes: parsed.SYNC_THREAD_MIN_BYTES },
    shutdown: {
      drainDelayMs: parsed.DRAIN_DELAY_MS ?? (parsed.NODE_ENV === 'production' ? 5_000 : 0),
      timeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    },
    turso: parsed.DB_PROVIDER === 'turso' ? tursoConfig(parsed) : null,
  };
}

function tursoConfig(env: Env): TursoConfig {
  const missing = (['TURSO_API_TOKEN', 'TURSO_ORG', 'TURSO_GROUP'] as const).filter((key) => env[key] === undefined);
  if (missing.length > 0) throw new ConfigError(`invalid configuration: DB_PROVIDER=turso needs ${missing.join(', ')}`);
  const org = env.TURSO_ORG as string;
  if (tursoNameBudget(org) < TURSO_HASH_LENGTH) {
    throw new ConfigError(
      `invalid configuration: TURSO_ORG is too long (${org.length} characters): "<database>-<org>" must fit one 63-character DNS label`,
    );
  }
  try {
    parseExpiration(env.TURSO_TOKEN_EXPIRATION);
  } catch (error) {
    throw new ConfigError(`invalid configuration: TURSO_TOKEN_EXPIRATION: ${(error as Error).message}`);
  }
  return {
    apiToken: env.TURSO_API_TOKEN as string,
    org,
    group: env.TURSO_GROUP as string,
    apiUrl: env.TURSO_API_URL,
    tls: env.TURSO_TLS,
    groupToken: env.TURSO_GROUP_TOKEN,
    tokenExpiration: env.TURSO_TOKEN_EXPIRATION,
  };
}

function jwtConfig(env: Env): JwtConfig {
  const claims = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  if (env.JWT_SECRET !== undefined && env.JWT_PUBLIC_KEY !== undefined) {
    throw new ConfigError('invalid configuration: set JWT_SECRET or JWT_PUBLIC_KEY, not both');
  }
  if (env.JWT_SECRET !== undefined) return { mode: 'secret', secret: env.JWT_SECRET, ephemeral: false, ...claims };
  if (env.JWT_PUBLIC_KEY !== undefined) {
    // Environments often hold a PEM on one line with literal "\n" separators.
    const publicKey = env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n');
    if (!publicKey.includes('-----BEGIN')) {
      throw new ConfigError(
        'invalid configuration: JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----…)',
      );
    }
    return { mode: 'public-key', publicKey, ...claims };
  }
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'refusing to start: NODE_ENV=production needs JWT_SECRET (at least 32 characters) or JWT_PUBLIC_KEY (PEM). ' +
        'Without one the service would invent a secret that changes on every restart and differs between replicas.',
    );
  }
  return { mode: 'secret', secret: randomBytes(32).toString('base64url'), ephemeral: true, ...claims };
}
