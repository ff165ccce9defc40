/**
 * Schemas shared by several routes. Each route keeps its own request/response schemas beside its
 * handler; only the user id, the error envelope and the security requirement live here.
 */
import { STATUS_CODES } from 'node:http';
import { Type, type TSchema } from '@sinclair/typebox';
import { USER_ID_MAX_LENGTH, USER_ID_PATTERN } from '../lib/naming.js';
import { ErrorResponse, type ErrorBody, type ErrorCode } from '../plugins/errors.js';

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

/**
 * OpenAPI security requirement of every route that needs a token. A function, so that each route
 * gets its own array (a shared one would be written to openapi.yaml as a YAML alias).
 */
export const bearerAuth = (): { bearerAuth: string[] }[] => [{ bearerAuth: [] }];

interface CodeDoc {
  readonly status: number;
  /** When a caller gets this code. */
  readonly when: string;
  /** A real body the service answers with this code. */
  readonly example: ErrorBody;
}

const example = (statusCode: number, code: ErrorCode, message: string, details: Partial<ErrorBody> = {}): ErrorBody => ({
  statusCode,
  error: STATUS_CODES[statusCode] ?? 'Error',
  message,
  code,
  ...details,
});

/** Every code a route documents, with its status, meaning and an example body. */
const CODE_DOCS: Partial<Readonly<Record<ErrorCode, CodeDoc>>> = {
  INVALID_USER_ID: {
    status: 400,
    when: 'the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\\`, or is `.` or `..`',
    example: example(400, 'INVALID_USER_ID', 'user_id must not contain spaces'),
  },
  INVALID_REQUEST: {
    status: 400,
    when: 'the body or query string does not match the schema (a missing or extra field, a bad email)',
    example: example(400, 'INVALID_REQUEST', 'body/email must match format "email"'),
  },
  INVALID_JSON: {
    status: 400,
    when: 'the body is not valid JSON',
    example: example(400, 'INVALID_JSON', "Body is not valid JSON but content-type is set to 'application/json'"),
  },
  TOKEN_MISSING: {
    status: 401,
    when: 'no `Authorization: Bearer <token>` header',
    example: example(401, 'TOKEN_MISSING', 'missing Authorization header (expected: Bearer <token>)'),
  },
  TOKEN_INVALID: {
    status: 401,
    when: 'the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`',
    example: example(401, 'TOKEN_INVALID', 'invalid token: The token signature is invalid'),
  },
  TOKEN_EXPIRED: {
    status: 401,
    when: 'the token has expired',
    example: example(401, 'TOKEN_EXPIRED', 'token has expired'),
  },
  FORBIDDEN: {
    status: 403,
    when: 'the token is for another user (`sub`) and lacks the `schema:admin` scope',
    example: example(
      403,
      'FORBIDDEN',
      'this token may act only on its own user (sub); acting for another user needs the schema:admin scope',
    ),
  },
  USER_NOT_FOUND: {
    status: 404,
    when: 'the user has no database yet (initialize the user first)',
    example: example(404, 'USER_NOT_FOUND', 'no database for user "user_2abcXYZ"; initialize the user first'),
  },
  DATABASE_AHEAD: {
    status: 409,
    when: "the user's database records a newer schema version than this application knows; it is left alone",
    example: example(409, 'DATABASE_AHEAD', "database is at schema 2.0.0, newer than this application's 1.1.0; refusing to change it", {
      recorded_version: '2.0.0',
    }),
  },
  CONCURRENT_CHANGE: {
    status: 409,
    when: 'another applier kept changing the database while this one tried; retry',
    example: example(409, 'CONCURRENT_CHANGE', 'schema_version changed while applying: another applier won the race'),
  },
  BODY_TOO_LARGE: {
    status: 413,
    when: 'the body is larger than BODY_LIMIT',
    example: example(413, 'BODY_TOO_LARGE', 'Request body is too large'),
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    when: 'the body is not `application/json`',
    example: example(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type'),
  },
  APPLY_FAILED: {
    status: 500,
    when: 'a statement of the plan failed; the database is unchanged, and the body names the statement',
    example: example(500, 'APPLY_FAILED', 'schema sync failed, database unchanged: SQLITE_CONSTRAINT: UNIQUE constraint failed: trades.external_id', {
      statement: 'CREATE UNIQUE INDEX idx_trades_external_id ON trades (external_id)',
      statement_index: 4,
    }),
  },
  INTERNAL_ERROR: {
    status: 500,
    when: 'an unexpected error; the details are in the service log, not in the answer',
    example: example(500, 'INTERNAL_ERROR', 'internal server error'),
  },
  NOT_READY: {
    status: 503,
    when: 'the service cannot use its database provider (e.g. DATA_DIR is not writable)',
    example: example(503, 'NOT_READY', 'database provider unavailable: EACCES: permission denied, access \'/srv/schema-sync/data\''),
  },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    when: "the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later",
    example: example(
      503,
      'PROVIDER_UNAVAILABLE',
      'Turso Platform API: create database user-2abcxyz-iaoamu7tllrxydyq4sj3evzgd2 failed after retrying for up to 9 s: HTTP 503 "service unavailable"',
    ),
  },
};

const STATUS_SUMMARIES: Readonly<Record<number, string>> = {
  400: 'Bad input; nothing was read or written.',
  401: 'No valid bearer token.',
  403: 'This token may not act on this user.',
  404: 'No such user.',
  409: 'Refused: the database is not in a state this application may change.',
  413: 'Body too large.',
  415: 'Wrong content type.',
  500: 'The request failed on the server.',
  503: 'Not ready, or the database provider is unavailable.',
};

/** The codes a bare status stands for. */
const DEFAULT_CODES: Readonly<Record<number, readonly ErrorCode[]>> = {
  400: ['INVALID_USER_ID'],
  401: ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED'],
  403: ['FORBIDDEN'],
  404: ['USER_NOT_FOUND'],
  409: ['DATABASE_AHEAD', 'CONCURRENT_CHANGE'],
  413: ['BODY_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  500: ['APPLY_FAILED', 'INTERNAL_ERROR'],
  503: ['NOT_READY'],
};

const docOf = (code: ErrorCode): CodeDoc => {
  const doc = CODE_DOCS[code];
  if (doc === undefined) throw new Error(`error code ${code} has no documentation in routes/schemas.ts`);
  return doc;
};

/** An OpenAPI response: the error envelope as JSON, with when each code happens and an example of each. */
export interface ErrorResponseSchema {
  readonly description: string;
  readonly content: {
    readonly 'application/json': {
      readonly schema: TSchema;
      readonly examples: Record<string, { readonly summary: string; readonly value: ErrorBody }>;
    };
  };
}

/**
 * Response schemas for a route's errors, all the one envelope `{ statusCode, error, message, code }`.
 * Give a status for its usual codes (401 → TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED) or the exact
 * codes a route answers (`'INVALID_REQUEST'`), which are grouped under their status.
 */
export function errorResponses(...items: readonly (number | ErrorCode)[]): Record<number, ErrorResponseSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  // A route that authorizes per user (403) acts on that user's database, which the provider may fail to reach.
  const all = items.includes(403) ? [...items, 'PROVIDER_UNAVAILABLE' as const] : items;
  for (const item of all) {
    const codes = typeof item === 'number' ? DEFAULT_CODES[item] : [item];
    if (codes === undefined) throw new Error(`no default error codes for status ${item}`);
    for (const code of codes) {
      const { status } = docOf(code);
      const list = byStatus.get(status) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(status, list);
    }
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: [STATUS_SUMMARIES[status] ?? 'Error.', '', ...codes.map((code) => `- \`${code}\`: ${docOf(code).when}`)].join('\n'),
        content: {
          'application/json': {
            schema: Type.Ref(ErrorResponse),
            examples: Object.fromEntries(codes.map((code) => [code, { summary: code, value: docOf(code).example }])),
          },
        },
      },
    ]),
  );
}
