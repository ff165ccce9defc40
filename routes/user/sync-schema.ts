/**
 * POST /api/user/sync-schema/{user_id} — explicit sync. Unlike sign-in it also compares the live
 * schema with the recorded version's, so it repairs drift.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badPathEncoding, bearerAuth, errorResponses, UserIdParams } from '../schemas.js';

export const SyncSchemaResponse = Type.Object(
  {
    success: Type.Boolean(),
    message: Type.String(),
    schema_version: Type.String({ description: 'The version the database is at now (the current one).' }),
    synced_at: Type.String({
      format: 'date-time',
      description: 'When this sync ran (the applied_at of the audit row when it applied).',
    }),
  },
  {
    additionalProperties: false,
    description: 'The database is at the current version.',
    examples: [
      {
        success: true,
        message: 'Schema synced from 1.0.0 to 1.1.0 (9 statements)',
        schema_version: '1.1.0',
        synced_at: '2025-01-01T12:00:00.000Z',
      },
    ],
  },
);

const syncSchemaRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  // Takes no body. Whatever a client sends is not parsed (Node discards it once the call is
  // answered), so no body, content type or size can turn this call into a 400, 413 or 415.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  fastify.post(
    '/api/user/sync-schema/:user_id',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'syncUserSchema',
        summary: "Bring the user's database to the current schema version",
        description:
          "Compares the user's database with the current schema version and applies the difference in one atomic " +
          'batch. 404 when the user has no database, 409 when the database records a newer version than this ' +
          'application, 500 with code APPLY_FAILED (and the failing statement) when applying fails; the database is ' +
          'then unchanged. Takes no body: one sent is ignored.',
        tags: ['user'],
        security: bearerAuth(),
        params: UserIdParams,
        response: {
          200: SyncSchemaResponse,
          ...errorResponses(400, badPathEncoding('/api/user/sync-schema/%zz'), 401, 403, 404, 409, 500),
        },
      },
    },
    async (request) => {
      const { user_id: userId } = request.params;
      fastify.assertMayActFor(request, userId);
      const result = await fastify.userSync.sync(userId, request.log);
      const message =
        result.outcome === 'applied'
          ? `Schema synced from ${result.fromVersion ?? 'no recorded version'} to ${result.toVersion} (${result.statements} statements)`
          : `Schema already up to date at ${result.toVersion}`;
      return {
        success: true,
        message,
        schema_version: result.toVersion,
        synced_at: result.appliedAt ?? new Date().toISOString(),
      };
    },
  );
};

export default syncSchemaRoute;
