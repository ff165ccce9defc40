/**
 * Standalone entry: read the environment, build the app, listen, close gracefully on SIGINT/SIGTERM.
 * `npm start` with nothing set works on a fresh machine: local databases under ./data and, outside
 * production, an ephemeral JWT secret with a ready admin token printed below the Swagger UI URL.
 *
 * Shutdown (SIGTERM, as an orchestrator sends it): /ready turns 503 SHUTTING_DOWN at once and
 * connections keep being accepted and served for DRAIN_DELAY_MS, long enough for the load balancer
 * to see it and stop routing here; then the server stops listening once the accept queue is empty,
 * answers what is in flight (idle kept-alive connections get DRAIN_IDLE_GRACE_MS to send a
 * request), waits for running syncs, closes every database client and exits 0 (plugins/drain.ts).
 * If that takes longer than SHUTDOWN_TIMEOUT_MS the process exits 1 anyway: the exit comes at most
 * DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS after the signal is handled. SIGINT (Ctrl-C at a terminal)
 * skips the delay.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp, DOCS_PATH } from './app.js';
import { ADMIN_SCOPE } from './plugins/auth.js';
import { ConfigError, loadConfig, type AppConfig } from './lib/config/load.js';
import { METRICS_PATH } from './plugins/metrics.js';

const ADMIN_TOKEN_TTL = '12h';

function fail(message: string): never {
  process.stderr.write(`schema-sync: ${message}\n`);
  process.exit(1);
}

function baseUrl(config: AppConfig, address: AddressInfo): string {
  // A wildcard bind is reachable on loopback; print something a browser can open.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  let app: FastifyInstance;
  try {
    app = await buildApp({ config });
  } catch (error) {
    // A bad registry (RegistryError names the file and the problem), an unavailable provider.
    fail((error as Error).message);
  }
  const { drainDelayMs, timeoutMs } = config.shutdown;
  closeWithGrace(
    {
      delay: drainDelayMs + timeoutMs,
      onTimeout: (ms) =>
        app.log.error({ timeout_ms: ms }, 'shutdown timed out: exiting with requests or syncs unfinished'),
    },
    async ({ err, signal }) => {
      const startedAt = Date.now();
      app.drain.start();
      if (err) {
        app.log.error({ err }, 'closing after an uncaught error');
      } else {
        const delay = signal === 'SIGTERM' ? drainDelayMs : 0;
        app.log.info(
          { signal, drain_delay_ms: delay },
          'draining: /ready is 503 SHUTTING_DOWN, requests are still served',
        );
        await sleep(delay);
      }
      await app.drain.close();
      app.log.info(
        { duration_ms: Date.now() - startedAt },
        'closed: requests answered, syncs finished, database clients closed',
      );
    },
  );

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // e.g. the port is taken.
    await app.close().catch(() => undefined);
    fail((error as Error).message);
  }

  const url = baseUrl(config, app.server.address() as AddressInfo);
  const lines = [
    `schema-sync listening on ${url} (${config.dbProvider === 'turso' ? `Turso group ${config.turso?.group ?? ''}` : `data: ${config.dataDir}`}, schema ${app.schemaRegistry.current.version})`,
  ];
  if (config.docs) lines.push(`  Swagger UI:  ${url}${DOCS_PATH}`);
  if (config.metrics.enabled)
    lines.push(
      `  Metrics:     ${url}${METRICS_PATH}${config.metrics.token === undefined ? '' : ' (bearer METRICS_TOKEN)'}`,
    );
  if (config.jwt.mode === 'secret' && config.jwt.ephemeral) {
    app.log.warn('no JWT_SECRET or JWT_PUBLIC_KEY set: using an ephemeral secret; tokens stop working on restart');
    const token = app.signToken({ sub: 'admin', scope: ADMIN_SCOPE }, { expiresIn: ADMIN_TOKEN_TTL });
    lines.push(
      `  Admin token (scope ${ADMIN_SCOPE}, valid ${ADMIN_TOKEN_TTL}, ephemeral secret: lost on restart):`,
      `  ${token}`,
      `  Try:  curl -s -H "Authorization: Bearer ${token}" ${url}/api/schema/versions`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
