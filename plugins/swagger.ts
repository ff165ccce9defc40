/**
 * The OpenAPI document (built from the routes' TypeBox schemas) and, when DOCS is on, Swagger UI.
 * Registered before the routes, so @fastify/swagger sees every one of them.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export const DOCS_PATH = '/docs';
/** openapi.yaml's server: where `npm start` listens with nothing set. */
export const LOCAL_URL = 'http://127.0.0.1:3000';

export interface SwaggerPluginOptions {
  /** Serve Swagger UI at DOCS_PATH and the document at DOCS_PATH/json and /yaml. */
  readonly docs: boolean;
}

const swaggerPlugin: FastifyPluginAsync<SwaggerPluginOptions> = async (fastify, { docs }) => {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'schema-sync',
        description: "Keeps every user's own libSQL database in step with the application's versioned schema.",
        version: '0.1.0',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // An absolute URL, so that generated clients have a base URL Node's fetch accepts (a relative
      // one is refused). It is where `npm start` listens with nothing set; give a client your
      // deployment's URL instead. Swagger UI gets the URL it is served from (below).
      servers: [{ url: LOCAL_URL, description: '`npm start` with nothing set (HOST 127.0.0.1, PORT 3000)' }],
      tags: [
        { name: 'user', description: "A user's database and its schema" },
        { name: 'schema', description: "The application's schema versions" },
        { name: 'ops', description: 'Probes' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              '`sub` is the user id; the `schema:admin` scope (space-separated `scope` claim) may act for any user.',
          },
        },
      },
    },
    // Name shared schemas by their $id in components instead of def-0, def-1…
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
  });
  if (docs)
    await fastify.register(fastifySwaggerUi, {
      routePrefix: DOCS_PATH,
      // "Try it out" calls the service that serves the page, wherever it runs ('/' is relative to
      // the document's URL).
      transformSpecification: (document) => ({ ...document, servers: [{ url: '/', description: 'This service' }] }),
    });
};

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x', dependencies: ['errors'] });
