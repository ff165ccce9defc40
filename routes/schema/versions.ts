/**
 * GET /api/schema/versions — the application's schema versions (the registry), oldest first.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearerAuth, errorResponses } from '../schemas.js';

export const SchemaVersionsResponse = Type.Object(
  {
    current_version: Type.String(),
    versions: Type.Array(
      Type.Object({
        version: Type.String({ description: 'Semantic version.' }),
        description: Type.String(),
        created_at: Type.String({ description: 'Fixed in the version.' }),
        checksum: Type.String({ description: 'sha256 of the normalised desired schema.' }),
        is_current: Type.Boolean(),
      }),
      { description: 'Ascending by semver.' },
    ),
  },
  {
    additionalProperties: false,
    description: 'The registry.',
    examples: [
      {
        current_version: '1.1.0',
        versions: [
          {
            version: '1.0.0',
            description: 'Initial trading schema: accounts, portfolios, positions, trades and watchlists',
            created_at: '2024-01-15T10:30:00.000Z',
            checksum: '2ffafc8b3c1234d20cca7aee575dd310180e09484c1fb9c6c1bb993f4b43a97f',
            is_current: false,
          },
          {
            version: '1.1.0',
            description: 'Price alerts, trade fees and notes, account base currency, cascading positions',
            created_at: '2024-03-01T09:00:00.000Z',
            checksum: '04e35dce273bd38b63976f041e7b3d6d9e45668b41078dcf1118d3a3b35473d1',
            is_current: true,
          },
        ],
      },
    ],
  },
);

const versionsRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  const registry = fastify.schemaRegistry;
  // The registry is fixed for the life of the process: build the answer once.
  const body: Static<typeof SchemaVersionsResponse> = {
    current_version: registry.current.version,
    versions: registry.versions.map((version) => ({
      version: version.version,
      description: version.description,
      created_at: version.createdAt,
      checksum: version.checksum,
      is_current: version === registry.current,
    })),
  };

  fastify.get(
    '/api/schema/versions',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'listSchemaVersions',
        summary: "The application's schema versions",
        description:
          'Every version in the registry, oldest first, and which one is current. Any valid token may read it.',
        tags: ['schema'],
        security: bearerAuth(),
        response: { 200: SchemaVersionsResponse, ...errorResponses(401) },
      },
    },
    async () => body,
  );
};

export default versionsRoute;
