/**
 * Draining for a deploy, in two steps that server.ts takes on SIGTERM:
 *
 * 1. `drain.start()`: /ready turns 503 SHUTTING_DOWN at once, so the load balancer stops sending
 *    new work; requests keep being served as usual (keep-alive connections stay open, so clients
 *    open no new connections here).
 * 2. `drain.close()` (after DRAIN_DELAY_MS): the listener closes once the kernel's accept queue is
 *    empty (new connections are then refused, never half-accepted); from then on every response
 *    carries `Connection: close`; a connection without a request in progress gets
 *    DRAIN_IDLE_GRACE_MS to send one; once every connection has ended, Fastify closes: user-sync
 *    waits for running syncs, the pool closes every client.
 *
 * Node's own close resets (TCP RST, ECONNRESET at the client) two kinds of connection whose client
 * has already sent its request, which the server then never reads:
 *
 * - Closing a listening socket resets every connection still in the kernel's accept queue. libuv
 *   accepts one connection per event-loop iteration (libuv 1.45, Node 20), and an iteration lasts
 *   as long as the requests read in it keep the loop busy (a sign-in migrates its new database on
 *   the loop), so a burst of fresh connections leaves that queue slowly on a busy node. The
 *   listener therefore closes in the check phase of an iteration that accepted nothing: the queue
 *   was empty when that iteration's poll phase looked. This wait is bounded by half of
 *   SHUTDOWN_TIMEOUT_MS, leaving the other half for the requests in flight.
 * - `server.close()` destroys every connection without a request in progress, including one whose
 *   next request sits unread in its receive buffer. So such connections get a grace instead, and
 *   whether one stayed silent is decided in a check phase, right after a poll phase has read what
 *   the kernel held for it.
 */
import type { Socket } from 'node:net';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';

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
  /** Set while it is given the grace to send a request. */
  silence: NodeJS.Timeout | undefined;
}

const drainPlugin: FastifyPluginCallback = (fastify, _options, pluginDone) => {
  const { idleGraceMs, timeoutMs } = fastify.config.shutdown;
  let since: number | null = null;
  let closing = false;
  let accepted = 0;
  const server = fastify.server;
  const connections = new Map<Socket, Connection>();

  /** Closes `socket` unless it sends a request within the grace (answered, with Connection: close). */
  const closeWhenSilent = (socket: Socket, connection: Connection): void => {
    clearTimeout(connection.silence);
    const { served } = connection;
    const { bytesRead } = socket;
    connection.silence = setTimeout(
      () =>
        // In the check phase: the poll phase before it has read whatever the kernel had received.
        setImmediate(() => {
          connection.silence = undefined;
          if (socket.destroyed || connection.active > 0) return; // its response ends it
          if (connection.served === served && socket.bytesRead === bytesRead) socket.destroy();
          else closeWhenSilent(socket, connection); // a request began, or was answered and ends it
        }),
      idleGraceMs,
    );
    connection.silence.unref();
  };

  server.on('connection', (socket: Socket) => {
    accepted++;
    const connection: Connection = { served: 0, active: 0, silence: undefined };
    connections.set(socket, connection);
    socket.once('close', () => {
      clearTimeout(connection.silence);
      connections.delete(socket);
    });
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    const connection = connections.get(socket);
    if (connection === undefined) return;
    connection.served++;
    connection.active++;
    response.once('close', () => {
      connection.active--;
      // A response begun before closing went out without Connection: close; its connection
      // stays open, so it gets the grace like the idle ones.
      if (closing && connection.active === 0 && !socket.destroyed) closeWhenSilent(socket, connection);
    });
  });

  // Replaces Node's close-time sweep (see above) for this server: a busy connection ends after
  // its response (Connection: close), an idle one gets the grace to send a request.
  server.closeIdleConnections = () => {
    for (const [socket, connection] of connections) if (connection.active === 0) closeWhenSilent(socket, connection);
  };

  /** Closes the listener once an event-loop iteration accepts nothing; resolves when every connection has ended. */
  const closeListener = (): Promise<void> =>
    new Promise((resolve) => {
      const startedAt = performance.now();
      const before = accepted;
      let seen = -1; // the first check phase may come before any poll phase: it only counts
      const closeIfQueueEmpty = (): void => {
        // Between two check phases lies exactly one poll phase, which accepts one connection if any waits.
        if (accepted !== seen && performance.now() - startedAt < timeoutMs / 2) {
          seen = accepted;
          setImmediate(closeIfQueueEmpty);
          return;
        }
        closing = true;
        fastify.log.info(
          { waited_ms: Math.round(performance.now() - startedAt), accepted: accepted - before, open: connections.size },
          accepted === seen
            ? 'listener closed: accept queue empty'
            : 'listener closed at half of SHUTDOWN_TIMEOUT_MS, connections still queued were reset',
        );
        // The callback runs once every connection has ended.
        server.close(() => resolve());
      };
      setImmediate(closeIfQueueEmpty);
    });

  // At send time, so that a request received before closing but answered after says so too.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('preClose', (done) => {
    since ??= Date.now();
    closing = true;
    done();
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
      if (server.listening) await closeListener();
      await fastify.close();
    },
  } satisfies Drain);
  pluginDone();
};

export default fp(drainPlugin, { name: 'drain', fastify: '5.x', dependencies: ['config'] });
