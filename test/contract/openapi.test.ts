/**
 * openapi.yaml is the routes' own description, checked in: it must equal what the running routes
 * produce, validate as OpenAPI 3.x, and describe every operation fully (operationId, summary,
 * examples, bearer security, every error with the one JSON error shape).
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { generateOpenApi } from '../../scripts/openapi.js';
import { ContractOracle, OPENAPI_FILE, operationsOf, readOpenApi, type MediaType, type Operation } from './_openapi.js';

const doc = readOpenApi();
const operations = operationsOf(doc);
const PUBLIC_OPERATIONS = new Set(['health', 'ready']);
const ERROR_FIELDS = ['statusCode', 'error', 'message', 'code'];
const ERROR_REF = '#/components/schemas/ErrorResponse';

const name = ({ method, path, operation }: Operation): string =>
  operation.operationId ?? `${method.toUpperCase()} ${path}`;

const hasExample = (media: MediaType | undefined): boolean =>
  media !== undefined && (media.example !== undefined || Object.keys(media.examples ?? {}).length > 0);

t.test('openapi.yaml is what the routes produce (run `npm run openapi` after changing a route)', async (t) => {
  const generated = await generateOpenApi();
  const committed = readFileSync(OPENAPI_FILE, 'utf8');
  t.equal(committed, generated, 'openapi.yaml is up to date');
});

t.test('validates as OpenAPI 3.x', async (t) => {
  t.match(doc.openapi, /^3\.\d+\.\d+$/);
  // swagger-parser checks the document against the official OpenAPI 3.0/3.1 JSON Schema and
  // resolves every $ref; it throws on the first problem.
  const api = await SwaggerParser.validate(structuredClone(doc) as never);
  t.ok(api, 'swagger-parser validates the document');
  await t.rejects(
    SwaggerParser.validate({
      ...structuredClone(doc),
      paths: { '/x': { get: { responses: { 200: { content: {} } } } } },
    } as never),
    'and would reject a broken one (a response without a description)',
  );
});

t.test('an absolute server URL (generated clients need one) and a license', async (t) => {
  const servers = (doc as { servers?: { url: string }[] }).servers ?? [];
  t.ok(servers.length > 0, 'servers is not empty');
  for (const { url } of servers) t.match(new URL(url).protocol, /^https?:$/, `${url} is an absolute http(s) URL`);
  t.match((doc.info as { license?: unknown }).license, { name: 'MIT', identifier: 'MIT' });
});

t.test('a bearer JWT security scheme', async (t) => {
  t.match(doc.components?.securitySchemes?.['bearerAuth'], { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
});

t.test('the error envelope: { statusCode, error, message, code }', async (t) => {
  const schema = doc.components?.schemas?.['ErrorResponse'] as
    { required?: string[]; properties?: Record<string, { enum?: string[] }> } | undefined;
  t.ok(schema, 'components.schemas.ErrorResponse');
  t.same(schema?.required, ERROR_FIELDS);
  t.ok((schema?.properties?.['code']?.enum ?? []).length > 0, 'code is an enum of stable codes');
});

t.test('every operation is fully described', async (t) => {
  t.ok(operations.length >= 7, `${operations.length} operations`);
  const ids = operations.map((op) => op.operation.operationId);
  t.same(new Set(ids).size, ids.length, 'operationIds are unique');

  for (const op of operations) {
    const { operation } = op;
    t.test(name(op), async (t) => {
      t.match(operation.operationId, /^[a-z][A-Za-z]+$/, 'has an operationId');
      t.ok((operation.summary ?? '').length > 0, 'has a summary');
      t.ok((operation.tags ?? []).length > 0, 'is tagged');

      const needsToken = !PUBLIC_OPERATIONS.has(operation.operationId ?? '');
      if (needsToken) t.same(operation.security, [{ bearerAuth: [] }], 'requires the bearer token');
      else t.same(operation.security, [], 'is public, and says so (security: [])');

      const responses = operation.responses ?? {};
      const success = responses['200'];
      t.ok(success, 'documents its 200 response');
      t.ok(hasExample(success?.content?.['application/json']), '200 response has an example');
      if (operation.requestBody)
        t.ok(hasExample(operation.requestBody.content?.['application/json']), 'request body has an example');
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path') {
          t.ok(
            parameter.example !== undefined || Object.keys(parameter.examples ?? {}).length > 0,
            `path parameter ${parameter.name} has examples`,
          );
        }
      }

      const errors = Object.entries(responses).filter(([status]) => Number(status) >= 400);
      if (needsToken) t.ok(responses['401'], 'documents 401');
      if (operation.parameters?.some((p) => p.name === 'user_id') || operation.requestBody) {
        t.ok(responses['400'], 'documents 400 for bad input');
        t.ok(responses['403'], 'documents 403 for another user');
      }
      for (const [status, response] of errors) {
        t.ok((response.description ?? '').length > 0, `${status} has a description`);
        const media = response.content?.['application/json'];
        t.equal(media?.schema?.['$ref'], ERROR_REF, `${status} is the error envelope`);
        t.ok(hasExample(media), `${status} has an example`);
        const example = media?.example as Record<string, unknown> | undefined;
        if (example !== undefined)
          t.match(
            example,
            { statusCode: Number(status), error: String, message: String, code: String },
            `${status} example is an error body`,
          );
      }
    });
  }
});

t.test('every example matches its own schema', async (t) => {
  const oracle = await ContractOracle.load();
  for (const op of oracle.operations) {
    for (const [status, response] of Object.entries(op.operation.responses ?? {})) {
      const media = response.content?.['application/json'];
      const examples = [media?.example, ...Object.values(media?.examples ?? {}).map((e) => e.value)].filter(
        (e) => e !== undefined,
      );
      for (const example of examples) {
        const check = oracle.check(op.operation.operationId ?? '', Number(status), example);
        t.ok(check.ok, `${name(op)} ${status} example`, { errors: check.errors });
      }
    }
  }
});

t.test('the oracle rejects bodies that break the contract', async (t) => {
  const oracle = await ContractOracle.load();
  const good = { success: true, message: 'ok', schema_version: '1.1.0', synced_at: '2025-01-01T12:00:00.000Z' };
  t.ok(oracle.check('syncUserSchema', 200, good).ok, 'a good body passes');
  t.notOk(oracle.check('syncUserSchema', 200, { ...good, extra: 1 }).ok, 'an extra field fails');
  t.notOk(oracle.check('syncUserSchema', 200, { ...good, synced_at: 'yesterday' }).ok, 'a bad date-time fails');
  t.notOk(oracle.check('syncUserSchema', 200, { success: true }).ok, 'missing fields fail');
  t.notOk(
    oracle.check('syncUserSchema', 404, { statusCode: 404, error: 'Not Found', message: 'x', code: 'NOPE' }).ok,
    'an unknown code fails',
  );
  t.notOk(oracle.check('syncUserSchema', 418, {}).ok, 'an undocumented status fails');
  t.same(
    oracle.documentedCodes('syncUserSchema', 400).sort(),
    ['INVALID_REQUEST', 'INVALID_USER_ID'],
    'the codes a status documents are its examples',
  );
  t.same(oracle.documentedCodes('listSchemaVersions', 403), [], 'none for a status it does not document');
});

t.test('the three original endpoints keep their response shapes exactly', async (t) => {
  const shape = (path: string, method: 'get' | 'post'): string[] => {
    const schema = doc.paths[path]?.[method]?.responses?.['200']?.content?.['application/json']?.schema as
      { properties?: Record<string, unknown>; required?: string[] } | undefined;
    t.same(
      [...(schema?.required ?? [])].sort(),
      Object.keys(schema?.properties ?? {})
        .filter((k) => k !== 'error')
        .sort(),
      `${path}: all fields required`,
    );
    return Object.keys(schema?.properties ?? {});
  };
  t.same(shape('/api/user/initialize', 'post'), [
    'success',
    'message',
    'database_url',
    'database_token',
    'schema_synced',
    'schema_version',
    'error', // only when schema_synced is false
  ]);
  t.same(shape('/api/user/sync-schema/{user_id}', 'post'), ['success', 'message', 'schema_version', 'synced_at']);
  t.same(shape('/api/user/schema-version/{user_id}', 'get'), [
    'user_schema_version',
    'user_schema_description',
    'user_schema_created_at',
    'current_app_version',
    'current_app_description',
    'is_up_to_date',
  ]);
});
