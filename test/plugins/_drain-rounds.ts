/**
 * A rolling deploy's SIGTERM on a busy node, as a held-out check found it losing requests (shared by
 * drain-rounds-*.test.ts): rounds of the real server process (server.ts), each sent a burst of
 * sign-ins of new users, half over fresh connections and half over kept-alive ones, then SIGTERM a
 * few milliseconds after the last request's bytes were handed to the kernel. Two busy child
 * processes load both cores throughout, so the server's event loop lags as on a busy node.
 *
 * Every request is written before the signal, so every one must get a complete 200: none reset
 * (ECONNRESET), none cut short, none turned away. The service answers every request it reads,
 * including while it drains (503 is for /ready only), so a 503 here would be a failure too.
 *
 * DRAIN_DELAY_MS is 0 (the default outside production), the hardest case: the listener closes as
 * soon as the accept queue is empty, with no delay for the burst to be read first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { TEST_SECRET } from '../helpers/app.js';
import { startServerProcess, tokenSigner, type ServerProcess } from '../helpers/server-process.js';

const FRESH = 12;
const KEPT_ALIVE = 12;
const SHUTDOWN_TIMEOUT_MS = 20_000;
const STARTING_AHEAD = 1;
/** Bounds that keep a broken drain from hanging the file: per request, per exit. */
const ANSWER_MS = 30_000;

type Outcome =
  | { readonly kind: 'answered'; readonly status: number; readonly complete: boolean }
  | { readonly kind: 'failed'; readonly error: string };

/** Two CPU-bound processes, one per core, that end by themselves after `ms`. */
function loadBothCores(t: Test, ms: number): void {
  for (let i = 0; i < 2; i++) {
    const child = spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], {
      stdio: 'ignore',
    });
    t.teardown(() => void child.kill('SIGKILL'));
  }
}

/** Sends a sign-in; `written` fires once its last byte is with the kernel. */
function signIn(
  port: number,
  agent: Agent | false,
  userId: string,
  token: string,
  written: () => void,
): Promise<Outcome> {
  const payload = JSON.stringify({ email: 'ada@example.com', user_id: userId });
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/user/initialize',
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let length = 0;
        res.on('data', (chunk: Buffer) => (length += chunk.length));
        res.on('end', () =>
          resolve({
            kind: 'answered',
            status: res.statusCode ?? 0,
            complete: res.complete && length === Number(res.headers['content-length']),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ kind: 'failed', error: `response ${error.code ?? error.message}` }),
        );
        res.on('close', () => resolve({ kind: 'failed', error: 'response closed before its end' }));
      },
    );
    let sent = false;
    const done = (): void => {
      if (!sent) written();
      sent = true;
    };
    req.on('finish', done);
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({
        kind: 'failed',
        error: `${error.code ?? error.message} (${agent === false ? 'fresh' : 'kept alive'})`,
      });
      done();
    });
    req.setTimeout(ANSWER_MS, () => req.destroy(new Error(`no answer in ${ANSWER_MS} ms`)));
    req.end(payload);
  });
}

/** GETs /health on every socket of `agent` at once, so the burst reuses open connections. */
async function warm(port: number, agent: Agent, sockets: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: sockets },
      () =>
        new Promise<void>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/health', agent, timeout: ANSWER_MS }, (res) =>
            res.resume().on('end', resolve),
          )
            .on('timeout', () => reject(new Error(`no /health answer in ${ANSWER_MS} ms`)))
            .on('error', reject)
            .end();
        }),
    ),
  );
}

interface Round {
  readonly pauseMs: number;
  readonly outcomes: Outcome[];
  readonly exitCode: number | null;
  readonly exitMs: number;
  readonly logged: number;
  /** The server's own line on closing its listener, as logged. */
  readonly listenerClosed: string;
}

/** A server for one round: a fresh DATA_DIR, DRAIN_DELAY_MS 0. */
async function startRoundServer(t: Test): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-drain-rounds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startServerProcess(
    {
      DATA_DIR: join(dir, 'data'),
      JWT_SECRET: TEST_SECRET,
      DOCS: 'false',
      METRICS: 'false',
      // The test reads the "incoming request" lines to know which requests the server read; they
      // are logged at debug (plugins/request-log.ts).
      LOG_LEVEL: 'debug',
      DRAIN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    60_000,
  );
  t.teardown(() => void server.child.kill('SIGKILL'));
  return server;
}

async function round(
  t: Test,
  server: ServerProcess,
  index: number,
  pauseMs: number,
  sign: (sub: string) => string,
): Promise<Round> {
  const agent = new Agent({ keepAlive: true, maxSockets: KEPT_ALIVE });
  t.teardown(() => agent.destroy());
  await warm(server.port, agent, KEPT_ALIVE);

  let signalledAt = 0;
  let unwritten = FRESH + KEPT_ALIVE;
  const written = (): void => {
    if (--unwritten === 0)
      setTimeout(() => {
        signalledAt = performance.now();
        server.child.kill('SIGTERM');
      }, pauseMs);
  };
  const outcomes = await Promise.all(
    Array.from({ length: FRESH + KEPT_ALIVE }, (_, i) => {
      const userId = `round${index}_${i}`;
      return signIn(server.port, i % 2 === 0 ? false : agent, userId, sign(userId), written);
    }),
  );
  const killer = setTimeout(() => server.child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS + 10_000);
  const exitCode = await server.exited;
  clearTimeout(killer);
  const exitMs = performance.now() - signalledAt;
  const logged = server.output().match(/"url":"\/api\/user\/initialize"[^\n]*"msg":"incoming request"/g)?.length ?? 0;
  const closed = /"waited_ms":(\d+),"accepted":(\d+)[^\n]*"msg":"listener closed: ([^"]*)"/.exec(server.output());
  const listenerClosed = closed
    ? `listener closed after ${closed[1]} ms (${closed[2]} accepted meanwhile, ${closed[3]})`
    : 'no listener-closed line';
  return { pauseMs, outcomes, exitCode, exitMs, logged, listenerClosed };
}

/** `rounds` rounds, the signal `pausesMs[i % length]` after round i's last write; asserts on all of them. */
export async function drainRounds(t: Test, rounds: number, pausesMs: readonly number[]): Promise<void> {
  loadBothCores(t, 120_000);
  const sign = await tokenSigner(TEST_SECRET);
  const results: Round[] = [];
  // Each round's server starts while the rounds before it run (start-up under tsx takes seconds).
  const servers: Promise<ServerProcess>[] = [];
  const serverFor = (i: number): Promise<ServerProcess> => {
    const started = (servers[i] ??= startRoundServer(t));
    started.catch(() => undefined); // awaited in its round
    return started;
  };
  for (let i = 0; i < rounds; i++) {
    for (let ahead = 1; ahead <= STARTING_AHEAD && i + ahead < rounds; ahead++) void serverFor(i + ahead);
    results.push(await round(t, await serverFor(i), i, pausesMs[i % pausesMs.length] ?? 0, sign));
  }

  const failures = results.flatMap((r, i) =>
    r.outcomes.flatMap((o) => (o.kind === 'failed' ? [`round ${i} (${r.pauseMs} ms): ${o.error}`] : [])),
  );
  const resets = failures.filter((f) => f.includes('ECONNRESET')).length;
  for (const [i, r] of results.entries())
    t.comment(
      `round ${i}, SIGTERM ${r.pauseMs} ms after the last write: ` +
        `${r.outcomes.filter((o) => o.kind === 'answered' && o.status === 200).length}/${r.outcomes.length} answered 200, ` +
        `${r.outcomes.filter((o) => o.kind === 'failed').length} failed, ${r.logged} logged, ${r.listenerClosed}, exit ${r.exitCode} after ${Math.round(r.exitMs)} ms`,
    );
  t.comment(`${rounds} rounds, ${resets} requests reset`);
  t.same(failures, [], 'no request written before SIGTERM was reset or cut off');
  const notOk = results.flatMap((r) =>
    r.outcomes.filter((o) => o.kind === 'answered' && !(o.status === 200 && o.complete)),
  );
  t.same(notOk, [], 'every request got a complete 200');
  t.same(
    results.map((r) => r.logged),
    results.map(() => FRESH + KEPT_ALIVE),
    'the server read every request (its log has each)',
  );
  t.same(
    results.map((r) => r.exitCode),
    results.map(() => 0),
    'every round exited 0',
  );
  const slowest = Math.max(...results.map((r) => r.exitMs));
  t.ok(slowest < SHUTDOWN_TIMEOUT_MS, `every exit within the bound (slowest ${Math.round(slowest)} ms)`);
}
