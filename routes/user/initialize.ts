/**
 * POST /api/user/initialize — sign-in. Creates the user's database on first sign-in (at the
 * latest schema), otherwise brings it to the current version. A failed sync does not fail
 * sign-in: the user gets a 200 with `schema_synced: false` and the cause; the database is as it was.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SYNC_FAILURE_CODES, type InitializeOutcome, type SyncFailureCode } from '../../plugins/user-sync.js';
import { bearerAuth, errorResponses, UserId } from '../schemas.js';

const InitializeBody = Type.Object(
  {
    email: Type.String({
      format: 'email',
      maxLength: 254,
      description: "The user's email address. Validated, not stored.",
      examples: ['ada@example.com'],
    }),
    user_id: UserId,
  },
  { additionalProperties: false, examples: [{ email: 'ada@example.com', user_id: 'user_2abcXYZ' }] },
);

const SyncErrorInfo = Type.Object(
  {
    code: Type.Unsafe<SyncFailureCode>({ type: 'string', enum: [...SYNC_FAILURE_CODES] }),
    message: Type.String(),
    statement: Type.Optional(Type.String({ description: 'APPLY_FAILED: the statement that failed.' })),
    statement_index: Type.Optional(Type.Integer()),
    recorded_version: Type.Optional(Type.String({ description: 'DATABASE_AHEAD: the version the database records.' })),
  },
  { description: 'Present only when `schema_synced` is false: why the schema could not be synced.' },
);

export const InitializeResponse = Type.Object(
  {
    success: Type.Boolean({
      description: 'True when the user can use their database (even if its schema could not be synced).',
    }),
    message: Type.String(),
    database_url: Type.String({ description: "URL of the user's database (`file:` locally, `libsql://` on Turso)." }),
    database_token: Type.String({ description: 'Token for that database; empty when none is needed (local files).' }),
    schema_synced: Type.Boolean({ description: 'True when the database is at the current schema version.' }),
    schema_version: Type.Union([Type.String(), Type.Null()], {
      description: 'The schema version the database is at after this call (null when it records none).',
    }),
    error: Type.Optional(SyncErrorInfo),
  },
  {
    additionalProperties: false,
    description: "The user's database credentials and whether its schema is current.",
    examples: [
      {
        success: true,
        message: 'User database created at schema 1.1.0',
        database_url: 'file:///srv/schema-sync/data/user_5f2abc_58_59_5a.db',
        database_token: '',
        schema_synced: true,
        schema_version: '1.1.0',
      },
    ],
  },
);
type InitializeReply = Static<typeof InitializeResponse>;

function messageOf(outcome: InitializeOutcome): string {
  if (!outcome.synced) return `User database ready, but its schema could not be synced: ${outcome.failure.message}`;
  if (outcome.created) return `User database created at schema ${outcome.version}`;
  const result = outcome.result;
  if (result !== null && result.outcome === 'applied') {
    return `User database synced from ${result.fromVersion ?? 'no recorded version'} to ${result.toVersion} (${result.statements} statements)`;
  }
  return `User database up to date at schema ${outcome.version}`;
}

const initializeRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/api/user/initialize',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'initializeUser',
        summary: "Sign-in: create or sync the user's database",
        description:
          "Creates the user's database on first sign-in (at the latest schema), otherwise brings it to the current " +
          'schema version. An up-to-date user costs at most one database read. If the sync fails, the answer is still ' +
          '200 with `schema_synced: false` and an `error` naming the cause; the database is left as it was.',
        tags: ['user'],
        security: bearerAuth(),
        body: InitializeBody,
        response: {
          200: InitializeResponse,
          ...errorResponses('INVALID_USER_ID', 'INVALID_REQUEST', 'INVALID_JSON', 401, 403, 413, 415, 'INTERNAL_ERROR'),
        },
      },
    },
    async (request) => {
      const { user_id: userId } = request.body;
      fastify.assertMayActFor(request, userId);
      const outcome = await fastify.userSync.initialize(userId, request.log);
      // The cache answered: nothing happened worth a log line each time (plugins/request-log.ts samples these).
      if (outcome.synced && outcome.result === null) request.cachedSignIn = true;
      const credentials = await fastify.databases.provider.credentials(outcome.database);
      const reply: InitializeReply = {
        success: true,
        message: messageOf(outcome),
        database_url: credentials.url,
        database_token: credentials.token,
        schema_synced: outcome.synced,
        schema_version: outcome.version,
      };
      if (outcome.synced) return reply;
      const { failure } = outcome;
      return {
        ...reply,
        error: { code: failure.code, message: failure.message, ...failure.details },
      };
    },
  );
};

export default initializeRoute;
