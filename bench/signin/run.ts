/**
 * bench/signin: throughput of a no-op sign-in (POST /api/user/initialize for users already at the
 * current version) against its floor, measured in the same run, same machine, same load, with
 * every server in its own process. Loopback only; each measurement is time-bounded.
 *
 *   node --import tsx bench/signin/run.ts
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3 BENCH_USERS=48 (the defaults)
 *   BENCH_BUILD=0 skips `npm run build` (only when dist/ is known to be current)
 *
 * Servers:
 *   floor         bench/signin/floor-server.ts: a separate minimal Fastify server doing @fastify/jwt
 *                 verify (the service's options) + one read of the version row (the service's
 *                 query); Fastify defaults, so no request logging
 *   floor-min     the same reading only the version column: the stricter floor
 *   floor-logged  floor with Fastify's logger at info (its two request lines per request)
 *   app           the service as `npm start` runs it: `node dist/server.js`, NODE_ENV=production,
 *                 every other setting at its default (LOG_LEVEL=info, METRICS and DOCS on, sign-in
 *                 cache on)
 *   app-nocache   the same with VERSION_CACHE_SIZE=0: every no-op sign-in reads the version row
 * Each server's stdout (its log) goes to a file, as `npm start > app.log` would; the bench reports
 * log bytes per request, and CPU time per request for each server (from /proc: far less sensitive
 * than req/s to other load on a shared machine) and for the load generator, which shares the
 * machine and so caps every req/s ratio. Modes are interleaved over rounds (the order rotates) so drift on the
 * machine hits them alike. Writes bench/results/signin.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
const MODES = ['floor', 'floor-min', 'floor-logged', 'app', 'app-nocache'] as const;
type Mode = (typeof MODES)[number];

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'schema-sync-bench-signin-'));
const dataDir = join(work, 'data');
const secret = randomBytes(32).toString('base64url');
const baseEnv = { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, JWT_SECRET: secret };

function command(mode: Mode): { args: string[]; env: Record<string, string> } {
  if (mode.startsWith('floor')) {
    return {
      args: ['--import', 'tsx', join(here, 'floor-server.ts')],
      env: {
        ...baseEnv,
        ...(mode === 'floor-min' ? { FLOOR_READ: 'version' } : {}),
        ...(mode === 'floor-logged' ? { FLOOR_LOGGER: 'info' } : {}),
      },
    };
  }
  return {
    args: [join(root, 'dist', 'server.js')],
    env: {
      ...baseEnv,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      // Without the cache every sign-in reads its database, which the per-user limit counts (60 a
      // minute by default): this mode measures the read, so its limit is out of reach.
      ...(mode === 'app-nocache'
        ? { VERSION_CACHE_SIZE: '0', RATE_LIMIT_IP_MAX: '1000000', RATE_LIMIT_USER_MAX: '1000000' }
        : {}),
    },
  };
}

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logPath: string;
}

let started = 0;
async function startServer(mode: Mode): Promise<Server> {
  const logPath = join(work, `${mode}-${++started}.log`);
  const out = openSync(logPath, 'w');
  const { args, env } = command(mode);
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', out, 'inherit'] });
  closeSync(out);
  const end: { exited: number | null } = { exited: null };
  child.on('exit', (code) => (end.exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (port !== undefined) return { child, url: `http://127.0.0.1:${port}`, logPath };
    if (end.exited !== null)
      throw new Error(`${mode} server exited with ${end.exited}: ${readFileSync(logPath, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`${mode} server did not start`);
    await sleep(50);
  }
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  // SIGINT: the service closes at once (SIGTERM would first keep serving for DRAIN_DELAY_MS).
  server.child.kill('SIGINT');
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

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
/** User + system CPU seconds a child has used so far (Linux /proc). */
function cpuSeconds(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3; utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface Sample {
  round: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Bytes the server wrote to stdout per request served (warm-up included). */
  log_bytes_per_request: number;
  /** CPU time (user + system) the server used per request during the measurement: less sensitive than req/s to other load on the machine. */
  cpu_us_per_request: number;
  /** The same for the load generator (autocannon, in this process). */
  client_cpu_us_per_request: number;
  load_average_1m: number;
}

try {
  if (process.env['BENCH_BUILD'] !== '0') {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const loadBefore = loadavg();

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
  await stopServer(setup);

  const samples = Object.fromEntries(MODES.map((mode) => [mode, [] as Sample[]])) as Record<Mode, Sample[]>;
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate the order each round so no mode always runs first (or right after another).
    const shift = (round - 1) % MODES.length;
    for (const mode of [...MODES.slice(shift), ...MODES.slice(0, shift)]) {
      const load1 = loadavg()[0] ?? 0;
      const server = await startServer(mode);
      const warm = await load(server.url, 1); // warm-up: JIT, pool, cache
      const cpuBefore = cpuSeconds(server.child);
      const clientBefore = process.cpuUsage();
      const result = await load(server.url, SECONDS);
      const cpuUsed = cpuSeconds(server.child) - cpuBefore;
      const clientUsed = process.cpuUsage(clientBefore);
      await stopServer(server);
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
      const logBytes = readFileSync(server.logPath).length;
      const sample: Sample = {
        round,
        req_per_s: Math.round(result.requests.average),
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
        log_bytes_per_request: Math.round(logBytes / (warm.requests.total + result.requests.total)),
        cpu_us_per_request: Math.round((cpuUsed * 1e6) / result.requests.total),
        client_cpu_us_per_request: Math.round((clientUsed.user + clientUsed.system) / result.requests.total),
        load_average_1m: Math.round(load1 * 100) / 100,
      };
      samples[mode].push(sample);
      process.stdout.write(
        `round ${round}  ${mode.padEnd(13)} ${sample.req_per_s.toString().padStart(7)} req/s  p50 ${sample.p50_ms} ms  p99 ${sample.p99_ms} ms  cpu ${sample.cpu_us_per_request} µs/req  log ${sample.log_bytes_per_request} B/req  load ${sample.load_average_1m}\n`,
      );
    }
  }

  const mean = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const per = <T>(f: (mode: Mode) => T): Record<Mode, T> =>
    Object.fromEntries(MODES.map((mode) => [mode, f(mode)])) as Record<Mode, T>;
  const reqPerS = per((mode) => mean(samples[mode].map((s) => s.req_per_s)));
  const cpuPerRequest = per((mode) => median(samples[mode].map((s) => s.cpu_us_per_request)));
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const FLOORS = ['floor', 'floor-min', 'floor-logged'] as const;
  /** How many times the floor's cost the app's is cheaper: by req/s (mean) and by server CPU per request (median). */
  const ratios = (mode: Mode): Record<string, { req_per_s: number; cpu: number }> =>
    Object.fromEntries(
      FLOORS.map((floor) => [
        floor,
        { req_per_s: round2(reqPerS[mode] / reqPerS[floor]), cpu: round2(cpuPerRequest[floor] / cpuPerRequest[mode]) },
      ]),
    );
  const summary = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      node: process.version,
      load_average_before: loadBefore,
      load_average_after: loadavg(),
    },
    settings: { seconds: SECONDS, connections: CONNECTIONS, rounds: ROUNDS, users: USERS },
    req_per_s: reqPerS,
    cpu_us_per_request: cpuPerRequest,
    client_cpu_us_per_request: median(MODES.flatMap((mode) => samples[mode].map((s) => s.client_cpu_us_per_request))),
    ratio: { app: ratios('app'), 'app-nocache': ratios('app-nocache') },
    samples,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'signin.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const line = (label: string, mode: Mode): string => {
    const vs = mode.startsWith('floor')
      ? ''
      : `  ${FLOORS.map((floor) => `${summary.ratio[mode as 'app'][floor]?.req_per_s}× ${floor}`).join(', ')}` +
        `  (CPU: ${FLOORS.map((floor) => `${summary.ratio[mode as 'app'][floor]?.cpu}×`).join(', ')})`;
    return `  ${label.padEnd(44)} ${reqPerS[mode].toString().padStart(6)} req/s  ${cpuPerRequest[mode].toString().padStart(4)} µs CPU${vs}\n`;
  };
  process.stdout.write(
    `\nno-op sign-in, ${CONNECTIONS} connections, ${SECONDS}s × ${ROUNDS} rounds (mean req/s, median CPU per request), each server its own process:\n` +
      line('floor: JWT verify + the version row', 'floor') +
      line('floor-min: JWT verify + the version column', 'floor-min') +
      line('floor-logged: floor + Fastify logger at info', 'floor-logged') +
      line('app (npm start, production), cache on', 'app') +
      line('app, VERSION_CACHE_SIZE=0 (1 read)', 'app-nocache') +
      `  load generator: ${summary.client_cpu_us_per_request} µs CPU per request\n` +
      `  load average: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${summary.machine.load_average_after.map((l) => l.toFixed(2)).join(' ')} after\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
