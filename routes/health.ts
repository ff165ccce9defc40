/**
 * GET /health (liveness: the process answers) and GET /ready (readiness: it can serve users —
 * the registry loaded at start-up, the database provider usable). No token needed; neither
 * touches a user's database. From SIGTERM on /ready is 503 SHUTTING_DOWN (plugins/drain.ts)
 * while requests are still served; /health stays 200 until the process exits.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../plugins/errors.js';
import { errorResponses } from './schemas.js';

const HealthResponse = Type.Object(
  { status: Type.Literal('ok') },
  { additionalProperties: false, description: 'The process is up.', examples: [{ status: 'ok' }] },
);
const ReadyResponse = Type.Object(
  {
    status: Type.Literal('ready'),
    schema_version: Type.String({ description: "The application's current schema version." }),
    provider: Type.String({ description: 'Where user databases live (local or turso).' }),
  },
  {
    additionalProperties: false,
    description: 'Ready to serve users.',
    examples: [{ status: 'ready', schema_version: '1.1.0', provider: 'local' }],
  },
);

const healthRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.get(
    '/health',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'health',
        summary: 'Liveness',
        description: 'Answers 200 while the process runs, also while it drains for a shutdown. Needs no token.',
        tags: ['ops'],
        security: [],
        response: { 200: HealthResponse },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  fastify.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'ready',
        summary: 'Readiness',
        description:
          '503 NOT_READY when the database provider cannot be used (e.g. DATA_DIR is not writable); ' +
          '503 SHUTTING_DOWN from SIGTERM on, while the process drains. Needs no token.',
        tags: ['ops'],
        security: [],
        response: { 200: ReadyResponse, ...errorResponses(503) },
      },
    },
    async () => {
      if (fastify.drain.draining) throw new HttpError('SHUTTING_DOWN', 'shutting down: finishing requests in flight');
      const provider = fastify.databases.provider;
      try {
        await provider.check();
      } catch (error) {
        throw new HttpError('NOT_READY', `database provider unavailable: ${(error as Error).message}`);
      }
      return {
        status: 'ready' as const,
        schema_version: fastify.schemaRegistry.current.version,
        provider: provider.kind,
      };
    },
  );
};

export default healthRoutes;
