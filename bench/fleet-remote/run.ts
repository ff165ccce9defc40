/**
 * `npm run bench:fleet-remote` — see bench.ts. Settings (environment):
 *   FLEET_REMOTE_COUNTS       fleet sizes, comma-separated (default 1000)
 *   FLEET_REMOTE_LATENCY_MS   injected per-request latency at the stand-ins (default 25)
 *   FLEET_REMOTE_CONCURRENCY  concurrencies, comma-separated, the same for CLI and floor (default 2,16,64)
 *   FLEET_REMOTE_TSX=1        run the CLI from source through tsx instead of building dist/ first
 *   FLEET_REMOTE_INTEGRITY    integrity and foreign-key check on every k-th database (default 100)
 *   FLEET_REMOTE_FILES_DIR    where the database files go (default /dev/shm when writable: see bench.ts)
 * Writes bench/results/fleet-remote.json (FLEET_REMOTE_OUT to put it elsewhere).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFleetRemote, type FleetRemoteResult } from './bench.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function numbers(name: string, fallback: string): number[] {
  const text = process.env[name] ?? fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`${name} must be a comma-separated list of whole numbers, not "${text}"`);
  return values;
}

const counts = numbers('FLEET_REMOTE_COUNTS', '1000');
const [latencyMs] = numbers('FLEET_REMOTE_LATENCY_MS', '25');
const concurrencies = numbers('FLEET_REMOTE_CONCURRENCY', '2,16,64');
const [integrityEvery] = numbers('FLEET_REMOTE_INTEGRITY', '100');
const fromSource = process.env['FLEET_REMOTE_TSX'] === '1';
const filesDir = process.env['FLEET_REMOTE_FILES_DIR'];
if (!fromSource)
  execFileSync(
    process.execPath,
    [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.json')],
    { stdio: 'inherit' },
  );

const result = await runFleetRemote({
  counts,
  latencyMs: latencyMs ?? 25,
  concurrencies,
  cli: fromSource ? 'source' : 'built',
  integrityEvery: Math.max(1, integrityEvery ?? 100),
  ...(filesDir === undefined || filesDir === '' ? {} : { filesDir }),
});

/** The table docs/benchmarks-fleet-remote.md shows. */
function table(r: FleetRemoteResult): string {
  const lines = [
    `latency ${r.latencyMs} ms, ${r.cores} cores, load ${r.loadAverageAtStart} at start, files in ${r.filesDir}; ${r.from} → ${r.to} (${r.planStatements} statements, the floor sends ${r.floorStatements} + the audit row)`,
    '| N | c | ideal s | floor migrate s | sync-all migrate s | ratio | req/db (floor, sync-all) | floor no-op s | sync-all no-op s | ratio | req/db | sync-all API requests | sync-all peak RSS MB (migrate, no-op) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const fleet of r.fleets)
    for (const run of fleet.runs) {
      const api = Object.values(run.cli.migrate.apiRequests).reduce((sum, n) => sum + n, 0);
      lines.push(
        `| ${fleet.databases} | ${run.concurrency} | ${run.idealS.toFixed(2)} | ${run.floor.migrate.wallS.toFixed(2)} | ${run.cli.migrate.wallS.toFixed(2)} | **${run.migrateVsFloor.toFixed(2)}×** | ${run.floor.migrate.perDatabase.mean}, ${run.cli.migrate.perDatabase.mean} | ${run.floor.noop.wallS.toFixed(2)} | ${run.cli.noop.wallS.toFixed(2)} | **${run.noopVsFloor.toFixed(2)}×** | ${run.cli.noop.perDatabase.mean} | ${api} | ${run.cli.migrate.peakRssMb ?? '?'}, ${run.cli.noop.peakRssMb ?? '?'} |`,
      );
    }
  return lines.join('\n');
}

const out = process.env['FLEET_REMOTE_OUT'] ?? join(repo, 'bench', 'results', 'fleet-remote.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
process.stderr.write(`${table(result)}\nwritten to ${out}\n`);
