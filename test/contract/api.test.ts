/**
 * Contract tests: the real server on a loopback port, every operation called through the SDK
 * (schema-sync/client), success and error paths, and every response body validated against the
 * schema openapi.yaml gives for that operation and status. The last test checks that every
 * (operation, status) pair the document declares was exercised here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ContractOracle } from './_openapi.js';
import { recordNewerVersion, startServer, tempDir, type RunningServer } from './_server.js';
import { startPlatform, tursoEnv } from '../support/turso-app.js';
import { ecKey, signJwt, startJwksServer } from '../support/jwks-server.js';

const oracle = await ContractOracle.load();

interface SdkResult {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/** Asserts the status, a JSON body, and that the body matches openapi.yaml; returns the body. */
function expectContract(t: Test, operationId: string, result: SdkResult, status: number): Record<string, unknown> {
  const { response } = result;
  const body = (result.data ?? result.error) as Record<string, unknown>;
  t.equal(response.status, status, `${operationId} answers ${status}`, { body });
  t.match(response.headers.get('content-type') ?? '', /^application\/json/, `${operationId} ${status} is JSON`);
  const check = oracle.check(operationId, response.status, body);
  t.ok(check.ok, `${operationId} ${response.status} body matches openapi.yaml`, { body, errors: check.errors });
  return body;
}

/** An error body: the one envelope, with the expected stable code. */
function expectError(
  t: Test,
  operationId: string,
  result: SdkResult,
  status: number,
  code: string,
): Record<string, unknown> {
  const body = expectContract(t, operationId, result, status);
  t.match(body, { statusCode: status, code, error: String, message: String }, `${operationId} ${status} ${code}`);
  t.ok(
    oracle.documentedCodes(operationId, status).includes(code),
    `openapi.yaml lists ${code} under ${operationId} ${status}, with an example`,
  );
  return body;
}

const SYNC_KEYS = ['message', 'schema_version', 'success', 'synced_at'];
const INITIALIZE_KEYS = ['database_token', 'database_url', 'message', 'schema_synced', 'schema_version', 'success'];
const VERSION_KEYS = [
  'current_app_description',
  'current_app_version',
  'is_up_to_date',
  'user_schema_created_at',
  'user_schema_description',
  'user_schema_version',
];

/** A call the SDK would not make (a literal path, a body where none is taken), shaped like its results. */
async function rawCall(
  server: RunningServer,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: string; contentType?: string } = {},
): Promise<SdkResult> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const body: unknown = await response.json();
  return response.ok ? { data: body, response } : { error: body, response };
}

/** Paths whose user id is not valid percent-encoding (fetch sends them as written). */
const BAD_PATH_ENCODINGS = ['%', '%zz', 'a%', '%E9'];

async function initialize(server: RunningServer, userId: string): Promise<void> {
  const result = await server
    .client(server.token(userId))
    .POST('/api/user/initialize', { body: { email: 'ada@example.com', user_id: userId } });
  if (result.response.status !== 200) throw new Error(`initialize ${userId}: ${result.response.status}`);
}

t.test('probes and the registry', async (t) => {
  const server = await startServer(t);
  const anon = server.client();

  t.same(expectContract(t, 'health', await anon.GET('/health'), 200), { status: 'ok' });
  t.match(expectContract(t, 'ready', await anon.GET('/ready'), 200), { status: 'ready', provider: 'local' });

  const api = server.client(server.token('user_2abcXYZ'));
  const versions = expectContract(t, 'listSchemaVersions', await api.GET('/api/schema/versions'), 200);
  t.match(versions, {
    current_version: '1.1.0',
    versions: [{ version: '1.0.0' }, { version: '1.1.0', is_current: true }],
  });
  expectError(t, 'listSchemaVersions', await anon.GET('/api/schema/versions'), 401, 'TOKEN_MISSING');
});

t.test('initializeUser', async (t) => {
  const server = await startServer(t);
  const userId = 'auth0|5f7c8ec7';
  const api = server.client(server.token(userId));
  const body = { email: 'ada@example.com', user_id: userId };

  const created = expectContract(t, 'initializeUser', await api.POST('/api/user/initialize', { body }), 200);
  t.same(Object.keys(created).sort(), INITIALIZE_KEYS, 'the original response shape, exactly');
  t.match(created, {
    success: true,
    schema_synced: true,
    schema_version: '1.1.0',
    database_token: '',
    database_url: /^file:/,
  });

  const again = expectContract(t, 'initializeUser', await api.POST('/api/user/initialize', { body }), 200);
  t.match(again, { success: true, schema_synced: true, message: /up to date/ });

  const admin = server.client(server.adminToken());
  const forOther = await admin.POST('/api/user/initialize', {
    body: { email: 'bo@example.com', user_id: 'google-oauth2|1098' },
  });
  t.match(expectContract(t, 'initializeUser', forOther, 200), { schema_synced: true });

  t.test('400 bad input', async (t) => {
    expectError(
      t,
      'initializeUser',
      await api.POST('/api/user/initialize', { body: { ...body, email: 'not-an-email' } }),
      400,
      'INVALID_REQUEST',
    );
    const extra = { ...body, role: 'admin' };
    const withExtra = expectError(
      t,
      'initializeUser',
      await api.POST('/api/user/initialize', { body: extra }),
      400,
      'INVALID_REQUEST',
    );
    t.match(withExtra, { message: /role/ });
    const badId = await server
      .client(server.token('has space'))
      .POST('/api/user/initialize', { body: { ...body, user_id: 'has space' } });
    expectError(t, 'initializeUser', badId, 400, 'INVALID_USER_ID');
    const malformed = await api.POST('/api/user/initialize', { body, bodySerializer: () => '{"email": ' });
    expectError(t, 'initializeUser', malformed, 400, 'INVALID_JSON');
  });

  t.test('401 without, with a malformed, a wrongly signed or an expired token', async (t) => {
    expectError(
      t,
      'initializeUser',
      await server.client().POST('/api/user/initialize', { body }),
      401,
      'TOKEN_MISSING',
    );
    expectError(
      t,
      'initializeUser',
      await server.client('not-a-jwt').POST('/api/user/initialize', { body }),
      401,
      'TOKEN_INVALID',
    );
    const [header, payload] = server.token(userId).split('.');
    const forged = `${header}.${payload}.${Buffer.from('forged signature').toString('base64url')}`;
    expectError(
      t,
      'initializeUser',
      await server.client(forged).POST('/api/user/initialize', { body }),
      401,
      'TOKEN_INVALID',
    );
    const now = Math.floor(Date.now() / 1000);
    const expired = server.token(userId, { iat: now - 7200, exp: now - 3600 });
    expectError(
      t,
      'initializeUser',
      await server.client(expired).POST('/api/user/initialize', { body }),
      401,
      'TOKEN_EXPIRED',
    );
  });

  t.test('403 for another user without the admin scope', async (t) => {
    const other = await server.client(server.token('someone-else')).POST('/api/user/initialize', { body });
    expectError(t, 'initializeUser', other, 403, 'FORBIDDEN');
  });

  t.test('413 oversize body, 415 not JSON', async (t) => {
    const huge = { email: 'ada@example.com', user_id: 'x'.repeat(64 * 1024) };
    expectError(t, 'initializeUser', await api.POST('/api/user/initialize', { body: huge }), 413, 'BODY_TOO_LARGE');
    const xml = await api.POST('/api/user/initialize', {
      body,
      bodySerializer: () => '<user/>',
      headers: { 'content-type': 'application/xml' },
    });
    expectError(t, 'initializeUser', xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await rawCall(server, 'POST', '/api/user/initialize', {
      token: server.token(userId),
      body: JSON.stringify(body),
      contentType: 'text/plain',
    });
    expectError(t, 'initializeUser', text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

t.test('syncUserSchema', async (t) => {
  const server = await startServer(t);
  const userId = 'user_2abcXYZ';
  const api = server.client(server.token(userId));
  await initialize(server, userId);
  const params = { path: { user_id: userId } };

  const synced = expectContract(
    t,
    'syncUserSchema',
    await api.POST('/api/user/sync-schema/{user_id}', { params }),
    200,
  );
  t.same(Object.keys(synced).sort(), SYNC_KEYS, 'the original response shape, exactly');
  t.match(synced, { success: true, schema_version: '1.1.0', message: /up to date/ });

  const admin = server.client(server.adminToken());
  const missing = await admin.POST('/api/user/sync-schema/{user_id}', {
    params: { path: { user_id: 'never-initialized' } },
  });
  expectError(t, 'syncUserSchema', missing, 404, 'USER_NOT_FOUND');
  const other = await server.client(server.token('someone-else')).POST('/api/user/sync-schema/{user_id}', { params });
  expectError(t, 'syncUserSchema', other, 403, 'FORBIDDEN');
  expectError(
    t,
    'syncUserSchema',
    await server.client().POST('/api/user/sync-schema/{user_id}', { params }),
    401,
    'TOKEN_MISSING',
  );
  const badId = await admin.POST('/api/user/sync-schema/{user_id}', { params: { path: { user_id: 'x'.repeat(129) } } });
  expectError(t, 'syncUserSchema', badId, 400, 'INVALID_USER_ID');
  for (const segment of BAD_PATH_ENCODINGS) {
    const badPath = await rawCall(server, 'POST', `/api/user/sync-schema/${segment}`, { token: server.adminToken() });
    expectError(t, 'syncUserSchema', badPath, 400, 'INVALID_REQUEST');
  }

  // It takes no body: any body is ignored, whatever its type or size.
  const bodies: [string, string][] = [
    ['application/json', '{"user_id":"someone-else"}'],
    ['application/json', '{"email": '],
    ['text/plain', 'hello'],
    ['application/octet-stream', 'x'.repeat(64 * 1024)],
  ];
  for (const [contentType, body] of bodies) {
    const result = await rawCall(server, 'POST', `/api/user/sync-schema/${userId}`, {
      token: server.token(userId),
      body,
      contentType,
    });
    t.match(expectContract(t, 'syncUserSchema', result, 200), { success: true }, `${contentType} body ignored`);
  }

  await recordNewerVersion(server.openDb(userId));
  const ahead = expectError(
    t,
    'syncUserSchema',
    await api.POST('/api/user/sync-schema/{user_id}', { params }),
    409,
    'DATABASE_AHEAD',
  );
  t.match(ahead, { recorded_version: '99.0.0' });
});

t.test('getUserSchemaVersion', async (t) => {
  const server = await startServer(t);
  const userId = '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b';
  const api = server.client(server.token(userId));
  await initialize(server, userId);
  const params = { path: { user_id: userId } };

  const version = expectContract(
    t,
    'getUserSchemaVersion',
    await api.GET('/api/user/schema-version/{user_id}', { params }),
    200,
  );
  t.same(Object.keys(version).sort(), VERSION_KEYS, 'the original response shape, exactly');
  t.match(version, { user_schema_version: '1.1.0', current_app_version: '1.1.0', is_up_to_date: true });

  const admin = server.client(server.adminToken());
  const missing = await admin.GET('/api/user/schema-version/{user_id}', {
    params: { path: { user_id: 'never-initialized' } },
  });
  expectError(t, 'getUserSchemaVersion', missing, 404, 'USER_NOT_FOUND');
  const other = await server.client(server.token('someone-else')).GET('/api/user/schema-version/{user_id}', { params });
  expectError(t, 'getUserSchemaVersion', other, 403, 'FORBIDDEN');
  expectError(
    t,
    'getUserSchemaVersion',
    await server.client('x.y.z').GET('/api/user/schema-version/{user_id}', { params }),
    401,
    'TOKEN_INVALID',
  );
  const badId = await admin.GET('/api/user/schema-version/{user_id}', { params: { path: { user_id: 'tab\there' } } });
  expectError(t, 'getUserSchemaVersion', badId, 400, 'INVALID_USER_ID');
  for (const segment of BAD_PATH_ENCODINGS) {
    const badPath = await rawCall(server, 'GET', `/api/user/schema-version/${segment}`, { token: server.adminToken() });
    expectError(t, 'getUserSchemaVersion', badPath, 400, 'INVALID_REQUEST');
  }
});

t.test('planUserSchema', async (t) => {
  const server = await startServer(t);
  const userId = 'a.b@example.com';
  const api = server.client(server.token(userId));
  await initialize(server, userId);
  const params = { path: { user_id: userId } };

  const plan = expectContract(t, 'planUserSchema', await api.GET('/api/user/schema-plan/{user_id}', { params }), 200);
  t.match(plan, { user_id: userId, from_version: '1.1.0', to_version: '1.1.0', up_to_date: true, steps: [] });
  const destructive = await api.GET('/api/user/schema-plan/{user_id}', {
    params: { ...params, query: { allow_destructive: 'true' } },
  });
  expectContract(t, 'planUserSchema', destructive, 200);

  const admin = server.client(server.adminToken());
  const missing = await admin.GET('/api/user/schema-plan/{user_id}', {
    params: { path: { user_id: 'never-initialized' } },
  });
  expectError(t, 'planUserSchema', missing, 404, 'USER_NOT_FOUND');
  const other = await server.client(server.token('someone-else')).GET('/api/user/schema-plan/{user_id}', { params });
  expectError(t, 'planUserSchema', other, 403, 'FORBIDDEN');
  expectError(
    t,
    'planUserSchema',
    await server.client().GET('/api/user/schema-plan/{user_id}', { params }),
    401,
    'TOKEN_MISSING',
  );
  const badQuery = await api.GET('/api/user/schema-plan/{user_id}', {
    params: { ...params, query: { allow_destructive: 'yes' as 'true' } },
  });
  expectError(t, 'planUserSchema', badQuery, 400, 'INVALID_REQUEST');
  const unknownQuery = await rawCall(server, 'GET', `/api/user/schema-plan/${encodeURIComponent(userId)}?dry_run=1`, {
    token: server.token(userId),
  });
  expectError(t, 'planUserSchema', unknownQuery, 400, 'INVALID_REQUEST');
  for (const segment of BAD_PATH_ENCODINGS) {
    const badPath = await rawCall(server, 'GET', `/api/user/schema-plan/${segment}`, { token: server.adminToken() });
    expectError(t, 'planUserSchema', badPath, 400, 'INVALID_REQUEST');
  }

  await recordNewerVersion(server.openDb(userId));
  expectError(t, 'planUserSchema', await api.GET('/api/user/schema-plan/{user_id}', { params }), 409, 'DATABASE_AHEAD');
});

t.test('a failing apply: 500 APPLY_FAILED from sync, 200 schema_synced=false from sign-in', async (t) => {
  const v1 = tempDir(t, 'schema-sync-contract-v1-');
  writeFileSync(join(v1, '1.0.0.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n');
  const v2 = tempDir(t, 'schema-sync-contract-v2-');
  writeFileSync(join(v2, '1.0.0.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n');
  // A UNIQUE index over duplicate bodies cannot be built: applying 2.0.0 fails.
  writeFileSync(
    join(v2, '2.0.0.sql'),
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nCREATE UNIQUE INDEX notes_body ON notes (body);\n',
  );

  const userId = 'user_dupes';
  const old = await startServer(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, userId);
  await old.openDb(userId).execute("INSERT INTO notes (body) VALUES ('same'), ('same')");
  await old.app.close();

  const server = await startServer(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const api = server.client(server.token(userId));
  const failed = await api.POST('/api/user/sync-schema/{user_id}', { params: { path: { user_id: userId } } });
  t.match(expectError(t, 'syncUserSchema', failed, 500, 'APPLY_FAILED'), { statement: /CREATE UNIQUE INDEX/ });

  const signIn = await api.POST('/api/user/initialize', { body: { email: 'ada@example.com', user_id: userId } });
  const body = expectContract(t, 'initializeUser', signIn, 200);
  t.match(body, { success: true, schema_synced: false, schema_version: '1.0.0', error: { code: 'APPLY_FAILED' } });

  const version = await api.GET('/api/user/schema-version/{user_id}', { params: { path: { user_id: userId } } });
  t.match(expectContract(t, 'getUserSchemaVersion', version, 200), {
    user_schema_version: '1.0.0',
    is_up_to_date: false,
  });
  const plan = await api.GET('/api/user/schema-plan/{user_id}', { params: { path: { user_id: userId } } });
  t.match(expectContract(t, 'planUserSchema', plan, 200), {
    from_version: '1.0.0',
    to_version: '2.0.0',
    up_to_date: false,
    steps: [{ kind: String }],
  });
});

t.test('an unusable DATA_DIR: 503 not ready, 500 INTERNAL_ERROR with the error envelope', async (t) => {
  const dir = tempDir(t, 'schema-sync-contract-broken-');
  const notADirectory = join(dir, 'data');
  writeFileSync(notADirectory, 'a file where the data directory should be');
  const server = await startServer(t, { dataDir: notADirectory });

  expectError(t, 'ready', await server.client().GET('/ready'), 503, 'NOT_READY');
  const api = server.client(server.token('user_2abcXYZ'));
  const signIn = await api.POST('/api/user/initialize', {
    body: { email: 'ada@example.com', user_id: 'user_2abcXYZ' },
  });
  const body = expectError(t, 'initializeUser', signIn, 500, 'INTERNAL_ERROR');
  t.equal(body['message'], 'internal server error', 'no internals leak to the caller');
  const sync = await api.POST('/api/user/sync-schema/{user_id}', { params: { path: { user_id: 'user_2abcXYZ' } } });
  expectError(t, 'syncUserSchema', sync, 500, 'INTERNAL_ERROR');
});

t.test('DB_PROVIDER=turso with a Platform API that refuses the service: 503 PROVIDER_UNAVAILABLE', async (t) => {
  const platform = await startPlatform(t);
  const server = await startServer(t, { env: tursoEnv(platform, { TURSO_API_TOKEN: 'revoked-token' }) });
  const api = server.client(server.token('ada'));
  const path = { params: { path: { user_id: 'ada' } } };
  expectError(
    t,
    'initializeUser',
    await api.POST('/api/user/initialize', { body: { email: 'ada@example.com', user_id: 'ada' } }),
    503,
    'PROVIDER_UNAVAILABLE',
  );
  expectError(
    t,
    'syncUserSchema',
    await api.POST('/api/user/sync-schema/{user_id}', path),
    503,
    'PROVIDER_UNAVAILABLE',
  );
  expectError(
    t,
    'getUserSchemaVersion',
    await api.GET('/api/user/schema-version/{user_id}', path),
    503,
    'PROVIDER_UNAVAILABLE',
  );
  expectError(t, 'planUserSchema', await api.GET('/api/user/schema-plan/{user_id}', path), 503, 'PROVIDER_UNAVAILABLE');
});

t.test(
  'JWT_JWKS_URL with the identity provider unreachable: 503 JWKS_UNAVAILABLE, then 200 when it is back',
  async (t) => {
    const key = ecKey('contract-ec');
    const jwks = await startJwksServer(t, [key]);
    const server = await startServer(t, {
      env: { JWT_SECRET: '', JWT_JWKS_URL: jwks.url, JWT_JWKS_COOLDOWN_MS: '200' },
    });
    const token = signJwt(key, { sub: 'ada', exp: Math.floor(Date.now() / 1000) + 300 });
    const api = server.client(token);
    const path = { params: { path: { user_id: 'ada' } } };
    await jwks.down();
    const calls: [string, () => Promise<SdkResult>][] = [
      ['listSchemaVersions', () => api.GET('/api/schema/versions')],
      [
        'initializeUser',
        () => api.POST('/api/user/initialize', { body: { email: 'ada@example.com', user_id: 'ada' } }),
      ],
      ['syncUserSchema', () => api.POST('/api/user/sync-schema/{user_id}', path)],
      ['getUserSchemaVersion', () => api.GET('/api/user/schema-version/{user_id}', path)],
      ['planUserSchema', () => api.GET('/api/user/schema-plan/{user_id}', path)],
    ];
    for (const [operationId, call] of calls) {
      const result = await call();
      expectError(t, operationId, result, 503, 'JWKS_UNAVAILABLE');
      t.match(result.response.headers.get('retry-after'), /^[1-9]\d*$/, `${operationId}: Retry-After`);
    }
    await jwks.up();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expectContract(t, 'listSchemaVersions', await api.GET('/api/schema/versions'), 200);
  },
);

t.test('rate limits: 429 RATE_LIMITED with Retry-After on every operation but the probes', async (t) => {
  // The test client is on this machine: count it like any other address.
  const server = await startServer(t, {
    env: { RATE_LIMIT_IP_MAX: '1', RATE_LIMIT_USER_MAX: '1', RATE_LIMIT_EXEMPT_LOOPBACK: 'false' },
  });
  const api = server.client(server.token('ada'));
  const path = { params: { path: { user_id: 'ada' } } };
  expectContract(t, 'listSchemaVersions', await api.GET('/api/schema/versions'), 200);
  const calls: [string, () => Promise<SdkResult>][] = [
    ['listSchemaVersions', () => api.GET('/api/schema/versions')],
    ['initializeUser', () => api.POST('/api/user/initialize', { body: { email: 'ada@example.com', user_id: 'ada' } })],
    ['syncUserSchema', () => api.POST('/api/user/sync-schema/{user_id}', path)],
    ['getUserSchemaVersion', () => api.GET('/api/user/schema-version/{user_id}', path)],
    ['planUserSchema', () => api.GET('/api/user/schema-plan/{user_id}', path)],
  ];
  for (const [operationId, call] of calls) {
    const result = await call();
    expectError(t, operationId, result, 429, 'RATE_LIMITED');
    t.match(result.response.headers.get('retry-after'), /^[1-9]\d*$/, `${operationId}: Retry-After`);
  }
  const anon = server.client();
  expectContract(t, 'health', await anon.GET('/health'), 200);
  expectContract(t, 'ready', await anon.GET('/ready'), 200);
});

t.test('every response openapi.yaml declares was exercised and validated', async (t) => {
  const missing = oracle.declared().filter((pair) => !oracle.seen.has(pair));
  t.same(missing, [], 'no declared (operation, status) left untested');
  t.ok(oracle.operations.length >= 7, `${oracle.operations.length} operations`);
});
