/**
 * `schema-sync token` as a person trying the service runs it: the real CLI in a child process,
 * configured only through the environment; its tokens are then used against the real app (real
 * libSQL files), which must accept them exactly as it accepts its own.
 */
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { captureIo } from '../../bin/cli/io.js';
import { run } from '../../bin/cli/main.js';
import { buildTestApp, TEST_SECRET } from '../helpers/app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI in a child process. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/schema-sync.ts', ...args],
      // Nothing inherited that could configure the service.
      { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The same command in this process (the many small cases; spawning each would take seconds). */
async function inProcess(args: string[], env: Record<string, string>): Promise<Run> {
  const io = captureIo(env);
  const code = await run(['token', ...args], io);
  return { code, stdout: io.out, stderr: io.err };
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

const initialize = (app: Awaited<ReturnType<typeof buildTestApp>>, token: string, userId: string) =>
  app.call({ method: 'POST', url: '/api/user/initialize', token, body: { email: 'ada@example.com', user_id: userId } });

t.test('a user token from the CLI signs that user in, and only that user', async (t) => {
  const run = await cli(['token', '--sub', 'user_2abcXYZ'], { JWT_SECRET: TEST_SECRET });
  t.equal(run.code, 0, run.stderr);
  const token = run.stdout.trim();
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'stdout is the bare token');
  const claims = claimsOf(token);
  t.equal(claims['sub'], 'user_2abcXYZ');
  t.notOk('scope' in claims, 'no scope without --admin');
  t.equal(Number(claims['exp']) - Number(claims['iat']), 3600, 'default lifetime 1h');

  const app = await buildTestApp(t);
  const own = await initialize(app, token, 'user_2abcXYZ');
  t.equal(own.statusCode, 200, own.body);
  t.match(own.json(), { success: true, schema_synced: true });
  const other = await initialize(app, token, 'someone_else');
  t.equal(other.statusCode, 403);
  t.equal(other.json().code, 'FORBIDDEN');
});

t.test('the running server (server.ts, its own process) accepts a CLI token', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-token-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { JWT_SECRET: TEST_SECRET, JWT_AUDIENCE: 'schema-sync' };
  const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      ...env,
      PORT: '0',
      DATA_DIR: join(dir, 'data'),
      DOCS: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => void server.kill('SIGKILL'));
  let stdout = '';
  server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (url === undefined) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    if (url === undefined && (Date.now() > deadline || server.exitCode !== null))
      throw new Error(`server did not start: ${stdout}`);
    if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const run = await cli(['token', '--sub', 'user_2abcXYZ'], env);
  t.equal(run.code, 0, run.stderr);
  const res = await fetch(`${url}/api/user/initialize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${run.stdout.trim()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', user_id: 'user_2abcXYZ' }),
  });
  t.equal(res.status, 200);
  t.match(await res.json(), { success: true, schema_synced: true, schema_version: '1.1.0' });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  server.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('--admin may act for any user; --expires sets the lifetime; --json prints the claims', async (t) => {
  const run = await inProcess(['--sub', 'ops', '--admin', '--expires', '30m', '--json'], { JWT_SECRET: TEST_SECRET });
  t.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { token: string; sub: string; scope: string; expires_at: string };
  t.equal(out.sub, 'ops');
  t.equal(out.scope, 'schema:admin');
  const claims = claimsOf(out.token);
  t.equal(Number(claims['exp']) - Number(claims['iat']), 1800);
  t.ok(Math.abs(Date.parse(out.expires_at) / 1000 - Number(claims['exp'])) < 5, 'expires_at matches exp');

  const app = await buildTestApp(t);
  const res = await initialize(app, out.token, 'auth0|5f7c8ec7');
  t.equal(res.statusCode, 200, res.body);
  const versions = await app.call({ method: 'GET', url: '/api/schema/versions', token: out.token });
  t.equal(versions.statusCode, 200);
});

t.test('issuer and audience are signed in, as the service requires them', async (t) => {
  const env = { JWT_SECRET: TEST_SECRET, JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'schema-sync' };
  const run = await inProcess(['--sub', 'user_1'], env);
  t.equal(run.code, 0, run.stderr);
  const claims = claimsOf(run.stdout.trim());
  t.equal(claims['iss'], env.JWT_ISSUER);
  t.equal(claims['aud'], env.JWT_AUDIENCE);
  const app = await buildTestApp(t, { env });
  t.equal((await initialize(app, run.stdout.trim(), 'user_1')).statusCode, 200);

  // The same token is refused by a service with another secret.
  const other = await buildTestApp(t, { env: { ...env, JWT_SECRET: 'x'.repeat(40) } });
  const refused = await initialize(other, run.stdout.trim(), 'user_1');
  t.equal(refused.statusCode, 401);
  t.equal(refused.json().code, 'TOKEN_INVALID');
});

t.test('refuses, naming why, when it cannot sign a token the service accepts', async (t) => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicOnly = await cli(['token', '--sub', 'user_1'], { JWT_PUBLIC_KEY: pem });
  t.equal(publicOnly.code, 1);
  t.equal(publicOnly.stdout, '', 'no token printed');
  t.match(publicOnly.stderr, /refusing to sign: JWT_PUBLIC_KEY is configured.*private key/);
  const asJson = await inProcess(['--sub', 'user_1', '--json'], { JWT_PUBLIC_KEY: pem });
  t.equal(asJson.code, 1);
  t.match(JSON.parse(asJson.stdout), { outcome: 'refused', code: 'NO_SIGNING_SECRET' });

  const jwks = await inProcess(['--sub', 'user_1'], { JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' });
  t.equal(jwks.code, 1);
  t.match(jwks.stderr, /refusing to sign: JWT_JWKS_URL is configured.*identity provider/);

  const nothing = await inProcess(['--sub', 'user_1'], {});
  t.equal(nothing.code, 1);
  t.match(nothing.stderr, /refusing to sign: no JWT_SECRET is set/);

  const short = await inProcess(['--sub', 'user_1'], { JWT_SECRET: 'too-short' });
  t.equal(short.code, 1, 'the service would refuse this secret too');
  t.match(short.stderr, /invalid configuration: .*JWT_SECRET/);

  const production = await inProcess(['--sub', 'user_1'], { NODE_ENV: 'production' });
  t.equal(production.code, 1);
  t.match(production.stderr, /NODE_ENV=production needs JWT_SECRET/);
});

t.test('usage errors exit 2 with the usage', async (t) => {
  const spawned = await cli(['token'], { JWT_SECRET: TEST_SECRET });
  t.equal(spawned.code, 2, 'the CLI exits 2');
  t.match(spawned.stderr, /--sub <user_id> is required/);
  for (const args of [
    [],
    ['--sub', 'a b'],
    ['--sub', 'u', '--expires', 'soon'],
    ['--sub', 'u', 'extra'],
    ['--nope'],
    ['--sub', 'u', '--db', 'file:x.db'],
  ]) {
    const run = await inProcess(args, { JWT_SECRET: TEST_SECRET });
    t.equal(run.code, 2, args.join(' '));
    t.equal(run.stdout, '');
    t.match(run.stderr, /Usage:\n(.*\n)* {2}schema-sync token +--sub <user_id>/);
  }
  const help = await inProcess(['--help'], {});
  t.equal(help.code, 0);
  t.match(help.stderr, /schema-sync token +--sub <user_id> \[--admin\]/);
});
