/**
 * Two replicas as two real processes (`server.ts`, as `npm start` runs it) with DB_PROVIDER=turso
 * against one local Platform API: 20 concurrent first sign-ins of one user split over both, all
 * 200 and synced, one database, each version applied once; a third process that has not seen the
 * user signs them in with one database request and one token mint.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { tursoDatabaseNameFor } from '../../lib/naming.js';
import { craftToken, nowSeconds, TEST_SECRET } from '../helpers/app.js';
import { auditRows, registries } from '../helpers/fixtures.js';
import { assertIntact, startPlatform, tursoEnv, userClient } from '../support/turso-app.js';
import type { TursoPlatform } from '../support/turso-platform.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function replica(t: Test, platform: TursoPlatform, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      DOCS: 'false',
      LOG_LEVEL: 'warn',
      ...tursoEnv(platform, env),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match?.[1]) return match[1];
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`replica did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const signIn = async (url: string, userId: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const token = craftToken(
    { alg: 'HS256', typ: 'JWT' },
    { sub: userId, iat: nowSeconds(), exp: nowSeconds() + 600 },
    TEST_SECRET,
  );
  const res = await fetch(`${url}/api/user/initialize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', user_id: userId }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

t.test('two replica processes race 20 first sign-ins of one user', async (t) => {
  const platform = await startPlatform(t);
  platform.createDelayMs = 150;
  const { v2 } = registries(t);
  // A third replica starts with them and serves the user only later, like a restarted one.
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => replica(t, platform, { SCHEMA_DIR: v2 })));
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => signIn(i % 2 === 0 ? (a as string) : (b as string), 'racer')),
  );
  t.same(
    answers.map((answer) => answer.status),
    Array(20).fill(200),
  );
  t.ok(
    answers.every((answer) => answer.body['schema_synced'] === true && answer.body['schema_version'] === '2.0.0'),
    'all synced',
  );
  t.equal(platform.databases.size, 1, 'one database');
  const creates = platform.requests.filter((r) => r.method === 'POST' && r.path === 'databases');
  t.ok(creates.filter((r) => r.status === 200).length === 1, 'created once');
  const first = answers[0]?.body as { database_url: string; database_token: string };
  const client = userClient(t, first);
  t.same(
    (await auditRows(client)).map((row) => row.version),
    ['2.0.0'],
    'the version applied once',
  );
  await assertIntact(t, client);

  // A replica that has not seen the user yet: the user is up to date.
  const db = platform.databases.get(tursoDatabaseNameFor('racer', platform.org));
  const fromApi = platform.requests.length;
  const fromDb = db?.hrana.requests.length ?? 0;
  const again = await signIn(c as string, 'racer');
  t.equal(again.status, 200);
  t.match(again.body, { schema_synced: true, message: /up to date/ });
  t.equal((db?.hrana.requests.length ?? 0) - fromDb, 1, 'one database request');
  t.same(
    platform.requests
      .slice(fromApi)
      .map((r) => `${r.method} ${r.path.replace(/^databases\/[^/]+/, 'databases/{name}')}`),
    ['POST databases', 'GET databases/{name}', 'POST databases/{name}/auth/tokens'],
  );
});
