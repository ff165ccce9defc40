/**
 * One server for bench/signin, started as a child process so the load generator does not share
 * its event loop. Modes:
 *   app          the real service (sign-in cache on)
 *   app-nocache  the real service with VERSION_CACHE_SIZE=0: every no-op sign-in reads the version row
 *   floor        the least a sign-in can do: verify the JWT (same options as the service) and read
 *                the version row once (same query, same client settings), nothing else
 * Prints `{"port":…}` on stdout when listening on 127.0.0.1.
 */
import { createClient, type Client } from '@libsql/client';
import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp, serverOptions } from '../../app.js';
import { createLocalProvider } from '../../lib/providers/local.js';
import { readRecordedVersion } from '../../lib/audit.js';
import { jwtOptions } from '../../lib/config/jwt-options.js';
import { bearerToken, principalOf, type TokenClaims } from '../../plugins/auth.js';
import { loadConfig } from '../../lib/config/load.js';

const mode = process.argv[2] ?? 'app';
const config = loadConfig({
  // The limiters run (their cost is part of a sign-in) but never refuse the benchmark's load.
  RATE_LIMIT_IP_MAX: '1000000',
  RATE_LIMIT_USER_MAX: '1000000',
  ...process.env,
  DOCS: 'false',
  ...(mode === 'app-nocache' ? { VERSION_CACHE_SIZE: '0' } : {}),
});
const logger = { level: 'warn' };

async function floor(): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(config, logger));
  await fastify.register(fastifyJwt, jwtOptions(config.jwt));
  const provider = createLocalProvider({ dataDir: config.dataDir, busyTimeoutMs: config.busyTimeoutMs });
  const clients = new Map<string, Client>();
  // A response schema too, so the floor serialises as fast as the service does.
  const response = {
    200: { type: 'object', properties: { user: { type: 'string' }, version: { type: ['string', 'null'] } } },
  };
  fastify.post<{ Body: { user_id: string } }>(
    '/api/user/initialize',
    { schema: { response } },
    async (request, reply) => {
      const principal = principalOf(fastify.jwt.verify<TokenClaims>(bearerToken(request)));
      const db = provider.locate(request.body.user_id);
      let client = clients.get(db.name);
      if (client === undefined) clients.set(db.name, (client = createClient(provider.clientConfig(db))));
      const recorded = await readRecordedVersion(client);
      return reply.send({ user: principal.sub, version: recorded?.version ?? null });
    },
  );
  return fastify;
}

const app = mode === 'floor' ? await floor() : await buildApp({ config, logger });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
