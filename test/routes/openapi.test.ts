/**
 * The OpenAPI document @fastify/swagger builds from the routes (a later step writes it to
 * openapi.yaml): every operation is named, summarised, secured where it needs a token, and
 * documents its error responses with the shared envelope.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { description?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}

t.test('every route is a documented operation', async (t) => {
  const h = await buildTestApp(t, { env: { DOCS: 'true' } });
  const spec = h.app.swagger() as unknown as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
  t.equal(spec.openapi, '3.1.0');
  t.match(spec.components.securitySchemes['bearerAuth'], { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  t.ok(spec.components.schemas['ErrorResponse'], 'the error envelope is a named component');

  const expected: Record<string, [string, string, number[]]> = {
    // 503: PROVIDER_UNAVAILABLE where a route acts on a user's database, JWKS_UNAVAILABLE where it checks a token;
    // 429 RATE_LIMITED everywhere but the probes.
    'POST /api/user/initialize': ['initializeUser', 'user', [400, 401, 403, 413, 415, 429, 500, 503]],
    'POST /api/user/sync-schema/{user_id}': ['syncUserSchema', 'user', [400, 401, 403, 404, 409, 429, 500, 503]],
    'GET /api/user/schema-version/{user_id}': ['getUserSchemaVersion', 'user', [400, 401, 403, 404, 429, 503]],
    'GET /api/user/schema-plan/{user_id}': ['planUserSchema', 'user', [400, 401, 403, 404, 409, 429, 503]],
    'GET /api/schema/versions': ['listSchemaVersions', 'schema', [401, 429, 503]],
    'GET /health': ['health', 'ops', []],
    'GET /ready': ['ready', 'ops', [503]],
  };
  const operations = Object.entries(spec.paths)
    .filter(([path]) => !path.startsWith('/docs'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
    );
  t.same(operations.map(([key]) => key).sort(), Object.keys(expected).sort(), 'exactly the documented routes');

  const ids = new Set<string>();
  for (const [key, op] of operations) {
    const [operationId, tag, errors] = expected[key] as [string, string, number[]];
    t.equal(op.operationId, operationId, `${key} operationId`);
    t.ok(op.summary && op.summary.length > 5, `${key} summary`);
    t.same(op.tags, [tag], `${key} tag`);
    ids.add(operationId);
    const needsToken = key.includes('/api/');
    t.same(op.security ?? [], needsToken ? [{ bearerAuth: [] }] : [], `${key} security`);
    t.ok(
      op.responses['200']?.description && op.responses['200'].description !== 'Default Response',
      `${key} 200 is described`,
    );
    t.same(
      Object.keys(op.responses)
        .filter((code) => code !== '200')
        .map(Number),
      errors,
      `${key} error responses`,
    );
    for (const code of errors) {
      const response = op.responses[String(code)];
      t.equal(
        response?.content?.['application/json']?.schema.$ref,
        '#/components/schemas/ErrorResponse',
        `${key} ${code} envelope`,
      );
      t.ok(response?.description, `${key} ${code} described`);
    }
  }
  t.equal(ids.size, operations.length, 'operationIds are unique');

  const init = spec.paths['/api/user/initialize']?.['post'] as unknown as {
    requestBody: {
      content: {
        'application/json': { schema: { properties: Record<string, unknown>; additionalProperties: boolean } };
      };
    };
  };
  const bodySchema = init.requestBody.content['application/json'].schema;
  t.same(Object.keys(bodySchema.properties).sort(), ['email', 'user_id']);
  t.equal(bodySchema.additionalProperties, false);
  t.match(bodySchema.properties['user_id'], { maxLength: 128, pattern: String, examples: Array });
});

t.test('Swagger UI is served at /docs when DOCS is on, and absent when off', async (t) => {
  const on = await buildTestApp(t, { env: { DOCS: 'true' } });
  t.equal((await on.call({ method: 'GET', url: '/docs' })).statusCode, 200);
  const json = await on.call({ method: 'GET', url: '/docs/json' });
  t.equal(json.statusCode, 200);
  t.equal(json.json().openapi, '3.1.0');
  const off = await buildTestApp(t);
  t.equal((await off.call({ method: 'GET', url: '/docs' })).statusCode, 404);
});
