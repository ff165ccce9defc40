/**
 * bench/signin: throughput of a no-op sign-in (POST /api/user/initialize for users already at the
 * current version) against its floor — JWT verify + one SQLite read of the version row — measured
 * in the same run, same machine, same load. Loopback only; each measurement is time-bounded.
 *
 *   node --import tsx bench/signin/run.ts
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3 BENCH_USERS=48 (the defaults)
 *
 * Writes bench/results/signin.json. Servers run as child processes (bench/signin/server.ts); the
 * modes are interleaved over rounds so drift on the machine hits them alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannonModule from 'autocannon';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = autocannonModule as unknown as Autocannon;

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const USERS = Number(process.env['BENCH_USERS'] ?? 48);
const MODES = ['floor', 'app', 'app-nocache'] as const;
type Mode = (typeof MODES)[number];

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'schema-sync-bench-signin-'));
const secret = randomBytes(32).toString('base64url');
const env = { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, JWT_SECRET: secret, LOG_LEVEL: 'warn' };

async function startServer(mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'server.ts'), mode], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    setTimeout(() => reject(new Error(`${mode} server did not start`)), 30_000).unref();
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** An HS256 JWT for `sub`, valid for an hour (what an identity provider would hand out). */
function sign(claims: { sub: string }): string {
  const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const users = Array.from({ length: USERS }, (_, i) =>
  i % 2 === 0 ? `user_${i}abcXYZ` : `auth0|${i.toString(16).padStart(8, '0')}`,
);
const requests = users.map((userId) => ({
  method: 'POST',
  path: '/api/user/initialize',
  headers: { authorization: `Bearer ${sign({ sub: userId })}`, 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@example.com', user_id: userId }),
}));

/**
 * Each connection walks the users from its own starting point, so concurrent requests are for
 * different users (as real sign-ins are) and the service's per-user single flight cannot merge them.
 */
async function load(url: string, seconds: number): Promise<AutocannonResult> {
  let next = 0;
  const setupClient = (client: { setRequests(requests: object[]): void }): void => {
    const offset = next++ % requests.length;
    client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
  };
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests, setupClient });
}

try {
  // Set-up: every user signs in once, so each measured sign-in is a no-op.
  const setup = await startServer('app');
  for (const request of requests) {
    const res = await fetch(`${setup.url}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    if (res.status !== 200) throw new Error(`set-up sign-in failed: ${res.status} ${await res.text()}`);
  }
  await stopServer(setup.child);

  const samples: Record<Mode, number[]> = { floor: [], app: [], 'app-nocache': [] };
  const latency: Record<Mode, { p50: number; p99: number }[]> = { floor: [], app: [], 'app-nocache': [] };
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate the order each round so no mode always runs first (or right after another).
    for (const mode of [...MODES.slice((round - 1) % MODES.length), ...MODES.slice(0, (round - 1) % MODES.length)]) {
      const server = await startServer(mode);
      await load(server.url, 1); // warm-up: JIT, pool, cache
      const result = await load(server.url, SECONDS);
      await stopServer(server.child);
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
      samples[mode].push(result.requests.average);
      latency[mode].push({ p50: result.latency.p50, p99: result.latency.p99 });
      process.stdout.write(
        `round ${round}  ${mode.padEnd(12)} ${Math.round(result.requests.average).toString().padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms\n`,
      );
    }
  }

  const mean = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const floor = mean(samples.floor);
  const summary = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    settings: { seconds: SECONDS, connections: CONNECTIONS, rounds: ROUNDS, users: USERS },
    req_per_s: { floor, initialize_cached: mean(samples.app), initialize_one_read: mean(samples['app-nocache']) },
    ratio_to_floor: {
      initialize_cached: Math.round((mean(samples.app) / floor) * 100) / 100,
      initialize_one_read: Math.round((mean(samples['app-nocache']) / floor) * 100) / 100,
    },
    latency_ms: latency,
    samples,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'signin.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `\nno-op sign-in, ${CONNECTIONS} connections, ${SECONDS}s × ${ROUNDS} rounds (mean req/s):\n` +
      `  floor (JWT verify + 1 read)        ${floor}\n` +
      `  initialize, cache on (0 reads)     ${summary.req_per_s.initialize_cached}  (${summary.ratio_to_floor.initialize_cached}× floor)\n` +
      `  initialize, cache off (1 read)     ${summary.req_per_s.initialize_one_read}  (${summary.ratio_to_floor.initialize_one_read}× floor)\n`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
