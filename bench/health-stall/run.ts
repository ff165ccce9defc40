/**
 * bench/health-stall: how long GET /health waits while the service migrates a big local database
 * (a table rebuild over ROWS rows, 200,000 by default), with syncs on the event loop
 * (SYNC_THREADS=0, the floor measured in the same run) and on a sync thread. Prints one JSON line
 * per mode and fails (exit 1) unless the threaded /health worst case is at most TARGET_RATIO
 * (default 0.25) of the on-loop one.
 *
 *   npm run bench:health-stall            # ROWS=200000 TARGET_RATIO=0.25
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../lib/config/load.js';
import { pingHealth, prepareItems } from './fixture.js';

const ROWS = Number(process.env['ROWS'] ?? 200_000);
const TARGET_RATIO = Number(process.env['TARGET_RATIO'] ?? 0.25);
const SECRET = 'bench-health-stall-secret-0123456789';

interface ModeResult {
  readonly mode: 'event-loop' | 'thread';
  readonly rows: number;
  readonly sync_ms: number;
  readonly health_max_ms: number;
  readonly health_p50_ms: number;
  readonly health_answers: number;
  readonly loop_delay_max_ms: number;
}

async function measure(mode: ModeResult['mode']): Promise<ModeResult> {
  const root = mkdtempSync(join(tmpdir(), 'schema-sync-stall-'));
  try {
    const { dataDir, schemaDir: v2 } = await prepareItems(root, {
      users: ['big', 'small'],
      rows: ROWS,
      secret: SECRET,
    });
    const app = await buildApp({
      config: loadConfig({
        DATA_DIR: dataDir,
        JWT_SECRET: SECRET,
        SCHEMA_DIR: v2,
        DOCS: 'false',
        SYNC_THREADS: mode === 'thread' ? '1' : '0',
        SYNC_THREAD_MIN_BYTES: '0',
      }),
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const signIn = (user: string) =>
      fetch(`${base}/api/user/initialize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.jwt.sign({ sub: user })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@example.com', user_id: user }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { message: string } }));
    // The small database migrates first: a thread is started and warm before the measurement.
    await signIn('small');

    const pinger = pingHealth(base);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    const answer = await signIn('big');
    const syncMs = performance.now() - started;
    loop.disable();
    const latencies = await pinger.stop();
    await app.close();
    if (answer.status !== 200 || !/synced from 1\.0\.0 to 1\.1\.0/.test(answer.body.message))
      throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
    const sorted = [...latencies].sort((a, b) => a - b);
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    return {
      mode,
      rows: ROWS,
      sync_ms: round(syncMs),
      health_max_ms: round(sorted.at(-1) ?? NaN),
      health_p50_ms: round(sorted[Math.floor(sorted.length / 2)] ?? NaN),
      health_answers: latencies.length,
      loop_delay_max_ms: round(loop.max / 1e6),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const floor = await measure('event-loop');
process.stdout.write(`${JSON.stringify(floor)}\n`);
const threaded = await measure('thread');
process.stdout.write(`${JSON.stringify(threaded)}\n`);
const ratio = threaded.health_max_ms / floor.health_max_ms;
const pass = ratio <= TARGET_RATIO;
process.stdout.write(
  `${JSON.stringify({ health_max_ratio: Math.round(ratio * 1000) / 1000, target: TARGET_RATIO, pass })}\n`,
);
process.exitCode = pass ? 0 : 1;
