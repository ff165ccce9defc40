/**
 * The root plugin: plugins first (each one concern, named), then routes. `buildApp` makes a
 * Fastify instance with the server options the routes rely on; server.ts and the tests both use it.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Client, Config } from '@libsql/client';
import type { DatabaseProvider } from './lib/providers/types.js';
import authPlugin from './plugins/auth.js';
import configPlugin from './plugins/config.js';
import corsPlugin from './plugins/cors.js';
import type { AppConfig } from './lib/config/load.js';
import drainPlugin from './plugins/drain.js';
import errorsPlugin, { toErrorBody } from './plugins/errors.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import requestLogPlugin, { requestLogOptions } from './plugins/request-log.js';
import schemaRegistryPlugin from './plugins/schema-registry.js';
import swaggerPlugin from './plugins/swagger.js';
import databasesPlugin from './plugins/databases.js';
import userSyncPlugin from './plugins/user-sync.js';
import healthRoutes from './routes/health.js';
import versionsRoute from './routes/schema/versions.js';
import initializeRoute from './routes/user/initialize.js';
import schemaPlanRoute from './routes/user/schema-plan.js';
import schemaVersionRoute from './routes/user/schema-version.js';
import syncSchemaRoute from './routes/user/sync-schema.js';

export interface AppOptions {
  readonly config: AppConfig;
  /** Replaces the configured database provider. */
  readonly provider?: DatabaseProvider;
  /** Replaces `createClient` for user databases (tests count round trips through it). */
  readonly createClient?: (config: Config) => Client;
}

export { DOCS_PATH } from './plugins/swagger.js';

const app: FastifyPluginAsync<AppOptions> = async (fastify, { config, provider, createClient }) => {
  // The API takes JSON bodies only: without Fastify's default text/plain parser, a text body gets
  // the 415 UNSUPPORTED_MEDIA_TYPE the contract promises for every non-JSON body.
  fastify.removeContentTypeParser('text/plain');
  await fastify.register(configPlugin, { config });
  await fastify.register(errorsPlugin);
  await fastify.register(requestLogPlugin);
  await fastify.register(drainPlugin);
  await fastify.register(corsPlugin);
  await fastify.register(swaggerPlugin, { docs: config.docs });

  await fastify.register(schemaRegistryPlugin, { schemaDir: config.schemaDir });
  await fastify.register(databasesPlugin, {
    config,
    ...(provider === undefined ? {} : { provider }),
    ...(createClient === undefined ? {} : { createClient }),
  });
  await fastify.register(authPlugin, { jwt: config.jwt, claims: config.claims });
  await fastify.register(metricsPlugin);
  await fastify.register(rateLimitPlugin, { limits: config.rateLimit });
  await fastify.register(userSyncPlugin, {
    versionCacheSize: config.versionCacheSize,
    syncThreads: config.syncThreads,
    busyTimeoutMs: config.busyTimeoutMs,
  });

  await fastify.register(healthRoutes);
  await fastify.register(versionsRoute);
  await fastify.register(initializeRoute);
  await fastify.register(syncSchemaRoute);
  await fastify.register(schemaVersionRoute);
  await fastify.register(schemaPlanRoute);
};

const appPlugin = fp(app, { name: 'schema-sync', fastify: '5.x' });
export default appPlugin;

/** Server options the routes depend on; keep them with the app, not with whoever listens. */
export function serverOptions(
  config: AppConfig,
  logger: FastifyServerOptions['logger'] = { level: config.logLevel },
): FastifyServerOptions {
  return {
    logger,
    // One line per request, at completion; cache-answered sign-ins sampled (plugins/request-log.ts).
    ...requestLogOptions(config.logCachedSignInEvery),
    bodyLimit: config.bodyLimit,
    // Whose X-Forwarded-For names the client (request.ip, which the per-address rate limit counts by).
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    // The only path parameter is a user id: 128 characters, up to 3× that percent-encoded
    // (Fastify's default of 100 would turn valid ids into 414s).
    routerOptions: { maxParamLength: 512 },
    // While draining for a deploy, requests still arriving on open connections are served (the
    // pool closes only after them); /ready turns 503 SHUTTING_DOWN so the load balancer moves on.
    return503OnClosing: false,
    // Errors the router raises before any route (bad percent-encoding, an over-long parameter)
    // get the same envelope as everything else.
    frameworkErrors: (error, request, reply) => {
      const body = toErrorBody(error, request);
      void (reply as FastifyReply).code(body.statusCode).send(body);
    },
    ajv: {
      customOptions: {
        // Reject rather than silently drop unknown fields, and do not turn 123 into "123".
        removeAdditional: false,
        coerceTypes: false,
        allErrors: false,
      },
    },
  };
}

/** A ready-to-listen (or inject) instance. */
export async function buildApp(
  options: AppOptions & { logger?: FastifyServerOptions['logger'] },
): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(options.config, options.logger));
  await fastify.register(appPlugin, options);
  return fastify;
}
