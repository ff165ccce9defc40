/**
 * GET /api/user/schema-version/{user_id} — the version the user's database records next to the
 * application's current one. One database read.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badPathEncoding, bearerAuth, errorResponses, UserIdParams } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const SchemaVersionResponse = Type.Object(
  {
    user_schema_version: Nullable(Type.String({ description: 'Null when the database records no version yet.' })),
    user_schema_description: Nullable(Type.String()),
    user_schema_created_at: Nullable(
      Type.String({ description: 'The created_at of that version (fixed in the version, not the clock).' }),
    ),
    current_app_version: Type.String(),
    current_app_description: Type.String(),
    is_up_to_date: Type.Boolean(),
  },
  {
    additionalProperties: false,
    description: 'The recorded and the current schema version.',
    examples: [
      {
        user_schema_version: '1.0.0',
        user_schema_description: 'Initial trading schema: accounts, portfolios, positions, trades and watchlists',
        user_schema_created_at: '2024-01-15T10:30:00.000Z',
        current_app_version: '1.1.0',
        current_app_description: 'Price alerts, trade fees and notes, account base currency, cascading positions',
        is_up_to_date: false,
      },
    ],
  },
);

const schemaVersionRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/user/schema-version/:user_id',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'getUserSchemaVersion',
        summary: "The schema version of the user's database",
        description:
          "Reads the newest audit row of the user's database (one read) and compares it with the current version. 404 when the user has no database.",
        tags: ['user'],
        security: bearerAuth(),
        params: UserIdParams,
        response: {
          200: SchemaVersionResponse,
          ...errorResponses(400, badPathEncoding('/api/user/schema-version/%zz'), 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { user_id: userId } = request.params;
      fastify.assertMayActFor(request, userId);
      const recorded = await fastify.userSync.recordedVersion(userId);
      const current = fastify.schemaRegistry.current;
      return {
        user_schema_version: recorded?.version ?? null,
        user_schema_description: recorded?.description ?? null,
        user_schema_created_at: recorded?.createdAt ?? null,
        current_app_version: current.version,
        current_app_description: current.description,
        is_up_to_date: fastify.syncTarget.standing(recorded).kind === 'current',
      };
    },
  );
};

export default schemaVersionRoute;
