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
import { DEFAULT_SYNC_THREADS_MAX, EnvSchema, PRODUCTION_DRAIN_DELAY_MS, type LogLevelName } from './env-schema.js';

type Env = Static<typeof EnvSchema>;

interface JwtClaimsConfig {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}
export type JwtConfig =
  | (JwtClaimsConfig & { readonly mode: 'secret'; readonly secret: string; readonly ephemeral: boolean })
  | (JwtClaimsConfig & { readonly mode: 'public-key'; readonly publicKey: string })
  | (JwtClaimsConfig & { readonly mode: 'jwks'; readonly jwks: JwksConfig });

/** JWT_JWKS_*: where the identity provider publishes its keys, and how long they are trusted. */
export interface JwksConfig {
  readonly url: string;
  readonly maxAgeMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
}

/** Where a verified token names its user and whether it may act for any user (providers differ). */
export interface PrincipalClaimsConfig {
  /** JWT_USER_CLAIM (default `sub`). */
  readonly userClaim: string;
  /** JWT_ADMIN_CLAIM (default `scope`): a space-separated string or an array of strings. */
  readonly adminClaim: string;
  /** JWT_ADMIN_VALUE (default `schema:admin`): what the admin claim must contain. */
  readonly adminValue: string;
}

export interface AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly jwt: JwtConfig;
  readonly claims: PrincipalClaimsConfig;
  /** Request limits per client address (before authentication) and per token user (/api/user/*); null: off. */
  readonly rateLimit: RateLimitConfig | null;
  /** Fastify's `trustProxy`: whose X-Forwarded-For names the client. */
  readonly trustProxy: boolean | number | string;
  /** Browser origins allowed to call the API (CORS); empty: none. */
  readonly corsOrigins: readonly string[];
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
  /**
   * On SIGTERM: keep serving (with /ready 503) `drainDelayMs`, then close, giving idle kept-alive
   * connections `idleGraceMs` to send a request; exit after `timeoutMs` more at most.
   */
  readonly shutdown: { readonly drainDelayMs: number; readonly idleGraceMs: number; readonly timeoutMs: number };
  /** Worker threads running local syncs of files of at least `minBytes`; 0 threads = all on the event loop. */
  readonly syncThreads: { readonly count: number; readonly minBytes: number };
  /** Set when DB_PROVIDER=turso. */
  readonly turso: TursoConfig | null;
}

export interface RateLimitConfig {
  readonly windowMs: number;
  readonly ipMax: number;
  readonly userMax: number;
  /** Keys each limit remembers at most (LRU). */
  readonly cacheSize: number;
  /** Whether a client on this machine (127.0.0.0/8, ::1) is exempt from the per-address limit. */
  readonly exemptLoopback: boolean;
}

export interface TursoConfig {
  readonly apiToken: string;
  readonly org: string;
  readonly group: string;
  readonly apiUrl: string;
  readonly tls: boolean;
  readonly groupToken: string | undefined;
  readonly tokenExpiration: string;
  /** Read the group's listing in the background after a start to learn hostnames. */
  readonly warmHostnames: boolean;
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
    corsOrigins: corsOrigins(parsed.CORS_ORIGINS),
    rateLimit: rateLimitConfig(parsed),
    trustProxy: trustProxy(parsed.TRUST_PROXY),
    claims: {
      userClaim: parsed.JWT_USER_CLAIM,
      adminClaim: parsed.JWT_ADMIN_CLAIM,
      adminValue: parsed.JWT_ADMIN_VALUE,
    },
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
    syncThreads: {
      count: parsed.SYNC_THREADS ?? Math.min(DEFAULT_SYNC_THREADS_MAX, usableCores()),
      minBytes: parsed.SYNC_THREAD_MIN_BYTES,
    },
    shutdown: {
      drainDelayMs: parsed.DRAIN_DELAY_MS ?? (parsed.NODE_ENV === 'production' ? PRODUCTION_DRAIN_DELAY_MS : 0),
      idleGraceMs: parsed.DRAIN_IDLE_GRACE_MS,
      timeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    },
    turso: parsed.DB_PROVIDER === 'turso' ? tursoConfig(parsed) : null,
  };
}

function rateLimitConfig(env: Env): RateLimitConfig | null {
  if (!env.RATE_LIMIT) return null;
  // A user's requests come from addresses too: a user limit above the address limit could never be reached.
  if (env.RATE_LIMIT_USER_MAX > env.RATE_LIMIT_IP_MAX) {
    throw new ConfigError(
      `invalid configuration: RATE_LIMIT_USER_MAX (${env.RATE_LIMIT_USER_MAX}) must not exceed RATE_LIMIT_IP_MAX (${env.RATE_LIMIT_IP_MAX})`,
    );
  }
  return {
    windowMs: env.RATE_LIMIT_WINDOW_MS,
    ipMax: env.RATE_LIMIT_IP_MAX,
    userMax: env.RATE_LIMIT_USER_MAX,
    cacheSize: env.RATE_LIMIT_CACHE,
    exemptLoopback: env.RATE_LIMIT_EXEMPT_LOOPBACK,
  };
}

/** TRUST_PROXY as Fastify takes it: true/false, a hop count, or addresses/CIDRs (proxy-addr checks them at start-up). */
function trustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((item) => item.trim());
  for (const entry of entries) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && !['loopback', 'linklocal', 'uniquelocal'].includes(entry)) {
      throw new ConfigError(
        `invalid configuration: TRUST_PROXY: ${JSON.stringify(entry)} is not true, false, a hop count, an address or a CIDR`,
      );
    }
  }
  return entries.join(',');
}

/** CORS_ORIGINS as exact origins: a browser sends `Origin: https://app.example.com`, never a path or a wildcard. */
function corsOrigins(list: string | undefined): string[] {
  if (list === undefined) return [];
  const origins = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (parsed === null || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `invalid configuration: CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no trailing slash, no wildcard)`,
      );
    }
  }
  return [...new Set(origins)];
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
    warmHostnames: env.TURSO_WARM_HOSTNAMES,
  };
}

function jwtConfig(env: Env): JwtConfig {
  const claims = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  const keys = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const).filter((key) => env[key] !== undefined);
  if (keys.length > 1) {
    throw new ConfigError(
      `invalid configuration: set one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL, not both ${keys.join(' and ')}`,
    );
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
  if (env.JWT_JWKS_URL !== undefined) return { mode: 'jwks', jwks: jwksConfig(env, env.JWT_JWKS_URL), ...claims };
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'refusing to start: NODE_ENV=production needs JWT_SECRET (at least 32 characters) or JWT_PUBLIC_KEY (PEM), ' +
        "or JWT_JWKS_URL (your identity provider's JWKS). " +
        'Without one the service would invent a secret that changes on every restart and differs between replicas.',
    );
  }
  return { mode: 'secret', secret: randomBytes(32).toString('base64url'), ephemeral: true, ...claims };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function jwksConfig(env: Env, url: string): JwksConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`invalid configuration: JWT_JWKS_URL is not a URL: ${url}`);
  }
  // Whoever can change the keys in transit can sign any token: plain http only to this machine.
  if (env.NODE_ENV === 'production' && parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new ConfigError(
      'invalid configuration: JWT_JWKS_URL must be https in production (http only to a loopback host)',
    );
  }
  if (env.JWT_JWKS_COOLDOWN_MS > env.JWT_JWKS_MAX_AGE_MS) {
    throw new ConfigError(
      `invalid configuration: JWT_JWKS_COOLDOWN_MS (${env.JWT_JWKS_COOLDOWN_MS}) must not exceed JWT_JWKS_MAX_AGE_MS (${env.JWT_JWKS_MAX_AGE_MS})`,
    );
  }
  return {
    url: parsed.href,
    maxAgeMs: env.JWT_JWKS_MAX_AGE_MS,
    cooldownMs: env.JWT_JWKS_COOLDOWN_MS,
    timeoutMs: env.JWT_JWKS_TIMEOUT_MS,
  };
}
