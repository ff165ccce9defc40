/**
 * GET /api/schema/versions — the application's schema versions (the registry), oldest first.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
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
  { additionalProperties: false, description: 'The registry.' },
);

const versionsRoute: FastifyPluginAsync = async (fastify) => {
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

  fastify.get<{ Reply: Static<typeof SchemaVersionsResponse> }>(
    '/api/schema/versions',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'listSchemaVersions',
        summary: "The application's schema versions",
        description: 'Every version in the registry, oldest first, and which one is current. Any valid token may read it.',
        tags: ['schema'],
        security: bearerAuth,
        response: { 200: SchemaVersionsResponse, ...errorResponses(401) },
      },
    },
    async () => body,
  );
};

export default versionsRoute;
