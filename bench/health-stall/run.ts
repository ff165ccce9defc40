/**
 * bench/health-stall: how long GET /health waits while the service migrates a big local database
 * (a table rebuild over ROWS rows, 200,000 by default), with syncs on the event loop
 * (SYNC_THREADS=0, the floor measured in the same run) and on a sync thread. Prints one JSON line
 * per mode and fails (exit 1) unless the threaded /health worst case is at most TARGET_RATIO
 * (default 0.25) of the on-loop one.
 *
 *   npm run bench:health-stall            # ROWS=200000 TARGET_RATIO=0.25
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import { buildApp } from '../../app.js';
import { databaseNameFor } from '../../lib/naming.js';
import { loadConfig } from '../../plugins/config.js';
import { ITEMS_V1 as V1, ITEMS_V2 as V2 } from './fixture.js';

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

async function prepare(root: string): Promise<{ dataDir: string; v2: string }> {
  const v1 = join(root, 'v1');
  const v2 = join(root, 'v2');
  mkdirSync(v1);
  mkdirSync(v2);
  writeFileSync(join(v1, '1.0.0.sql'), V1);
  writeFileSync(join(v2, '1.0.0.sql'), V1);
  writeFileSync(join(v2, '1.1.0.sql'), V2);
  const dataDir = join(root, 'data');
  const app = await buildApp({ config: loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET, SCHEMA_DIR: v1, DOCS: 'false', SYNC_THREADS: '0' }), logger: false });
  for (const user of ['big', 'small']) {
    const res = await app.inject({ method: 'POST', url: '/api/user/initialize', headers: { authorization: `Bearer ${app.jwt.sign({ sub: user })}` }, payload: { email: 'a@example.com', user_id: user } });
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  await app.close();
  const client = createClient({ url: pathToFileURL(join(dataDir, `${databaseNameFor('big')}.db`)).href });
  await client.execute(`INSERT INTO items (name, qty) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT 'item-' || i, i % 100 FROM n`);
  client.close();
  return { dataDir, v2 };
}

async function measure(mode: ModeResult['mode']): Promise<ModeResult> {
  const root = mkdtempSync(join(tmpdir(), 'schema-sync-stall-'));
  try {
    const { dataDir, v2 } = await prepare(root);
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET, SCHEMA_DIR: v2, DOCS: 'false', SYNC_THREADS: mode === 'thread' ? '1' : '0', SYNC_THREAD_MIN_BYTES: '0' }),
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

    const latencies: number[] = [];
    let running = true;
    const pinger = (async () => {
      while (running) {
        const started = performance.now();
        await fetch(`${base}/health`).then((res) => res.text());
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    const answer = await signIn('big');
    const syncMs = performance.now() - started;
    loop.disable();
    running = false;
    await pinger;
    await app.close();
    if (answer.status !== 200 || !/synced from 1\.0\.0 to 1\.1\.0/.test(answer.body.message)) throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
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
process.stdout.write(`${JSON.stringify({ health_max_ratio: Math.round(ratio * 1000) / 1000, target: TARGET_RATIO, pass })}\n`);
process.exitCode = pass ? 0 : 1;
