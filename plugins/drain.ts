/**
 * Draining for a deploy. `fastify.drain.start()` (server.ts calls it on SIGTERM) turns /ready to
 * 503 SHUTTING_DOWN at once so the load balancer stops sending new work, while requests keep
 * being served normally; every response from then on carries `Connection: close`, so clients
 * stop reusing keep-alive connections that the server is about to close. server.ts then waits
 * DRAIN_DELAY_MS and calls `close()`: Fastify stops listening, waits for requests in flight,
 * user-sync waits for running syncs, and the pool closes every client.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface Drain {
  /** True from `start()` on. */
  readonly draining: boolean;
  /** When draining started (ms since the epoch), or null. */
  readonly since: number | null;
  start(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain;
  }
}

const drainPlugin: FastifyPluginAsync = async (fastify) => {
  let since: number | null = null;
  fastify.decorate('drain', {
    get draining() {
      return since !== null;
    },
    get since() {
      return since;
    },
    start() {
      since ??= Date.now();
    },
  } satisfies Drain);

  fastify.addHook('onRequest', async (_request, reply) => {
    if (since !== null) void reply.header('connection', 'close');
  });
};

export default fp(drainPlugin, { name: 'drain', fastify: '5.x' });
