/**
 * The service's environment as env-schema validates it; lib/config/load.ts turns it into AppConfig.
 * Every variable's `description` is its documentation: `npm run docs:config` writes the table in
 * docs/configuration.md from this schema, and a test fails when that table is stale.
 */
import { Type } from '@sinclair/typebox';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** DRAIN_DELAY_MS when unset and NODE_ENV=production: time for a load balancer to see /ready fail. */
export const PRODUCTION_DRAIN_DELAY_MS = 5_000;
/** SYNC_THREADS when unset is the usable cores, at most this many. */
export const DEFAULT_SYNC_THREADS_MAX = 4;

/**
 * Variables without a schema `default` whose value, when unset, lib/config/load.ts computes; the
 * generated table prints these instead of "unset".
 */
export const COMPUTED_DEFAULTS = {
  DRAIN_DELAY_MS: `\`${PRODUCTION_DRAIN_DELAY_MS}\` when \`NODE_ENV=production\`, else \`0\``,
  SYNC_THREADS: `the usable CPU cores (within the container's CPU quota), at most \`${DEFAULT_SYNC_THREADS_MAX}\``,
} as const;

export const EnvSchema = Type.Object(
  {
    NODE_ENV: Type.String({
      default: 'development',
      description:
        '`production` refuses to start without `JWT_SECRET` or `JWT_PUBLIC_KEY` and sets the default `DRAIN_DELAY_MS`; ' +
        'elsewhere a missing key means an ephemeral secret and an admin token printed at start.',
    }),
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on.' }),
    HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }),
    DATA_DIR: Type.String({
      minLength: 1,
      default: './data',
      description: 'Local provider: one libSQL file per user, `DATA_DIR/<name>.db`, created on demand.',
    }),
    JWT_SECRET: Type.Optional(
      Type.String({
        // 32 characters: an HMAC secret shorter than that can be brute-forced from one token.
        minLength: 32,
        description:
          'HS256/384/512 secret that verifies tokens (and lets `schema-sync token` mint them). ' +
          'Set this or `JWT_PUBLIC_KEY`, not both.',
      }),
    ),
    JWT_PUBLIC_KEY: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "PEM public key of the identity provider's tokens (RS/PS/ES/EdDSA); `\\n` escapes are accepted. " +
          'Set this or `JWT_SECRET`, not both.',
      }),
    ),
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
    JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'When set, tokens must carry this `iss`.' })),
    JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1, description: 'When set, tokens must carry this `aud`.' })),
    CORS_ORIGINS: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser; preflight ' +
          'allows Authorization and Content-Type. Default: none (browsers on other origins are refused).',
      }),
    ),
    SCHEMA_DIR: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A directory of `<semver>.sql` versions that replaces the built-in versions (docs/schema-versions.md).',
      }),
    ),
    DB_PROVIDER: Type.Union([Type.Literal('local'), Type.Literal('turso')], {
      default: 'local',
      description:
        '`local`: one libSQL file per user under `DATA_DIR`; `turso`: one Turso database per user through the ' +
        'Platform API (needs the `TURSO_*` variables, docs/turso.md).',
    }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', description: 'pino log level.' },
    ),
    LOG_CACHED_SIGN_IN_EVERY: Type.Integer({
      minimum: 0,
      default: 100,
      description:
        'Request log of sign-ins the cache answered (no sync, no read): every Nth is written (`1`: all, `0`: none). ' +
        'Every other request (errors, 4xx/5xx, syncs, first sign-ins) is always logged (plugins/request-log.ts).',
    }),
    DB_POOL_SIZE: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 64,
      description: 'Open user-database clients kept (LRU; a client in use is never closed).',
    }),
    DB_POOL_IDLE_MS: Type.Integer({
      minimum: 0,
      default: 60_000,
      description: 'Close clients idle this long (`0`: only on eviction).',
    }),
    DB_BUSY_TIMEOUT_MS: Type.Integer({
      minimum: 0,
      default: 5_000,
      description: "How long a local query waits for another connection's lock.",
    }),
    VERSION_CACHE_SIZE: Type.Integer({
      minimum: 0,
      default: 100_000,
      description: 'Users remembered as being at the current version (`0` turns the sign-in cache off).',
    }),
    BODY_LIMIT: Type.Integer({
      minimum: 1_024,
      maximum: 1_048_576,
      default: 16_384,
      description: 'Largest request body in bytes (larger: 413 `BODY_TOO_LARGE`).',
    }),
    DOCS: Type.Boolean({
      default: true,
      description: 'Serve Swagger UI at `/docs` and the OpenAPI document at `/docs/json` and `/docs/yaml`.',
    }),
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
    RATE_LIMIT_EXEMPT_LOOPBACK: Type.Boolean({
      default: true,
      description:
        'Clients on this machine (127.0.0.0/8, ::1: sidecars, probes, load tests) are not counted by the per-address ' +
        'limit. Behind a proxy on the same host set TRUST_PROXY, so that the client address is the forwarded one.',
    }),
    TRUST_PROXY: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Which proxies' X-Forwarded-For to believe for the client address (rate limits, logs): true (any), a hop " +
          'count, or comma-separated addresses/CIDRs. Default: unset (the socket address; headers ignored).',
      }),
    ),
    METRICS: Type.Boolean({
      default: true,
      description: 'Serve Prometheus metrics at `GET /metrics` and count them (docs/service.md).',
    }),
    METRICS_TOKEN: Type.Optional(
      Type.String({
        // 16+ characters so it cannot be guessed.
        minLength: 16,
        description: 'When set, `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`.',
      }),
    ),
    DRAIN_DELAY_MS: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 600_000,
        description: 'On SIGTERM, keep serving this long with `/ready` answering 503 before closing.',
      }),
    ),
    DRAIN_IDLE_GRACE_MS: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 1_000,
      description:
        'Once the listener has closed, how long a kept-alive connection without a request in progress may ' +
        'still send one (answered with Connection: close) before it is closed.',
    }),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'After the drain delay, exit 1 anyway if closing takes longer than this.',
    }),
    SYNC_THREADS: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 64,
        description: 'Worker threads for local (`file:`) migrations, off the event loop; `0` runs them on it.',
      }),
    ),
    // Smaller files migrate on the event loop in milliseconds; a thread costs more than that.
    SYNC_THREAD_MIN_BYTES: Type.Integer({
      minimum: 0,
      default: 1_048_576,
      description:
        'Local files at least this big migrate on a thread, smaller ones on the event loop (`0`: all on threads).',
    }),
    // DB_PROVIDER=turso: the first three are required there (checked in load.ts, tursoConfig).
    TURSO_API_TOKEN: Type.Optional(
      Type.String({ minLength: 1, description: '`DB_PROVIDER=turso` (required): a Platform API token.' }),
    ),
    TURSO_ORG: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[a-z0-9][a-z0-9-]*$',
        description: '`DB_PROVIDER=turso` (required): the organization slug.',
      }),
    ),
    TURSO_GROUP: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[a-z0-9][a-z0-9-]*$',
        description: '`DB_PROVIDER=turso` (required): the group user databases live in.',
      }),
    ),
    TURSO_API_URL: Type.String({
      minLength: 1,
      pattern: '^https?://',
      default: 'https://api.turso.tech',
      description: 'The Platform API (tests point it at a local stand-in).',
    }),
    TURSO_TLS: Type.Boolean({
      default: true,
      description:
        '`false`: connect to and hand out `http://<hostname>` instead of `libsql://<hostname>` (local servers).',
    }),
    TURSO_GROUP_TOKEN: Type.Optional(
      Type.String({
        minLength: 1,
        description: "The service's own token for the group; unset: minted through the API at start and renewed.",
      }),
    ),
    TURSO_TOKEN_EXPIRATION: Type.String({
      minLength: 1,
      default: '7d',
      description: 'Lifetime of the database tokens users get (`12h`, `2w1d`, `never`).',
    }),
    TURSO_WARM_HOSTNAMES: Type.Boolean({
      default: true,
      description:
        "After a start, read the group's database listing in the background (one Platform API call per 100 databases, up to 100,000) so a returning user's first sign-in needs no create or lookup call.",
    }),
  },
  { additionalProperties: true },
);
