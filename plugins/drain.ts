/**
 * Draining for a deploy, in two steps that server.ts takes on SIGTERM:
 *
 * 1. `drain.start()`: /ready turns 503 SHUTTING_DOWN at once, so the load balancer stops sending
 *    new work; requests keep being served as usual (keep-alive connections stay open, so clients
 *    open no new connections here).
 * 2. `drain.close()` (after DRAIN_DELAY_MS): the listener closes (new connections are refused,
 *    never half-accepted); from then on every response carries `Connection: close`; once every
 *    connection has ended, Fastify closes: user-sync waits for running syncs, the pool closes
 *    every client.
 *
 * Node's own close gets one thing wrong for a drain: `server.close()` destroys every connection
 * without a request in progress, including ones whose client is sending its next request right
 * now or whose request bytes the busy event loop has not read yet. Destroying a socket with unread
 * data sends a TCP reset to a client that has already sent its request. So this plugin tracks
 * connections itself and, on close, gives each connection without a request in progress
 * IDLE_GRACE_MS to send one (answered, with `Connection: close`), closing it only if it stays
 * silent.
 *
 * The listener closes in a setImmediate callback, right after a poll phase in which libuv accepted
 * every connection waiting in the kernel's backlog: closing a listening socket resets those.
 */
import type { Socket } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** How long a connection without a request in progress at close may take to send one. */
export const IDLE_GRACE_MS = 1_000;

export interface Drain {
  /** True from `start()` on. */
  readonly draining: boolean;
  /** When draining started (ms since the epoch), or null. */
  readonly since: number | null;
  /** Step 1: report not ready, keep serving. */
  start(): void;
  /** Step 2: stop listening, answer what is in flight, wait for every connection, close the app. */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain;
  }
}

interface Connection {
  /** Requests received on it so far. */
  served: number;
  /** Requests whose response has not finished. */
  active: number;
}

const drainPlugin: FastifyPluginAsync = async (fastify) => {
  let since: number | null = null;
  let closing = false;
  const server = fastify.server;
  const connections = new Map<Socket, Connection>();

  server.on('connection', (socket: Socket) => {
    connections.set(socket, { served: 0, active: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (request, response) => {
    const connection = connections.get(request.socket);
    if (connection === undefined) return;
    connection.served++;
    connection.active++;
    response.once('close', () => connection.active--);
  });

  // Replaces Node's close-time sweep (see above) for this server: a busy connection ends after
  // its response (Connection: close), an idle one gets the grace to send a request.
  server.closeIdleConnections = () => {
    for (const [socket, connection] of connections) {
      if (connection.active > 0) continue;
      const served = connection.served;
      const timer = setTimeout(() => {
        if (connection.served === served && connection.active === 0) socket.destroy();
      }, IDLE_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
  };

  // At send time, so that a request received before closing but answered after says so too.
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  fastify.addHook('preClose', async () => {
    since ??= Date.now();
    closing = true;
  });

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
    async close() {
      since ??= Date.now();
      if (server.listening) {
        await new Promise<void>((resolve) => {
          setImmediate(() => {
            closing = true;
            // The callback runs once every connection has ended.
            server.close(() => resolve());
          });
        });
      }
      await fastify.close();
    },
  } satisfies Drain);
};

export default fp(drainPlugin, { name: 'drain', fastify: '5.x' });
