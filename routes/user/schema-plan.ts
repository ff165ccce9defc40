/**
 * GET /api/user/schema-plan/{user_id} — dry run: what a sync would do now, changing nothing.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badPathEncoding, bearerAuth, errorResponses, UserIdParams } from '../schemas.js';

const PlanQuery = Type.Object(
  {
    allow_destructive: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false')], {
        default: 'false',
        description:
          'Plan as if drops were allowed (tables and columns the schema lacks). Sync itself never drops unless a version allows it.',
      }),
    ),
  },
  { additionalProperties: false },
);

const PlanStep = Type.Object({
  kind: Type.String({ description: 'What the step does, e.g. create_table, add_column, rebuild_table, create_index.' }),
  object: Type.String({ description: 'The table, `table.column`, index, view or trigger it acts on.' }),
  sql: Type.String(),
  destructive: Type.Boolean({ description: 'True when the step deletes stored data or an object.' }),
  reason: Type.String(),
});

export const SchemaPlanResponse = Type.Object(
  {
    user_id: Type.String(),
    from_version: Type.Union([Type.String(), Type.Null()], {
      description: 'The version the database records (null when none).',
    }),
    to_version: Type.String(),
    up_to_date: Type.Boolean({
      description: 'True when the database records the current version and the plan is empty.',
    }),
    destructive: Type.Boolean({ description: 'True when any step is destructive.' }),
    steps: Type.Array(PlanStep, { description: 'In execution order; applied as one atomic batch.' }),
    skipped: Type.Array(Type.Object({ kind: Type.String(), object: Type.String(), reason: Type.String() }), {
      description: 'What the database has that the schema lacks, kept because dropping it is not allowed.',
    }),
    warnings: Type.Array(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'The plan; nothing was changed.',
    examples: [
      {
        user_id: 'user_2abcXYZ',
        from_version: '1.0.0',
        to_version: '1.1.0',
        up_to_date: false,
        destructive: false,
        steps: [
          {
            kind: 'add_column',
            object: 'accounts.base_currency',
            sql: `ALTER TABLE "accounts" ADD COLUMN "base_currency" TEXT NOT NULL DEFAULT 'USD'`,
            destructive: false,
            reason: 'new column',
          },
          {
            kind: 'add_column',
            object: 'trades.fees',
            sql: 'ALTER TABLE "trades" ADD COLUMN "fees" REAL NOT NULL DEFAULT 0 CHECK (fees >= 0)',
            destructive: false,
            reason: 'new column',
          },
        ],
        skipped: [],
        warnings: [],
      },
    ],
  },
);

const schemaPlanRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/api/user/schema-plan/:user_id',
    {
      onRequest: fastify.authenticate,
      schema: {
        operationId: 'planUserSchema',
        summary: "Dry run: the statements a sync of the user's database would run",
        description:
          'Introspects the database and plans the change to the current version without applying it: the ordered ' +
          'statements, which of them are destructive, and what would be kept (skipped). 404 for an unknown user, ' +
          '409 when the database is ahead of the application.',
        tags: ['user'],
        security: bearerAuth(),
        params: UserIdParams,
        querystring: PlanQuery,
        response: {
          200: SchemaPlanResponse,
          ...errorResponses(
            'INVALID_USER_ID',
            {
              code: 'INVALID_REQUEST',
              when: 'the query string has a parameter other than `allow_destructive`, or that is not `true` or `false`',
              example: "querystring has an unexpected field 'dry_run'",
            },
            badPathEncoding('/api/user/schema-plan/%zz'),
            401,
            403,
            404,
            409,
          ),
        },
      },
    },
    async (request) => {
      const { user_id: userId } = request.params;
      fastify.assertMayActFor(request, userId);
      const { recorded, plan } = await fastify.userSync.plan(userId, {
        allowDestructive: request.query.allow_destructive === 'true',
      });
      const current = fastify.schemaRegistry.current;
      return {
        user_id: userId,
        from_version: recorded?.version ?? null,
        to_version: current.version,
        up_to_date: plan.steps.length === 0 && fastify.syncTarget.standing(recorded).kind === 'current',
        destructive: plan.steps.some((step) => step.destructive),
        steps: plan.steps.map(({ kind, object, sql, destructive, reason }) => ({
          kind,
          object,
          sql,
          destructive,
          reason,
        })),
        skipped: plan.skipped.map(({ kind, object, reason }) => ({ kind, object, reason })),
        warnings: [...plan.warnings],
      };
    },
  );
};

export default schemaPlanRoute;
