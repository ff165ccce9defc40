/**
 * `npm run bench:fleet-remote` — see bench.ts. Settings (environment):
 *   FLEET_REMOTE_COUNTS       fleet sizes, comma-separated (default 1000)
 *   FLEET_REMOTE_LATENCY_MS   injected per-request latency at the stand-ins (default 25)
 *   FLEET_REMOTE_CONCURRENCY  concurrencies, comma-separated, the same for CLI and floor (default 2,16,64)
 *   FLEET_REMOTE_TSX=1        run the CLI from source through tsx instead of building dist/ first
 *   FLEET_REMOTE_REPEAT       rounds per concurrency, floor and CLI alternating; the fastest of each counts (default 1)
 *   FLEET_REMOTE_INTEGRITY    integrity and foreign-key check on every k-th database (default 100)
 *   FLEET_REMOTE_FILES_DIR    where the database files go (default /dev/shm when writable: see bench.ts)
 *   FLEET_REMOTE_CLI_NODE_ARGS node options for the timed sync-all runs, space-separated (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
 * Writes bench/results/fleet-remote.json (FLEET_REMOTE_OUT to put it elsewhere).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFleetRemote, type FleetRemoteResult, type Phase } from './bench.js';

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
const [repeat] = numbers('FLEET_REMOTE_REPEAT', '1');
const fromSource = process.env['FLEET_REMOTE_TSX'] === '1';
const filesDir = process.env['FLEET_REMOTE_FILES_DIR'];
const cliNodeArgs = (process.env['FLEET_REMOTE_CLI_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
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
  repeat: Math.max(1, repeat ?? 1),
  cliNodeArgs,
  ...(filesDir === undefined || filesDir === '' ? {} : { filesDir }),
});

/** The table docs/benchmarks-fleet-remote.md shows. */
function table(r: FleetRemoteResult): string {
  const lines = [
    `latency ${r.latencyMs} ms, fastest of ${r.repeat} round(s), ${r.cores} cores, load ${r.loadAverageAtStart} at start, files in ${r.filesDir}; ${r.from} → ${r.to} (${r.planStatements} statements, the floor sends ${r.floorStatements} + the audit row)`,
    '| N | c | ideal s | floor migrate s (cpu) | sync-all migrate s (cpu) | ratio | Hrana req/db (sync-all) | floor no-op s (cpu) | sync-all no-op s (cpu) | ratio | Hrana req/db | API req (sync-all) | peak RSS MB sync-all (floor) | load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const s = (p: Phase): string => `${p.wallS.toFixed(2)} (${p.cpuS ?? '?'})`;
  for (const fleet of r.fleets)
    for (const run of fleet.runs) {
      const api = Object.values(run.cli.migrate.apiRequests).reduce((sum, n) => sum + n, 0);
      const loads = [run.floor.migrate, run.cli.migrate, run.floor.noop, run.cli.noop].map((p) => p.loadAverage);
      lines.push(
        `| ${fleet.databases} | ${run.concurrency} | ${run.idealS.toFixed(2)} | ${s(run.floor.migrate)} | ${s(run.cli.migrate)} | **${run.migrateVsFloor.toFixed(2)}×** | ${run.cli.migrate.perDatabase.mean} | ${s(run.floor.noop)} | ${s(run.cli.noop)} | **${run.noopVsFloor.toFixed(2)}×** | ${run.cli.noop.perDatabase.mean} | ${api} | ${run.cli.migrate.peakRssMb ?? '?'} (${run.floor.migrate.peakRssMb ?? '?'}) | ${Math.min(...loads)}–${Math.max(...loads)} |`,
      );
    }
  return lines.join('\n');
}

const out = process.env['FLEET_REMOTE_OUT'] ?? join(repo, 'bench', 'results', 'fleet-remote.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
process.stderr.write(`${table(result)}\nwritten to ${out}\n`);
