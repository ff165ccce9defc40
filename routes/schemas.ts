/**
 * Schemas shared by several routes. Each route keeps its own request/response schemas beside its
 * handler; only the user id, the error envelope and the security requirement live here.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { USER_ID_MAX_LENGTH, USER_ID_PATTERN } from '../lib/naming.js';
import { entryOf, HTTP_ERROR_CODES as ERROR_CODES } from '../lib/error-catalogue.js';
import { errorBody, ErrorResponse, type ErrorBody, type ErrorCode } from '../plugins/errors.js';

export const UserId = Type.String({
  minLength: 1,
  maxLength: USER_ID_MAX_LENGTH,
  pattern: USER_ID_PATTERN,
  description:
    "The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, " +
    'no spaces, no `/` or `\\`, not `.` or `..`.',
  examples: [
    'user_2abcXYZ',
    'auth0|5f7c8ec7',
    'google-oauth2|1098',
    '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b',
    'a.b@example.com',
  ],
});

export const UserIdParams = Type.Object({ user_id: UserId }, { additionalProperties: false });

/**
 * OpenAPI security requirement of every route that needs a token. A function, so that each route
 * gets its own array (a shared one would be written to openapi.yaml as a YAML alias).
 */
export const bearerAuth = (): { bearerAuth: string[] }[] => [{ bearerAuth: [] }];

const STATUS_SUMMARIES: Readonly<Record<number, string>> = {
  400: 'Bad input; nothing was read or written.',
  401: 'No valid bearer token.',
  403: 'This token may not act on this user.',
  404: 'No such user.',
  409: 'Refused: the database is not in a state this application may change.',
  413: 'Body too large.',
  415: 'Wrong content type.',
  429: 'Too many requests; nothing was done. Retry after `Retry-After` seconds.',
  500: 'The request failed on the server.',
  503: "Not ready, or the database provider or the identity provider's keys are unavailable.",
};

/** The codes a bare status stands for: the catalogue's entries marked `impliedByStatus`. */
function impliedCodes(status: number): ErrorCode[] {
  return ERROR_CODES.filter((code) => entryOf(code).status === status && entryOf(code).impliedByStatus === true);
}

/** @fastify/swagger writes each header's schema as the header's `schema`, its description beside it. */
const RETRY_AFTER_HEADER = {
  'Retry-After': Type.Integer({
    minimum: 1,
    description: `Seconds to wait before trying again, sent with ${ERROR_CODES.filter((code) => entryOf(code).retryAfterSeconds !== undefined).join(', ')}.`,
  }),
};

/** An OpenAPI response: the error envelope as JSON, with when each code happens and an example of each. */
export interface ErrorResponseSchema {
  readonly description: string;
  readonly headers?: Record<string, TSchema>;
  readonly content: {
    readonly 'application/json': {
      readonly schema: TSchema;
      readonly examples: Record<string, { readonly summary: string; readonly value: ErrorBody }>;
    };
  };
}

/**
 * One code as a route answers it, where the catalogue's wording and example would not fit (the
 * catalogue's INVALID_REQUEST is about bodies): its own `when` and example message.
 */
export interface RouteErrorCase {
  readonly code: ErrorCode;
  /** The example's name in the document; the code unless a status holds two cases of one code. */
  readonly name?: string;
  readonly when: string;
  readonly example: string;
}

/**
 * A path holding a user id that is not valid percent-encoding: the router refuses the URL before
 * the route runs (FST_ERR_BAD_URL in plugins/errors.ts). `path` is the route's path with one.
 */
export const badPathEncoding = (path: string): RouteErrorCase => ({
  code: 'INVALID_REQUEST',
  name: 'INVALID_REQUEST_PATH_ENCODING',
  when: 'the path is not valid percent-encoding: a `%` without two hex digits after it (`%`, `%zz`), or escapes that do not decode as UTF-8 (`%E9`)',
  example: `'${path}' is not a valid url component`,
});

interface Case {
  readonly code: ErrorCode;
  readonly name: string;
  readonly when: string;
  readonly body: ErrorBody;
}

function caseOf(item: ErrorCode | RouteErrorCase): Case {
  if (typeof item === 'string') {
    const entry = entryOf(item);
    return {
      code: item,
      name: item,
      when: entry.when,
      body: errorBody(item, entry.example, entry.exampleDetails ?? {}),
    };
  }
  return { code: item.code, name: item.name ?? item.code, when: item.when, body: errorBody(item.code, item.example) };
}

/**
 * Response schemas for a route's errors, all the one envelope `{ statusCode, error, message, code }`.
 * Give a status for its usual codes (401 → TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED), the exact
 * codes a route answers (`'INVALID_REQUEST'`), or a route's own case of a code; they are grouped
 * under their status, each with its `when` and an example.
 */
export function errorResponses(
  ...items: readonly (number | ErrorCode | RouteErrorCase)[]
): Record<number, ErrorResponseSchema> {
  const byStatus = new Map<number, Case[]>();
  // A route that authorizes per user (403) acts on that user's database, which the provider may fail to reach;
  // one that checks a token (401) may fail to fetch the identity provider's keys (JWT_JWKS_URL) and, like
  // every route but the probes, is rate-limited.
  const all: (number | ErrorCode | RouteErrorCase)[] = [...items];
  if (items.includes(401)) all.push('RATE_LIMITED', 'JWKS_UNAVAILABLE');
  if (items.includes(403)) all.push('PROVIDER_UNAVAILABLE');
  for (const item of all) {
    const codes = typeof item === 'number' ? impliedCodes(item) : [item];
    if (codes.length === 0) throw new Error(`no error code is implied by status ${JSON.stringify(item)}`);
    for (const one of codes.map(caseOf)) {
      const list = byStatus.get(one.body.statusCode) ?? [];
      if (!list.some((known) => known.name === one.name)) list.push(one);
      byStatus.set(one.body.statusCode, list);
    }
  }
  return Object.fromEntries(
    [...byStatus].map(([status, cases]) => [
      status,
      {
        description: [
          STATUS_SUMMARIES[status] ?? 'Error.',
          '',
          ...cases.map(({ code, when }) => `- \`${code}\`: ${when}`),
        ].join('\n'),
        ...(cases.some(({ code }) => entryOf(code).retryAfterSeconds !== undefined)
          ? { headers: RETRY_AFTER_HEADER }
          : {}),
        content: {
          'application/json': {
            schema: Type.Ref(ErrorResponse),
            examples: Object.fromEntries(cases.map(({ name, code, body }) => [name, { summary: code, value: body }])),
          },
        },
      },
    ]),
  );
}
