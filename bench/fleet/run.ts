/**
 * bench/fleet: `schema-sync sync-all` over 2,000 databases with rows, from 1.0.0 to 1.1.0 (the
 * built-in versions: new table, added columns, indexes, a view and the positions rebuild), as whole
 * processes, against a floor measured in the same run: the very same DDL replayed by hand, one
 * client.migrate() batch per database, sequentially (bench/fleet/floor.mjs). Then a no-op re-run
 * (median of three), and the same with --state none. The CLI is the built one
 * (dist/bin/schema-sync.js, built first), as installed; FLEET_BENCH_TSX=1 runs it from source
 * through tsx instead. Peak RSS and CPU time by /usr/bin/time when present.
 * Then the state file the no-op used: its size, and the time this process takes to load it, to
 * look up every database in it (a stat and a header read per file) and to save it.
 *   npm run bench:fleet            (FLEET_BENCH_COUNT=N databases, 2,000 by default: 500 for a quick
 *                                   run, 10000 or 20000 for how the no-op and the state file scale;
 *                                   FLEET_BENCH_LANES=1 also times --lanes threads and --lanes async;
 *                                   the fleets go to the OS temporary directory: TMPDIR=/dev/shm for RAM;
 *                                   FLEET_BENCH_CLI_REPO=<checkout> times that checkout's CLI instead)
 * Writes bench/results/fleet.json.
 */
import { timedNode, type Timed } from '../timed-process.js';
import { columnText } from '../../lib/libsql.js';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { planMigration } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/audit.js';
import { targetOf } from '../../lib/target.js';
import { FleetState } from '../../lib/fleet/file-state.js';
import { loadRegistry } from '../../schema/registry.js';
import { fileUrl, makeFleet, tradingRows } from './fixture.js';

const COUNT = Number(process.env['FLEET_BENCH_COUNT'] ?? 2000);
const SCALE = 10; // accounts per database: 10 accounts, portfolios and watchlists, 30 positions and trades
const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');

const work = mkdtempSync(join(tmpdir(), 'schema-sync-bench-fleet-'));
const registry = await loadRegistry();
const from = registry.versions.find((v) => v.version === '1.0.0');
if (from === undefined) throw new Error('the built-in registry lacks 1.0.0');

/** Runs a whole process; wall time around it, peak RSS from /usr/bin/time. */
const timed = (args: readonly string[], outFile: string): Promise<Timed> =>
  timedNode(args, { cwd: repo, env: { ...process.env, SCHEMA_DIR: '' }, outFile, captureStderr: false });

/**
 * A no-op run is short enough for a busy neighbour to double it: three runs (each alike, the state
 * file saved unchanged), the one with the median wall time.
 */
async function medianRun(args: readonly string[], outFile: string): Promise<Timed> {
  const runs: Timed[] = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(args, outFile));
  return [...runs].sort((a, b) => a.wallS - b.wallS)[1] as Timed;
}

async function fleet(name: string): Promise<string> {
  const dir = join(work, name);
  await makeFleet({
    dir,
    templateDir: join(work, 'template'),
    count: COUNT,
    registry,
    version: '1.0.0',
    seed: tradingRows(SCALE),
  });
  return dir;
}

const nameOf = (i: number): string => `db-${String(i).padStart(5, '0')}`;
const median = (values: readonly number[]): number =>
  Math.round(([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0) * 10) / 10;

/**
 * The state file sync-all left in `dir`, as a no-op run uses it, timed here three times (median):
 * load (read, parse, check), look up every database (identity of each file), save (a copy).
 */
function stateFileCosts(dir: string): { bytes: number; loadMs: number; lookupMs: number; saveMs: number } {
  const path = join(work, 'fleet-state.json');
  copyFileSync(join(dir, '.schema-sync', 'fleet-state.json'), path);
  const times = { load: [] as number[], lookup: [] as number[], save: [] as number[] };
  for (let round = 0; round < 3; round++) {
    let started = performance.now();
    const state = FleetState.load(path);
    times.load.push(performance.now() - started);
    started = performance.now();
    let settled = 0;
    for (let i = 0; i < COUNT; i++) if (state.recordedFor(nameOf(i), join(dir, `${nameOf(i)}.db`)) !== null) settled++;
    times.lookup.push(performance.now() - started);
    if (settled !== COUNT) throw new Error(`the state file settles ${settled} of ${COUNT} databases`);
    started = performance.now();
    state.save();
    times.save.push(performance.now() - started);
  }
  return {
    bytes: statSync(path).size,
    loadMs: median(times.load),
    lookupMs: median(times.lookup),
    saveMs: median(times.save),
  };
}

/** Every database at 1.1.0 (version row), and a sample fully checked. */
async function verify(dir: string, label: string): Promise<void> {
  const collect = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;
  for (let i = 0; i < COUNT; i++) {
    // Closed connections hold their descriptors until collected and finalised (see floor.mjs).
    if (i % 32 === 31) {
      collect?.({ type: 'minor' });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const client = createClient({ url: fileUrl(join(dir, `${nameOf(i)}.db`)) });
    try {
      const { recorded } = await readVersionState(client);
      if (recorded?.version !== '1.1.0')
        throw new Error(`${label}: db ${i} is at ${recorded?.version ?? 'no version'}`);
      if (i % 200 === 0) {
        const left = planMigration(await introspect(client), registry.current.desired).steps.length;
        const integrity = (await client.execute('PRAGMA integrity_check')).rows[0]?.[0];
        if (left !== 0 || integrity !== 'ok')
          throw new Error(`${label}: db ${i} not converged (${left} steps left, integrity ${columnText(integrity)})`);
      }
    } finally {
      client.close();
    }
  }
}

const fromSource = process.env['FLEET_BENCH_TSX'] === '1';
// Another checkout's CLI (built there) against this run's floor, for a before/after comparison.
const cliRepo = process.env['FLEET_BENCH_CLI_REPO'] ?? repo;
const cli = fromSource
  ? ['--import', 'tsx', join(cliRepo, 'bin', 'schema-sync.ts'), 'sync-all', '--json']
  : [join(cliRepo, 'dist', 'bin', 'schema-sync.js'), 'sync-all', '--json'];
if (!fromSource)
  execFileSync(
    process.execPath,
    [join(cliRepo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(cliRepo, 'tsconfig.json')],
    { stdio: 'inherit' },
  );
const summaryOf = (out: string): Record<string, unknown> =>
  (JSON.parse(out.trim().split('\n').at(-1) as string) as { summary: Record<string, unknown> }).summary;

try {
  console.error(
    `bench/fleet: ${COUNT} databases, ${availableParallelism()} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  // The floor's statements: the engine's plan for this fleet, minus its in-batch checks.
  const floorDir = await fleet('floor');
  const template = createClient({ url: fileUrl(join(work, 'template', 'template-1.0.0.db')) });
  const templateSchema = await introspect(template);
  const fullPlan = planMigration(templateSchema, registry.current.desired, {
    ...targetOf(registry).planOptions('1.0.0', templateSchema),
    allowDestructive: false,
  });
  template.close();
  const ddl = fullPlan.steps.filter((step) => step.kind !== 'assert').map((step) => step.sql);
  const statementsFile = join(work, 'statements.json');
  writeFileSync(statementsFile, JSON.stringify(ddl));

  const floor = await timed(
    ['--expose-gc', join(here, 'floor.mjs'), floorDir, statementsFile],
    join(work, 'floor.out'),
  );
  if (floor.code !== 0) throw new Error('floor failed');
  rmSync(floorDir, { recursive: true, force: true });
  console.error(`floor (hand-replayed DDL, sequential): ${floor.wallS} s, cpu ${floor.cpuS} s`);

  const syncDir = await fleet('sync');
  const run = await timed([...cli, '--data-dir', syncDir], join(work, 'sync.out'));
  if (run.code !== 0) throw new Error(`sync-all exited ${run.code}`);
  const runSummary = summaryOf(run.out);
  await verify(syncDir, 'sync-all');
  console.error(
    `sync-all: ${run.wallS} s (${(run.wallS / floor.wallS).toFixed(2)}× floor), cpu ${run.cpuS} s, peak RSS ${run.peakRssMb} MB`,
  );

  const noop = await medianRun([...cli, '--data-dir', syncDir], join(work, 'noop.out'));
  if (noop.code !== 0) throw new Error(`no-op sync-all exited ${noop.code}`);
  const noopSummary = summaryOf(noop.out);
  console.error(
    `no-op re-run: ${noop.wallS} s (${((noop.wallS / run.wallS) * 100).toFixed(1)}% of the migrating run), cpu ${noop.cpuS} s, ${String(noopSummary['fromState'])} settled by the state file`,
  );
  // The same re-run reading every database's version row (no state file): what a first re-run
  // after, say, restoring the directory costs.
  const noopRead = await medianRun([...cli, '--data-dir', syncDir, '--state', 'none'], join(work, 'noop-read.out'));
  if (noopRead.code !== 0) throw new Error(`no-op sync-all --state none exited ${noopRead.code}`);
  console.error(
    `no-op re-run reading every version row (--state none): ${noopRead.wallS} s (${((noopRead.wallS / run.wallS) * 100).toFixed(1)}%), cpu ${noopRead.cpuS} s, peak RSS ${noopRead.peakRssMb} MB`,
  );
  const stateFile = stateFileCosts(syncDir);
  console.error(
    `state file: ${(stateFile.bytes / 1e6).toFixed(2)} MB; load ${stateFile.loadMs} ms, look up every database ${stateFile.lookupMs} ms, save ${stateFile.saveMs} ms`,
  );
  rmSync(syncDir, { recursive: true, force: true });

  // The default lanes are child processes; the other two kinds, for comparison, on fresh fleets.
  const otherLanes: Record<string, Timed> = {};
  if (process.env['FLEET_BENCH_LANES'] === '1') {
    for (const lanes of ['threads', 'async']) {
      const dir = await fleet(lanes);
      const timedRun = await timed([...cli, '--data-dir', dir, '--lanes', lanes], join(work, `${lanes}.out`));
      if (timedRun.code !== 0) throw new Error(`sync-all --lanes ${lanes} exited ${timedRun.code}`);
      await verify(dir, `sync-all --lanes ${lanes}`);
      rmSync(dir, { recursive: true, force: true });
      otherLanes[lanes] = timedRun;
      console.error(
        `sync-all --lanes ${lanes}: ${timedRun.wallS} s (${(timedRun.wallS / floor.wallS).toFixed(2)}× floor), cpu ${timedRun.cpuS} s, peak RSS ${timedRun.peakRssMb} MB`,
      );
    }
  }

  const result = {
    databases: COUNT,
    cli: `${fromSource ? 'tsx bin/schema-sync.ts' : 'node dist/bin/schema-sync.js'}${cliRepo === repo ? '' : ` in ${cliRepo}`}`,
    rows_per_database: SCALE * 9,
    statements_per_database: fullPlan.steps.length,
    cores: availableParallelism(),
    load_average_at_start: loadavg()[0],
    floor_s: floor.wallS,
    floor_cpu_s: floor.cpuS,
    sync_all_cpu_s: run.cpuS,
    noop_cpu_s: noop.cpuS,
    sync_all_s: run.wallS,
    sync_all_vs_floor: Math.round((run.wallS / floor.wallS) * 1000) / 1000,
    target_vs_floor: 0.8,
    sync_all_peak_rss_mb: run.peakRssMb,
    plans_computed: runSummary['plansComputed'],
    noop_s: noop.wallS,
    noop_settled_by_state_file: noopSummary['fromState'],
    noop_reading_every_version_row_s: noopRead.wallS,
    noop_reading_every_version_row_cpu_s: noopRead.cpuS,
    noop_vs_migrating: Math.round((noop.wallS / run.wallS) * 1000) / 1000,
    noop_vs_floor: Math.round((noop.wallS / floor.wallS) * 1000) / 1000,
    noop_reading_every_version_row_vs_floor: Math.round((noopRead.wallS / floor.wallS) * 1000) / 1000,
    noop_peak_rss_mb: noop.peakRssMb,
    noop_reading_every_version_row_peak_rss_mb: noopRead.peakRssMb,
    state_file_bytes: stateFile.bytes,
    state_file_load_ms: stateFile.loadMs,
    state_file_lookup_every_database_ms: stateFile.lookupMs,
    state_file_save_ms: stateFile.saveMs,
    other_lanes: Object.fromEntries(
      Object.entries(otherLanes).map(([lanes, r]) => [
        lanes,
        { wall_s: r.wallS, cpu_s: r.cpuS, peak_rss_mb: r.peakRssMb },
      ]),
    ),
    floor_peak_rss_mb: floor.peakRssMb,
  };
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'fleet.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
