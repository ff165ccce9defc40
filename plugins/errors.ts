/**
 * One error shape for every failure: `{ statusCode, error, message, code }` with a stable `code`
 * a client can branch on. Caller mistakes are 4xx with a message that says what to fix; anything
 * unexpected is a 500 whose details go to the log, not to the caller.
 */
import { STATUS_CODES } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { checkUserId } from '../lib/naming.js';
import { ProviderUnavailableError } from '../lib/providers/errors.js';
import {
  entryOf,
  HTTP_ERROR_CODES as ERROR_CODES,
  type HttpErrorCode as ErrorCode,
  type ErrorDetails,
} from '../lib/error-catalogue.js';

export type { HttpErrorCode as ErrorCode, ErrorDetails } from '../lib/error-catalogue.js';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ description: 'The HTTP status, repeated.' }),
    error: Type.String({ description: 'The HTTP status text.' }),
    message: Type.String({ description: 'What went wrong, for a human.' }),
    code: Type.Unsafe<ErrorCode>({
      type: 'string',
      enum: [...ERROR_CODES],
      description: 'Stable machine-readable cause.',
    }),
    statement: Type.Optional(Type.String({ description: 'APPLY_FAILED: the SQL statement that failed.' })),
    statement_index: Type.Optional(Type.Integer({ description: 'APPLY_FAILED: its 0-based position in the plan.' })),
    recorded_version: Type.Optional(Type.String({ description: 'DATABASE_AHEAD: the version the database records.' })),
  },
  { $id: 'ErrorResponse', title: 'Error', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorResponse>;

/** An error that knows its response (the status comes from the catalogue). Throw it from hooks and handlers. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Readonly<Record<string, string>> = {},
    /** How long the caller should wait (`Retry-After`), when it knows better than the catalogue. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.statusCode = entryOf(code).status;
  }
}

/** The body for `code`; `statusCode` only where a framework error carries a status of its own. */
export function errorBody(
  code: ErrorCode,
  message: string,
  details: ErrorDetails = {},
  statusCode = entryOf(code).status,
): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code, ...details };
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
};

const messageFor: Readonly<Record<string, string>> = {
  // Path parameters are user ids; one this long can only be far past the 128-character limit.
  FST_ERR_MAX_PARAM_LENGTH: 'user_id must be at most 128 characters',
};

const STATUS_FALLBACK: Readonly<Record<number, ErrorCode>> = {
  401: 'TOKEN_INVALID',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** One Ajv error, as Fastify hands it over. */
type ValidationIssue = FastifySchemaValidationError;

/** Maps any error a request can raise to the response body. */
export function toErrorBody(error: FastifyError | HttpError | Error, request: FastifyRequest): ErrorBody {
  if (error instanceof HttpError) return errorBody(error.code, error.message, error.details);
  // The database provider's API kept failing (or refused our credentials): the caller may retry.
  if (error instanceof ProviderUnavailableError) return errorBody('PROVIDER_UNAVAILABLE', error.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationBody(fastifyError, request);
  if (fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return errorBody('INVALID_USER_ID', messageFor[fastifyError.code] as string);
  const known = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (known) return errorBody(known, error.message);
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // e.g. secure-json-parse refusing __proto__: the caller's mistake, said as is.
    return errorBody(STATUS_FALLBACK[status] ?? 'INVALID_REQUEST', error.message, {}, status);
  }
  return errorBody('INTERNAL_ERROR', 'internal server error');
}

function validationBody(error: FastifyError, request: FastifyRequest): ErrorBody {
  const issues: readonly ValidationIssue[] = error.validation ?? [];
  const issue = issues[0];
  const context = error.validationContext ?? 'request';
  if (issue && (issue.instancePath === '/user_id' || issue.params['missingProperty'] === 'user_id')) {
    const source: unknown = context === 'params' ? request.params : request.body;
    const value =
      typeof source === 'object' && source !== null ? (source as Record<string, unknown>)['user_id'] : undefined;
    const check = checkUserId(value);
    const message =
      value === undefined
        ? `${context} must have required property 'user_id'`
        : check.ok
          ? error.message
          : check.message;
    return errorBody(value === undefined ? 'INVALID_REQUEST' : 'INVALID_USER_ID', message);
  }
  if (issue?.keyword === 'additionalProperties') {
    return errorBody(
      'INVALID_REQUEST',
      `${context} has an unexpected field '${String(issue.params['additionalProperty'])}'`,
    );
  }
  return errorBody('INVALID_REQUEST', issues.length === 0 ? error.message : describeIssues(issues, context, request));
}

/** A value as the caller wrote it (strings quoted, the rest as JSON), cut short past 64 characters. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 64 ? `${text.slice(0, 63)}…` : text;
}

/** "a", "a or b", "a, b or c". */
function either(options: readonly string[]): string {
  return options.length <= 1 ? (options[0] ?? '') : `${options.slice(0, -1).join(', ')} or ${options.at(-1) ?? ''}`;
}

/** The request's value at an Ajv instance path (`/a/0/b`), or undefined. */
function valueAt(request: FastifyRequest, context: string, instancePath: string): unknown {
  const sources: Readonly<Record<string, unknown>> = {
    body: request.body,
    querystring: request.query,
    params: request.params,
    headers: request.headers,
  };
  let value = sources[context];
  for (const token of instancePath.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return value;
}

/** What an issue accepts, when it is a constant, one of a list, or a type; null otherwise. */
function accepted(issue: ValidationIssue): string[] | null {
  if (issue.keyword === 'const') return [show(issue.params['allowedValue'])];
  if (issue.keyword === 'enum' && Array.isArray(issue.params['allowedValues']))
    return (issue.params['allowedValues'] as unknown[]).map(show);
  if (issue.keyword === 'type') return String(issue.params['type']).split(',');
  return null;
}

/**
 * One sentence per wrong value. Ajv reports a union (anyOf/oneOf) as one error per branch plus one
 * for the union itself, which Fastify joins into the same sentence repeated; an enum as "must be
 * equal to one of the allowed values" without the values. A value that must be one of some
 * constants or types reads "must be 'true' or 'false', not 'maybe'"; anything else says each
 * distinct message once.
 */
function describeIssues(issues: readonly ValidationIssue[], context: string, request: FastifyRequest): string {
  const first = issues[0] as ValidationIssue;
  const at = `${context}${first.instancePath}`;
  const union = issues.find(
    (issue) => (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') && issue.instancePath === first.instancePath,
  );
  const branches = union
    ? issues.filter((issue) => issue !== union && issue.schemaPath.startsWith(`${union.schemaPath}/`))
    : [];
  // Branches that fail inside the value (a missing property, a wrong item) are not alternatives of it.
  const alternatives = union
    ? branches.every((issue) => issue.instancePath === union.instancePath)
      ? branches
      : []
    : first.keyword === 'enum' || first.keyword === 'const'
      ? [first]
      : [];
  // A branch that is a constant of a type (TypeBox's Literal) fails on both: the constant says it.
  const branchOf = (issue: ValidationIssue): string =>
    union ? (issue.schemaPath.slice(union.schemaPath.length + 1).split('/')[0] ?? '') : '';
  const constants = new Set(
    alternatives.filter((issue) => issue.keyword === 'const' || issue.keyword === 'enum').map(branchOf),
  );
  const options = alternatives
    .filter((issue) => issue.keyword !== 'type' || !constants.has(branchOf(issue)))
    .map(accepted);
  if (options.length > 0 && options.every((option) => option !== null)) {
    const value = valueAt(request, context, first.instancePath);
    const got = value === undefined ? '' : `, not ${show(value)}`;
    return `${at} must be ${either([...new Set(options.flat())])}${got}`;
  }
  const sentences = issues.map((issue) => `${context}${issue.instancePath} ${issue.message ?? 'is invalid'}`);
  return [...new Set(sentences)].join(', ');
}

/** Longest `Retry-After` passed on from the provider: past this, the caller should look elsewhere. */
const MAX_RETRY_AFTER_SECONDS = 300;

/** `Retry-After` for a code that says "try again": the error's own wait when it knows one, else the catalogue's. */
function retryAfterSeconds(error: Error, code: ErrorCode): number | null {
  const fallback = entryOf(code).retryAfterSeconds;
  if (fallback === undefined) return null;
  const asked = error instanceof ProviderUnavailableError || error instanceof HttpError ? error.retryAfterMs : null;
  return asked === null ? fallback : Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(asked / 1000)));
}

const errorsPlugin: FastifyPluginAsync = async (fastify) => {
  fastify.addSchema(ErrorResponse);

  fastify.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const body = toErrorBody(error, request);
    if (body.statusCode >= 500) request.log.error({ err: error, code: body.code }, 'request failed');
    else request.log.info({ code: body.code, reason: body.message }, 'request refused');
    if (error instanceof HttpError) void reply.headers(error.headers);
    const retryAfter = retryAfterSeconds(error, body.code);
    if (retryAfter !== null) void reply.header('retry-after', String(retryAfter));
    void reply.code(body.statusCode).send(body);
  });

  fastify.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `route ${request.method} ${request.url} not found`));
  });
};

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });
