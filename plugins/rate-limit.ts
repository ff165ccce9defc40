/**
 * Abuse limits (@fastify/rate-limit): every sync-schema and schema-plan introspects a database and
 * every first initialize of a new id creates one. Two limits, each counted in a fixed window:
 * - per client address (IPv6: per /64), on every request but the probes and /metrics, before
 *   authentication (a root onRequest hook runs before a route's own), so floods of bad tokens count;
 * - per token user on /api/user/*, after authentication (preHandler), from whatever address.
 * A request over either is answered 429 RATE_LIMITED with Retry-After, before any database work, and
 * counted in schema_sync_rate_limited_total{limit}. Each limit remembers at most RATE_LIMIT_CACHE
 * keys (least recently seen forgotten first), so many distinct keys cannot grow memory without bound;
 * schema_sync_rate_limit_keys{limit} says how many it holds. Counts live in this process: with N
 * replicas a client can make up to N times the limit (see docs/deployment.md).
 */
import { createRequire } from 'node:module';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import type { RateLimitConfig } from '../lib/config/load.js';
import { METRIC_NAMES } from '../lib/metrics.js';
import { HttpError } from './errors.js';
import { METRICS_PATH } from './metrics.js';

/** Never limited: a load balancer's and a scraper's probes must not be refused for their frequency. */
export const RATE_LIMIT_EXEMPT: ReadonlySet<string> = new Set(['/health', '/ready', METRICS_PATH]);
/** Routes limited per token user as well. */
export const USER_ROUTE_PREFIX = '/api/user/';
const INITIALIZE_PATH = '/api/user/initialize';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

export type LimitName = 'ip' | 'user';

declare module 'fastify' {
  interface FastifyInstance {
    /** Keys each limit holds now (null when RATE_LIMIT=false). */
    rateLimitKeys(): Record<LimitName, number> | null;
  }
}

/** @fastify/rate-limit's in-memory store: a fixed window per key in an LRU of `cache` keys. */
interface LocalStore {
  readonly lru: { readonly size: number };
  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
    max: number,
  ): void;
}
type LocalStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => LocalStore;
// Not in the package's types; wrapped only to read how many keys it holds.
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as LocalStoreCtor;

/** The plugin's store, bounded to `cache` keys per limit, each one recorded in `created` to be measured. */
function boundedStore(cache: number, created: LocalStore[]) {
  return class BoundedStore {
    readonly #store = new LocalStore(false, false, cache);
    constructor() {
      created.push(this.#store);
    }
    incr(...args: Parameters<LocalStore['incr']>): void {
      this.#store.incr(...args);
    }
    child(): BoundedStore {
      return new BoundedStore();
    }
  };
}

const windowText = (ms: number): string =>
  ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;

const rateLimitPlugin: FastifyPluginAsync<{ limits: RateLimitConfig | null }> = async (fastify, { limits }) => {
  if (limits === null) {
    fastify.decorate('rateLimitKeys', () => null);
    return;
  }
  const stores: LocalStore[] = [];
  await fastify.register(rateLimit, {
    global: false,
    timeWindow: limits.windowMs,
    store: boundedStore(limits.cacheSize, stores),
  });

  const metrics = fastify.syncMetrics;
  const limited =
    metrics === null
      ? null
      : new Counter({
          name: METRIC_NAMES.rateLimited,
          help: 'Requests refused with 429 RATE_LIMITED, by limit (ip: per client address, user: per token user).',
          labelNames: ['limit'] as const,
          registers: [metrics.registry],
        });
  for (const limit of ['ip', 'user'] as const) limited?.inc({ limit }, 0);

  interface Limiter {
    readonly name: LimitName;
    readonly max: number;
    /** Whom the limit counts, for the 429 message. */
    readonly who: string;
    readonly check: ReturnType<typeof fastify.createRateLimit>;
    /** Its store, to measure. */
    readonly store: LocalStore | undefined;
  }
  const limiter = (name: LimitName, max: number, who: string, keyGenerator?: (request: FastifyRequest) => string) => {
    const check = fastify.createRateLimit({ max, ...(keyGenerator === undefined ? {} : { keyGenerator }) });
    // createRateLimit has just made the limiter's own store (a child of the plugin's).
    return { name, max, who, check, store: stores.at(-1) } satisfies Limiter;
  };
  // The default key: request.ip (TRUST_PROXY decides whether X-Forwarded-For counts), IPv6 per /64.
  const ip = limiter('ip', limits.ipMax, 'from this address');
  const user = limiter('user', limits.userMax, 'for this user', (request) => `user:${request.user.sub}`);

  fastify.decorate('rateLimitKeys', () => ({ ip: ip.store?.lru.size ?? 0, user: user.store?.lru.size ?? 0 }));
  if (metrics !== null) {
    new Gauge({
      name: METRIC_NAMES.rateLimitKeys,
      help: 'Keys each rate limit remembers (client addresses, token users); at most RATE_LIMIT_CACHE each.',
      labelNames: ['limit'] as const,
      registers: [metrics.registry],
      collect() {
        for (const [limit, size] of Object.entries(fastify.rateLimitKeys() ?? {})) this.set({ limit }, size);
      },
    });
  }

  const enforce = (limit: Limiter) => async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await limit.check(request);
    if (result.isAllowed) return;
    // The tighter of the two limits is the one a client sees in the headers.
    const shown = Number(reply.getHeader('x-ratelimit-remaining') ?? Number.POSITIVE_INFINITY);
    if (result.remaining <= shown || result.isExceeded) {
      void reply.headers({
        'x-ratelimit-limit': result.max,
        'x-ratelimit-remaining': result.remaining,
        'x-ratelimit-reset': result.ttlInSeconds,
      });
    }
    if (!result.isExceeded) return;
    limited?.inc({ limit: limit.name });
    throw new HttpError(
      'RATE_LIMITED',
      `rate limit exceeded: at most ${limit.max} requests per ${windowText(limits.windowMs)} ${limit.who}; retry in ${result.ttlInSeconds} s`,
      {},
      {},
      result.ttl,
    );
  };

  const perAddress = enforce(ip);
  fastify.addHook('onRequest', async (request, reply) => {
    if (RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? '')) return;
    if (limits.exemptLoopback && isLoopback(request.ip)) return;
    await perAddress(request, reply);
  });
  const perUser = enforce(user);
  // A sign-in the cache answers touches no database (plugins/user-sync.ts): what the limit guards
  // is not spent, so it is not counted.
  const countedForUser = async (request: FastifyRequest, reply: FastifyReply) => {
    const signIn = request.routeOptions.url === INITIALIZE_PATH ? (request.body as { user_id?: unknown } | null) : null;
    if (typeof signIn?.user_id === 'string' && request.server.userSync.answersFromCache(signIn.user_id)) return;
    await perUser(request, reply);
  };
  fastify.addHook('onRoute', (route) => {
    if (!route.url.startsWith(USER_ROUTE_PREFIX)) return;
    const own = route.preHandler === undefined ? [] : [route.preHandler].flat();
    route.preHandler = [countedForUser, ...own];
  });
};

export default fp(rateLimitPlugin, {
  name: 'rate-limit',
  fastify: '5.x',
  dependencies: ['errors', 'metrics', 'auth'],
});
