/**
 * GET /metrics: Prometheus text format, for a scraper. The metric definitions live in
 * lib/metrics.ts (shared with `sync-all --metrics-file`); this plugin wires their scrape-time
 * gauges to the pool and the sign-in cache and decorates `fastify.syncMetrics` for user-sync.
 *
 * Open by default, like /health: the numbers say how busy the service is, never who its users
 * are (no user ids or database names in labels). With METRICS_TOKEN set, a scrape must send
 * `Authorization: Bearer <METRICS_TOKEN>`. Hidden from the OpenAPI document: it is not part of
 * the JSON API and the SDK has nothing to do with it. METRICS=false removes the route and the
 * counting.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createSyncMetrics, type SyncMetrics } from '../lib/metrics.js';
import { bearerToken } from './auth.js';
import { HttpError } from './errors.js';

export const METRICS_PATH = '/metrics';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's metrics; null when METRICS=false. */
    syncMetrics: SyncMetrics | null;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Throws 401 unless the request carries the metrics token (compared in constant time). */
function checkMetricsToken(request: FastifyRequest, expected: Buffer): void {
  const token = bearerToken(request);
  if (!timingSafeEqual(digest(token), expected)) {
    throw new HttpError(
      'TOKEN_INVALID',
      'invalid metrics token',
      {},
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    );
  }
}

const metricsPlugin: FastifyPluginAsync = async (fastify) => {
  const { enabled, token } = fastify.config.metrics;
  if (!enabled) {
    fastify.decorate('syncMetrics', null);
    return;
  }
  const metrics = createSyncMetrics({
    processMetrics: true,
    openClients: () => fastify.databases.openClients(),
    // user-sync registers after this plugin; the gauge is read at scrape time.
    signInCacheUsers: () => (fastify.hasDecorator('userSync') ? fastify.userSync.cachedUsers() : 0),
  });
  fastify.decorate('syncMetrics', metrics);
  const expected = token === undefined ? null : digest(token);

  fastify.get(
    METRICS_PATH,
    {
      logLevel: 'warn',
      schema: { hide: true },
      ...(expected === null
        ? {}
        : { onRequest: async (request: FastifyRequest) => checkMetricsToken(request, expected) }),
    },
    async (_request, reply) => {
      const body = await metrics.text();
      return reply.type(metrics.contentType).send(body);
    },
  );
};

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['config', 'errors', 'databases'] });
