/**
 * Every error code the service, the CLI and fleet rollouts emit, in one table: when a caller gets
 * it, an example message, and the HTTP status where the service answers it. The service's error
 * class, error handler, route error responses and OpenAPI examples are built from this table (the
 * idea of fastify's own `createError` table), so a code cannot be thrown without a status or
 * documented without an example; the CLI's JSON codes and sync-all's per-database errors come
 * from it too.
 */
export interface ErrorDetails {
  /** APPLY_FAILED: the SQL statement that failed. */
  readonly statement?: string;
  /** APPLY_FAILED: its 0-based position in the plan. */
  readonly statement_index?: number;
  /** DATABASE_AHEAD: the version the database records. */
  readonly recorded_version?: string;
}

export interface ErrorCodeEntry {
  /** The HTTP status the service answers with; absent for codes only the CLI and sync-all emit. */
  readonly status?: number;
  /** When a caller gets this code (documentation). */
  readonly when: string;
  /** A real message the service answers with. */
  readonly example: string;
  readonly exampleDetails?: ErrorDetails;
  /** Listed when a route's error responses name only the status (`errorResponses(404)`). */
  readonly impliedByStatus?: true;
  /** Sent as `Retry-After` (seconds): the condition is expected to pass, so the caller may try again. */
  readonly retryAfterSeconds?: number;
}

export const ERROR_CATALOGUE = {
  INVALID_REQUEST: {
    status: 400,
    when: 'the body or query string does not match the schema (a missing or extra field, a bad email)',
    example: 'body/email must match format "email"',
  },
  INVALID_USER_ID: {
    status: 400,
    impliedByStatus: true,
    when: 'the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\\`, or is `.` or `..`',
    example: 'user_id must not contain spaces',
  },
  INVALID_JSON: {
    status: 400,
    when: 'the body is not valid JSON',
    example: "Body is not valid JSON but content-type is set to 'application/json'",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    impliedByStatus: true,
    when: 'the body is not `application/json`',
    example: 'Unsupported Media Type',
  },
  BODY_TOO_LARGE: {
    status: 413,
    impliedByStatus: true,
    when: 'the body is larger than BODY_LIMIT',
    example: 'Request body is too large',
  },
  TOKEN_MISSING: {
    status: 401,
    impliedByStatus: true,
    when: 'no `Authorization: Bearer <token>` header',
    example: 'missing Authorization header (expected: Bearer <token>)',
  },
  TOKEN_EXPIRED: {
    status: 401,
    impliedByStatus: true,
    when: 'the token has expired',
    example: 'token has expired',
  },
  TOKEN_INVALID: {
    status: 401,
    impliedByStatus: true,
    when: 'the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`',
    example: 'invalid token: The token signature is invalid',
  },
  FORBIDDEN: {
    status: 403,
    impliedByStatus: true,
    when: 'the token is for another user (`sub`) and lacks the `schema:admin` scope',
    example: 'this token may act only on its own user (sub); acting for another user needs the schema:admin scope',
  },
  RATE_LIMITED: {
    status: 429,
    retryAfterSeconds: 60,
    when: "too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds",
    example: 'rate limit exceeded: at most 60 requests per 60 s for this user; retry in 42 s',
  },
  NOT_FOUND: {
    status: 404,
    when: 'no such route',
    example: 'route GET /api/nope not found',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    when: 'the route exists but not with this method',
    example: 'Method Not Allowed',
  },
  USER_NOT_FOUND: {
    status: 404,
    impliedByStatus: true,
    when: 'the user has no database yet (initialize the user first)',
    example: 'no database for user "user_2abcXYZ"; initialize the user first',
  },
  DATABASE_AHEAD: {
    status: 409,
    impliedByStatus: true,
    when: "the user's database records a newer schema version than this application knows; it is left alone",
    example: "database is at schema 2.0.0, newer than this application's 1.1.0; refusing to change it",
    exampleDetails: { recorded_version: '2.0.0' },
  },
  INVALID_RECORDED_VERSION: {
    status: 409,
    impliedByStatus: true,
    when: "the user's database records, in its schema_version table, a version that is not semver; it is left alone",
    example:
      'table schema_version records version "v2-beta" (row 3), which is not a semantic version; refusing to change this database',
    exampleDetails: { recorded_version: 'v2-beta' },
  },
  CONCURRENT_CHANGE: {
    status: 409,
    impliedByStatus: true,
    when: 'another applier kept changing the database while this one tried; retry',
    example: 'another connection changed the schema after the plan was made',
  },
  APPLY_FAILED: {
    status: 500,
    impliedByStatus: true,
    when: 'a statement of the plan failed; the database is unchanged, and the body names the statement',
    example: 'schema sync failed, database unchanged: SQLITE_CONSTRAINT: UNIQUE constraint failed: trades.external_id',
    exampleDetails: {
      statement: 'CREATE UNIQUE INDEX idx_trades_external_id ON trades (external_id)',
      statement_index: 4,
    },
  },
  INTERNAL_ERROR: {
    status: 500,
    impliedByStatus: true,
    when: 'an unexpected error; the details are in the service log, not in the answer',
    example: 'internal server error',
  },
  NOT_READY: {
    status: 503,
    impliedByStatus: true,
    retryAfterSeconds: 5,
    when: 'the service cannot use its database provider (e.g. DATA_DIR is not writable)',
    example: "database provider unavailable: EACCES: permission denied, access '/srv/schema-sync/data'",
  },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    retryAfterSeconds: 5,
    when: "the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later (`Retry-After`: the provider's own when it sent one)",
    example:
      'Turso Platform API: create database user-2abcxyz-iaoamu7tllrxydyq4sj3evzgd2 failed after retrying for up to 9 s: HTTP 503 "service unavailable"',
  },
  JWKS_UNAVAILABLE: {
    status: 503,
    retryAfterSeconds: 10,
    when: "JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out",
    example:
      "the identity provider's JWKS is unavailable: GET https://example.eu.auth0.com/.well-known/jwks.json answered HTTP 502",
  },
  SHUTTING_DOWN: {
    status: 503,
    impliedByStatus: true,
    retryAfterSeconds: 1,
    when: 'the process is draining for a shutdown (SIGTERM): requests are still served, but send new work elsewhere',
    example: 'shutting down: finishing requests in flight',
  },
  // ---- the CLI and sync-all (no HTTP status: the service never answers these)
  DATABASE_UNAVAILABLE: {
    when: 'the database cannot be opened or reached: no such file, not a libSQL/SQLite database, locked past the busy timeout, a host that does not answer or refuses the credentials; nothing was changed',
    example: '/srv/data/user_ada.db is not a libSQL/SQLite database',
  },
  USAGE: {
    when: 'the command line is wrong: an unknown command or flag, a missing or malformed value',
    example: '--to must be a schema version such as 1.0.0, not "latest"',
  },
  REGISTRY_INVALID: {
    when: 'the schema registry (SCHEMA_DIR or the built-in versions) does not load: a bad file name, a duplicate version, a version that does not parse',
    example: 'schema version 1.2.0 (1.2.0.sql): line 3: near "TABL": syntax error',
  },
  SCHEMA_INVALID: {
    when: 'a --schema, --from or --to schema file does not load',
    example: 'schema file next.sql, line 4: near "CREAT": syntax error',
  },
  NO_SIGNING_SECRET: {
    when: '`token` has no secret to sign with (JWT_SECRET unset, or only a public key configured)',
    example:
      'no JWT_SECRET to sign with: set JWT_SECRET (at least 32 characters) to the secret the service verifies with',
  },
  FAILED: {
    when: 'the CLI met an unexpected error; the message says what it was',
    example: "EACCES: permission denied, open '/srv/report.json'",
  },
} as const satisfies Readonly<Record<string, ErrorCodeEntry>>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes the service answers with over HTTP: those with a status. */
export type HttpErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CATALOGUE)[K] extends { readonly status: number } ? K : never;
}[ErrorCode];

export interface HttpErrorCodeEntry extends ErrorCodeEntry {
  readonly status: number;
}

/** Every code the service can answer with, in catalogue order. */
export const HTTP_ERROR_CODES = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter(
  (code): code is HttpErrorCode => 'status' in ERROR_CATALOGUE[code],
);

export function entryOf(code: HttpErrorCode): HttpErrorCodeEntry;
export function entryOf(code: ErrorCode): ErrorCodeEntry;
export function entryOf(code: ErrorCode): ErrorCodeEntry {
  return ERROR_CATALOGUE[code];
}

/** A failed or refused database as sync-all reports it: a catalogue code, a sentence, the details. */
export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
  /** APPLY_FAILED: the statement that failed, and its 0-based index in the plan. */
  readonly statement?: string;
  readonly statementIndex?: number;
  /** DATABASE_AHEAD, INVALID_RECORDED_VERSION: the version the database records. */
  readonly recordedVersion?: string;
}

/** The error detail of a refused or failed sync outcome (lib/sync.ts). */
export function describeFailure(outcome: {
  readonly code: ErrorCode;
  readonly message: string;
  readonly recorded: { readonly version: string } | null;
  readonly statement?: string | null;
  readonly statementIndex?: number | null;
}): ErrorDetail {
  const refusal = outcome.code === 'DATABASE_AHEAD' || outcome.code === 'INVALID_RECORDED_VERSION';
  return {
    code: outcome.code,
    message: outcome.message,
    ...(outcome.statement === null || outcome.statement === undefined ? {} : { statement: outcome.statement }),
    ...(outcome.statementIndex === null || outcome.statementIndex === undefined
      ? {}
      : { statementIndex: outcome.statementIndex }),
    ...(refusal && outcome.recorded !== null ? { recordedVersion: outcome.recorded.version } : {}),
  };
}
