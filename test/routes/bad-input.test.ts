/**
 * Every kind of bad input gets a clear JSON error with a stable code — never a 500 — and writes
 * nothing: after all of them DATA_DIR is still empty.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

interface Case {
  readonly label: string;
  readonly body?: unknown;
  readonly payload?: string;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  readonly message?: RegExp;
}

const good = { email: 'ada@example.com', user_id: 'ada' };

const BODY_CASES: Case[] = [
  {
    label: 'user_id empty',
    body: { ...good, user_id: '' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /must not be empty/,
  },
  {
    label: 'user_id 129 characters',
    body: { ...good, user_id: 'x'.repeat(129) },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /at most 128/,
  },
  {
    label: 'user_id with NUL',
    body: { ...good, user_id: 'a\u0000b' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /control characters/,
  },
  {
    label: 'user_id with newline',
    body: { ...good, user_id: 'a\nb' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /control characters/,
  },
  {
    label: 'user_id with /',
    body: { ...good, user_id: '../etc/passwd' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /'\/'/,
  },
  {
    label: 'user_id with \\',
    body: { ...good, user_id: '..\\windows' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /'\\'/,
  },
  {
    label: "user_id '.'",
    body: { ...good, user_id: '.' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /'\.' or '\.\.'/,
  },
  {
    label: "user_id '..'",
    body: { ...good, user_id: '..' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /'\.' or '\.\.'/,
  },
  {
    label: 'user_id with a space',
    body: { ...good, user_id: 'ada lovelace' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /spaces/,
  },
  {
    label: 'user_id non-ASCII',
    body: { ...good, user_id: 'émile' },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /ASCII/,
  },
  {
    label: 'user_id a number',
    body: { ...good, user_id: 42 },
    status: 400,
    code: 'INVALID_USER_ID',
    message: /must be a string/,
  },
  { label: 'user_id null', body: { ...good, user_id: null }, status: 400, code: 'INVALID_USER_ID' },
  { label: 'user_id missing', body: { email: good.email }, status: 400, code: 'INVALID_REQUEST', message: /user_id/ },
  { label: 'email missing', body: { user_id: 'ada' }, status: 400, code: 'INVALID_REQUEST', message: /email/ },
  {
    label: 'extra field',
    body: { ...good, admin: true },
    status: 400,
    code: 'INVALID_REQUEST',
    message: /unexpected field 'admin'/,
  },
  {
    label: 'bad email',
    body: { ...good, email: 'not-an-email' },
    status: 400,
    code: 'INVALID_REQUEST',
    message: /email/,
  },
  {
    label: 'email without domain',
    body: { ...good, email: 'ada@' },
    status: 400,
    code: 'INVALID_REQUEST',
    message: /email/,
  },
  { label: 'email empty', body: { ...good, email: '' }, status: 400, code: 'INVALID_REQUEST', message: /email/ },
  { label: 'body an array', body: [good], status: 400, code: 'INVALID_REQUEST' },
  { label: 'body a string', payload: '"ada"', status: 400, code: 'INVALID_REQUEST' },
  { label: 'body null', payload: 'null', status: 400, code: 'INVALID_REQUEST' },
  { label: 'malformed JSON', payload: '{"email": "ada@example.com", "user_id": ', status: 400, code: 'INVALID_JSON' },
  { label: 'empty JSON body', payload: '', status: 400, code: 'INVALID_JSON' },
  {
    label: '__proto__ in body',
    payload: '{"email":"ada@example.com","user_id":"ada","__proto__":{"x":1}}',
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    label: 'not JSON',
    payload: 'email=ada@example.com&user_id=ada',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    label: 'JSON sent as text/plain',
    payload: JSON.stringify(good),
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    label: 'oversize body',
    body: { ...good, email: `${'a'.repeat(20_000)}@example.com` },
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
];

const PATH_CASES: [string, string, RegExp][] = [
  ['empty', '', /must not be empty/],
  ['129 characters', 'x'.repeat(129), /at most 128/],
  ['129 characters, percent-encoded', '%7C'.repeat(129), /at most 128/],
  ['far too long', 'x'.repeat(5000), /at most 128/],
  ['NUL', 'a%00b', /control characters/],
  ['newline', 'a%0Ab', /control characters/],
  ['encoded /', 'a%2Fb', /'\/'/],
  ['encoded \\', 'a%5Cb', /'\\'/],
  ['space', 'a%20b', /spaces/],
  ['non-ASCII', '%C3%A9mile', /ASCII/],
];

const USER_ROUTES: [string, string][] = [
  ['POST', '/api/user/sync-schema/'],
  ['GET', '/api/user/schema-version/'],
  ['GET', '/api/user/schema-plan/'],
];

t.test('bad bodies on POST /api/user/initialize', async (t) => {
  const h = await buildTestApp(t);
  const token = h.adminToken(); // may act for anyone: only the input can be wrong
  for (const c of BODY_CASES) {
    const res = await h.call({
      method: 'POST',
      url: '/api/user/initialize',
      token,
      ...(c.payload === undefined ? { body: c.body } : { payload: c.payload }),
      headers: { 'content-type': c.contentType ?? 'application/json' },
    });
    t.equal(res.statusCode, c.status, `${c.label}: status`);
    t.match(res.headers['content-type'], /application\/json/, `${c.label}: JSON`);
    const body = res.json();
    t.match(body, { statusCode: c.status, error: String, message: c.message ?? String, code: c.code }, c.label);
  }
  t.same(readdirSync(h.dataDir), [], 'nothing written');
});

t.test('bad user ids in the path of every user route', async (t) => {
  const h = await buildTestApp(t);
  const token = h.adminToken();
  for (const [method, prefix] of USER_ROUTES) {
    for (const [label, segment, message] of PATH_CASES) {
      const res = await h.call({ method: method, url: `${prefix}${segment}`, token });
      t.equal(res.statusCode, 400, `${method} ${prefix} ${label}`);
      t.match(res.json(), { statusCode: 400, code: 'INVALID_USER_ID', message }, `${method} ${prefix} ${label}`);
    }
  }
  t.same(readdirSync(h.dataDir), [], 'nothing written');
});

t.test('a path that is not valid percent-encoding is a 400, not a 500', async (t) => {
  const h = await buildTestApp(t);
  for (const segment of ['%zz', '%E9', 'a%']) {
    const res = await h.call({ method: 'GET', url: `/api/user/schema-version/${segment}`, token: h.adminToken() });
    t.equal(res.statusCode, 400, segment);
    t.match(res.json(), { statusCode: 400, error: 'Bad Request', code: /^INVALID_/ }, segment);
  }
});

t.test('the longest valid id, even fully percent-encoded, reaches every user route', async (t) => {
  const h = await buildTestApp(t);
  const token = h.adminToken();
  for (const id of ['x'.repeat(128), '|'.repeat(128)]) {
    const init = await h.call({
      method: 'POST',
      url: '/api/user/initialize',
      token,
      body: { email: 'ada@example.com', user_id: id },
    });
    t.equal(init.statusCode, 200);
    for (const [method, prefix] of USER_ROUTES) {
      const res = await h.call({
        method: method,
        url: `${prefix}${encodeURIComponent(id).replace(/x/g, '%78')}`,
        token,
      });
      t.equal(res.statusCode, 200, `${method} ${prefix}<128 characters>`);
    }
  }
});

t.test("'.' and '..' as the path id, sent byte for byte over a real socket", async (t) => {
  const h = await buildTestApp(t);
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = h.app.server.address() as AddressInfo;
  const token = h.adminToken();
  const get = (path: string) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: 'GET', headers: { authorization: `Bearer ${token}` } },
        (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  for (const segment of ['.', '..', '%2E', '%2e%2E']) {
    for (const [, prefix] of USER_ROUTES.filter(([method]) => method === 'GET')) {
      const res = await get(`${prefix}${segment}`);
      t.equal(res.status, 400, `${prefix}${segment}`);
      t.match(res.body, { code: 'INVALID_USER_ID', message: /'\.' or '\.\.'/ });
    }
  }
  t.same(readdirSync(h.dataDir), [], 'nothing written');
});

t.test('a body larger than BODY_LIMIT is refused before it is read', async (t) => {
  const h = await buildTestApp(t, { env: { BODY_LIMIT: '2048' } });
  const res = await h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.adminToken(),
    payload: JSON.stringify({ pad: 'x'.repeat(3000) }),
    headers: { 'content-type': 'application/json' },
  });
  t.equal(res.statusCode, 413);
  t.equal(res.json().code, 'BODY_TOO_LARGE');
});

t.test('a query value outside its allowed values is one sentence naming them', async (t) => {
  const h = await buildTestApp(t);
  const token = h.adminToken();
  for (const value of ['maybe', 'TRUE', '']) {
    const res = await h.call({
      method: 'GET',
      url: `/api/user/schema-plan/ada?allow_destructive=${encodeURIComponent(value)}`,
      token,
    });
    t.equal(res.statusCode, 400, `${JSON.stringify(value)}: 400`);
    const body = res.json<{ message: string; code: string }>();
    t.equal(body.code, 'INVALID_REQUEST', `${JSON.stringify(value)}: the code is unchanged`);
    t.equal(
      body.message,
      `querystring/allow_destructive must be 'true' or 'false', not '${value}'`,
      `${JSON.stringify(value)}: says what is allowed and what came, once`,
    );
  }
  t.same(readdirSync(h.dataDir), [], 'nothing written');
});
