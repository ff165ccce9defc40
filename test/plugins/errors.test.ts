/**
 * Validation errors read as one sentence per wrong value, whatever the schema: Ajv's issues for a
 * union (one per branch plus the union's own) and for an enum (no values named) are rewritten;
 * every other issue is said once, as Fastify says it. The issues come from a real Ajv, configured
 * as app.ts configures Fastify's.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import type { FastifyError, FastifyRequest } from 'fastify';
import t from 'tap';
import { toErrorBody } from '../../plugins/errors.js';

const ajv = new Ajv.default({ coerceTypes: false, removeAdditional: false, allErrors: false, strict: false });

/** The body toErrorBody makes for `value` failing `schema` in `context`, as Fastify would raise it. */
function bodyFor(schema: TSchema, value: unknown, context: 'body' | 'querystring' = 'body') {
  const validate = ajv.compile(schema);
  t.notOk(validate(value), 'the value is invalid');
  const error = Object.assign(new Error('fastify message'), {
    validation: validate.errors,
    validationContext: context,
  }) as unknown as FastifyError;
  const request = {
    body: context === 'body' ? value : undefined,
    query: context === 'querystring' ? value : undefined,
  };
  return toErrorBody(error, request as unknown as FastifyRequest);
}

t.test('a union of constants: the allowed values and the one received, once', async (t) => {
  const schema = Type.Object({ mode: Type.Union([Type.Literal('a'), Type.Literal('b'), Type.Literal(3)]) });
  const body = bodyFor(schema, { mode: 'c' });
  t.equal(body.message, "body/mode must be 'a', 'b' or 3, not 'c'");
  t.equal(body.code, 'INVALID_REQUEST');
  t.equal(body.statusCode, 400);
  t.equal(
    bodyFor(schema, { mode: 5 }).message,
    "body/mode must be 'a', 'b' or 3, not 5",
    'a value of another type too',
  );
});

t.test('an enum names its values', async (t) => {
  const schema = Type.Object({ color: Type.Unsafe<string>({ type: 'string', enum: ['red', 'green'] }) });
  t.equal(bodyFor(schema, { color: 'blue' }).message, "body/color must be 'red' or 'green', not 'blue'");
});

t.test('a union of types, nested: the types, once, with the path', async (t) => {
  const schema = Type.Object({
    items: Type.Array(Type.Object({ note: Type.Union([Type.String(), Type.Null()]) })),
  });
  t.equal(
    bodyFor(schema, { items: [{ note: 'x' }, { note: 7 }] }).message,
    'body/items/1/note must be string or null, not 7',
  );
});

t.test('a union whose branches fail deeper: each distinct sentence once', async (t) => {
  const schema = Type.Object({
    target: Type.Union([Type.Object({ id: Type.String() }, { additionalProperties: false }), Type.String()]),
  });
  const message = bodyFor(schema, { target: {} }).message;
  const sentences = message.split(', ');
  t.same(sentences, [...new Set(sentences)], `no sentence repeated: ${message}`);
  t.match(message, /body\/target must have required property 'id'/, 'the first branch says what it lacks');
  t.match(message, /body\/target must be string/, 'the second what it wants');
});

t.test('a union with a branch that fails inside the value is not read as a list of alternatives', async (t) => {
  const schema = Type.Object({
    v: Type.Union([Type.Object({ n: Type.Integer() }), Type.Literal('none')]),
  });
  const message = bodyFor(schema, { v: { n: 'x' } }).message;
  t.notMatch(message, /must be integer or 'none'/, `not a list mixing levels: ${message}`);
  t.match(message, /body\/v\/n must be integer/, 'the inner failure is named at its path');
  t.equal(
    bodyFor(Type.Object({ c: Type.Unsafe<string>({ type: 'string', enum: ['a'] }) }), { c: 'z'.repeat(200) }).message,
    `body/c must be 'a', not '${'z'.repeat(62)}…`,
    'a long value is cut short',
  );
});

t.test('a plain issue reads as Fastify says it', async (t) => {
  const schema = Type.Object({ n: Type.Integer({ minimum: 1 }) });
  t.equal(bodyFor(schema, { n: 0 }).message, 'body/n must be >= 1');
  t.equal(
    bodyFor(Type.Object({ q: Type.String({ maxLength: 2 }) }), { q: 'abc' }, 'querystring').message,
    'querystring/q must NOT have more than 2 characters',
  );
});
