/**
 * Schemas shared by several routes. Each route keeps its own request/response schemas beside its
 * handler; only the user id, the error envelope and the security requirement live here.
 */
import { Type } from '@sinclair/typebox';
import { USER_ID_MAX_LENGTH, USER_ID_PATTERN } from '../lib/naming.js';
import { ErrorResponse } from '../plugins/errors.js';

export const UserId = Type.String({
  minLength: 1,
  maxLength: USER_ID_MAX_LENGTH,
  pattern: USER_ID_PATTERN,
  description:
    "The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, " +
    "no spaces, no `/` or `\\`, not `.` or `..`.",
  examples: ['user_2abcXYZ', 'auth0|5f7c8ec7', 'google-oauth2|1098', '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b', 'a.b@example.com'],
});

export const UserIdParams = Type.Object({ user_id: UserId }, { additionalProperties: false });

/** OpenAPI security requirement of every route that needs a token. */
export const bearerAuth = [{ bearerAuth: [] }];

const ErrorRef = Type.Ref(ErrorResponse);

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Bad input (INVALID_REQUEST, INVALID_USER_ID, INVALID_JSON).',
  401: 'Missing, malformed, expired or wrongly signed token (TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID).',
  403: 'The token is for another user and lacks the schema:admin scope (FORBIDDEN).',
  404: 'No database for this user (USER_NOT_FOUND).',
  409: "The user's database records a newer schema than this application (DATABASE_AHEAD), or another applier kept changing it (CONCURRENT_CHANGE).",
  413: 'Body larger than BODY_LIMIT (BODY_TOO_LARGE).',
  415: 'Body is not application/json (UNSUPPORTED_MEDIA_TYPE).',
  500: 'Applying the schema failed and the database is unchanged (APPLY_FAILED, with the statement), or an internal error.',
  503: 'The service cannot use its database provider (NOT_READY).',
};

/** Response schemas for the given error statuses, all the one error envelope. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorRef> {
  return Object.fromEntries(
    statuses.map((status) => [status, Type.Ref(ErrorResponse, { description: ERROR_DESCRIPTIONS[status] ?? 'Error.' })]),
  );
}
