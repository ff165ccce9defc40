/**
 * bench/rate-limit: the per-address limit's memory under many distinct client addresses. The real
 * service listens on 127.0.0.1 with TRUST_PROXY=127.0.0.1, and every request names its client in
 * X-Forwarded-For. The floor, in the same run: the same number of requests from one address (no new
 * keys). Then 3 × RATE_LIMIT_CACHE distinct addresses: the limit must hold RATE_LIMIT_CACHE keys, and
 * the heap may grow by at most MAX_BYTES_PER_KEY (default 1,000) per cached key more than the floor.
 * Prints one JSON line; exit 1 when a bound is broken.
 *
 *   node --expose-gc --import tsx bench/rate-limit/run.ts   # CACHE=10000 MAX_BYTES_PER_KEY=1000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../lib/config/load.js';

const CACHE = Number(process.env['CACHE'] ?? 10_000);
const MAX_BYTES_PER_KEY = Number(process.env['MAX_BYTES_PER_KEY'] ?? 1_000);
const CONCURRENCY = 32;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const root = mkdtempSync(join(tmpdir(), 'schema-sync-ratelimit-'));
const app = await buildApp({
  config: loadConfig({
    DATA_DIR: join(root, 'data'),
    DOCS: 'false',
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_CACHE: String(CACHE),
    RATE_LIMIT_IP_MAX: '1000000',
    RATE_LIMIT_USER_MAX: '1000000',
  }),
  logger: false,
});
try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  /** `count` requests, client i naming itself `client(i)`; every answer must be the 404 of an unknown route. */
  const send = async (count: number, client: (i: number) => string): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < count; i = next++) {
          const response = await fetch(`${base}/nope`, { headers: { 'x-forwarded-for': client(i) } });
          await response.arrayBuffer();
          if (response.status !== 404) throw new Error(`unexpected ${response.status}`);
        }
      }),
    );
  };
  const requests = 3 * CACHE;
  await send(2_000, () => '192.0.2.1'); // warm-up
  const start = heap();
  await send(requests, () => '192.0.2.1');
  const floorBytes = heap() - start;
  const keysBefore = app.rateLimitKeys()?.ip ?? 0;
  const distinctStart = heap();
  await send(requests, address);
  const distinctBytes = heap() - distinctStart;
  const keys = app.rateLimitKeys()?.ip ?? 0;
  const perKey = Math.round((distinctBytes - floorBytes) / Math.max(1, keys - keysBefore));
  const result = {
    cache: CACHE,
    requests,
    distinct_addresses: requests,
    keys_held: keys,
    floor_heap_growth_bytes: floorBytes,
    distinct_heap_growth_bytes: distinctBytes,
    bytes_per_key_over_floor: perKey,
    max_bytes_per_key: MAX_BYTES_PER_KEY,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (keys !== CACHE || perKey > MAX_BYTES_PER_KEY) process.exitCode = 1;
} finally {
  await app.close();
  rmSync(root, { recursive: true, force: true });
}
