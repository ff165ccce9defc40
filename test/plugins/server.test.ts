/**
 * server.ts as `npm start` runs it: with nothing set it starts, prints the Swagger UI URL and an
 * admin token that works, and closes cleanly on SIGTERM; in production without a key, or with a
 * bad registry, it refuses to start with a clear message.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));

function start(env: Record<string, string>) {
  // A clean environment: nothing inherited that could configure the service.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => ({ stdout, stderr }) };
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-server-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('with nothing set it starts, prints the docs URL and a working admin token, and stops on SIGTERM', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const server = start({ PORT: '0', DATA_DIR: dataDir });
  t.teardown(() => server.child.kill('SIGKILL'));
  const [, url] = await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  await server.waitFor(/Swagger UI: +http:\/\/127\.0\.0\.1:\d+\/docs/);
  const [, token] = await server.waitFor(/Admin token[^\n]*\n +(\S+)\n/);

  const docs = await fetch(`${url}/docs`);
  t.equal(docs.status, 200, 'Swagger UI is served');
  const versions = await fetch(`${url}/api/schema/versions`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(versions.status, 200, 'the printed token works');
  const init = await fetch(`${url}/api/user/initialize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', user_id: 'user_2abcXYZ' }),
  });
  t.equal(init.status, 200);
  t.match(await init.json(), { success: true, schema_synced: true });
  t.same(readdirSync(dataDir), ['user_5f2abc_58_59_5a.db'], 'DATA_DIR created on demand');

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'graceful exit');
});

t.test('production without a key refuses to start, saying what to set', async (t) => {
  const server = start({ NODE_ENV: 'production', PORT: '0', DATA_DIR: join(tempDir(t), 'data') });
  t.equal(await server.exited, 1);
  t.match(server.output().stderr, /refusing to start: NODE_ENV=production needs JWT_SECRET .* or JWT_PUBLIC_KEY/);
  t.notMatch(server.output().stdout, /Admin token/);
});

t.test('production with a secret starts and prints no token', async (t) => {
  const server = start({
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: join(tempDir(t), 'data'),
    JWT_SECRET: 'p'.repeat(40),
    DOCS: 'false',
  });
  t.teardown(() => server.child.kill('SIGKILL'));
  await server.waitFor(/listening on/);
  t.notMatch(server.output().stdout, /Admin token|Swagger UI/);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});

t.test('a bad registry stops start-up with the file and the problem', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'one.sql'), 'CREATE TABLE x (a);');
  const server = start({ PORT: '0', DATA_DIR: join(dir, 'data'), SCHEMA_DIR: dir });
  t.equal(await server.exited, 1);
  t.match(server.output().stderr, /schema-sync: schema registry: .*one\.sql.*semantic version/);
});

t.test('a bad variable stops start-up with a message naming it', async (t) => {
  const server = start({ PORT: 'eighty' });
  t.equal(await server.exited, 1);
  t.match(server.output().stderr, /invalid configuration: .*PORT/);
});
