/**
 * schema-sync/client: a typed HTTP client for the service, generated from openapi.yaml.
 *
 * The types (./schema.ts) come from `npm run sdk` (openapi-typescript); requests go through
 * openapi-fetch, so paths, path parameters, bodies and every documented response are checked by
 * the compiler:
 *
 *   import { createSchemaSyncClient } from 'schema-sync/client';
 *   const api = createSchemaSyncClient({ baseUrl: 'http://127.0.0.1:3000', token });
 *   const { data, error } = await api.POST('/api/user/sync-schema/{user_id}', {
 *     params: { path: { user_id: 'user_2abcXYZ' } },
 *   });
 *   if (error) console.error(error.code, error.message); // ErrorBody: { statusCode, error, message, code }
 *   else console.log(data.schema_version, data.synced_at);
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** Every error the service answers: `{ statusCode, error, message, code }` (+ details for some codes). */
export type ErrorBody = components['schemas']['ErrorResponse'];
/** The stable, machine-readable error codes. */
export type ErrorCode = ErrorBody['code'];

type JsonOf<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;

export type InitializeUserResponse = JsonOf<'initializeUser', 200>;
export type SyncUserSchemaResponse = JsonOf<'syncUserSchema', 200>;
export type UserSchemaVersionResponse = JsonOf<'getUserSchemaVersion', 200>;
export type UserSchemaPlanResponse = JsonOf<'planUserSchema', 200>;
export type SchemaVersionsResponse = JsonOf<'listSchemaVersions', 200>;

export type SchemaSyncClient = Client<paths>;

export interface SchemaSyncClientOptions extends ClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  /**
   * The bearer JWT sent as `Authorization: Bearer <token>`, or a function giving one per request
   * (to refresh it). A request that sets its own Authorization header keeps it.
   */
  readonly token?: string | (() => string | Promise<string>);
}

/** A typed client for every operation in openapi.yaml. */
export function createSchemaSyncClient(options: SchemaSyncClientOptions): SchemaSyncClient {
  const { token, ...clientOptions } = options;
  const client = createClient<paths>(clientOptions);
  if (token !== undefined) client.use(bearer(token));
  return client;
}

function bearer(token: string | (() => string | Promise<string>)): Middleware {
  return {
    async onRequest({ request }) {
      if (!request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
      }
      return request;
    },
  };
}
