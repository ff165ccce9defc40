/**
 * The floor of bench/signin: what a separate, minimal Fastify server pays to answer a sign-in —
 * verify the bearer JWT (@fastify/jwt with the service's options, lib/config/jwt-options.ts) and
 * read the version row from the user's libSQL file once (one client per file, kept open).
 * Nothing else: Fastify's defaults, so no request logging (Fastify's logger is off unless asked
 * for), no hooks, no schemas, no metrics.
 *
 *   FLOOR_READ=row      (default) the row as the service reads it (lib/audit.ts, 7 columns)
 *   FLOOR_READ=version  only its version column: the least any server can read
 *   FLOOR_LOGGER=info   Fastify's own logger at that level (pino to stdout, one "incoming request"
 *                       and one "request completed" line per request), as a minimal production
 *                       server that keeps Fastify's request logs would run
 *
 * Reads JWT_SECRET / DATA_DIR like the service; listens on 127.0.0.1 (PORT, default any) and
 * prints `floor listening on http://127.0.0.1:<port>` on stdout.
 */
import fastifyJwt from '@fastify/jwt';
import { createClient, type Client } from '@libsql/client';
import Fastify from 'fastify';
import { readRecordedVersion, SCHEMA_VERSION_TABLE } from '../../lib/audit.js';
import { jwtOptions } from '../../lib/config/jwt-options.js';
import { loadConfig } from '../../lib/config/load.js';
import { createLocalProvider } from '../../lib/providers/local.js';

const config = loadConfig(process.env);
const level = process.env['FLOOR_LOGGER'];
const fastify = Fastify(level === undefined || level === '' ? {} : { logger: { level } });
await fastify.register(fastifyJwt, jwtOptions(config.jwt));

const provider = createLocalProvider({ dataDir: config.dataDir, busyTimeoutMs: config.busyTimeoutMs });
const clients = new Map<string, Client>();
const READ_VERSION = `SELECT version FROM ${SCHEMA_VERSION_TABLE} ORDER BY id DESC LIMIT 1`;
const readVersion: (client: Client) => Promise<unknown> =
  process.env['FLOOR_READ'] === 'version'
    ? async (client) => (await client.execute(READ_VERSION)).rows[0]?.['version'] ?? null
    : async (client) => (await readRecordedVersion(client))?.version ?? null;

fastify.post<{ Body: { user_id: string } }>('/api/user/initialize', async (request) => {
  const claims = await request.jwtVerify<{ sub: string }>();
  const db = provider.locate(request.body.user_id);
  let client = clients.get(db.name);
  if (client === undefined) clients.set(db.name, (client = createClient(provider.clientConfig(db))));
  return { user: claims.sub, version: await readVersion(client) };
});

await fastify.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' });
const address = fastify.server.address();
process.stdout.write(
  `floor listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`,
);
const close = (): void => {
  void fastify.close().then(() => process.exit(0));
};
process.on('SIGINT', close);
process.on('SIGTERM', close);
