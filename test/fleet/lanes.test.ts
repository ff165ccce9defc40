/**
 * The three kinds of lanes give the same rollout; a worker process that dies costs only the
 * databases it had in hand (each at one version, never between) and is replaced; and when the
 * main process is killed, its worker processes stop instead of carrying on unwatched.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { plan } from '../../lib/diff.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/audit.js';
import { dirFor, foreignKeyViolations, integrityOk, rows } from '../lib/_support.js';
import { makeFleet, tradingRows } from '../../bench/fleet/fixture.js';
import { loadRegistry } from '../../schema/registry.js';
import { appRows, fleetAt, runSyncAll, spawnCli, stateOf, withClient, writeSchemaDir } from './_fleet.js';

/**
 * The built-in trading versions (23 statements from 1.0.0 to 1.1.0, a rebuild among them): enough
 * work per database that the workers, not the main process while they load, carry the rollout.
 */
async function tradingFleet(root: string, count: number) {
  const registry = await loadRegistry({ schemaDir: undefined });
  const dir = join(root, 'fleet');
  const paths = await makeFleet({ dir, templateDir: join(root, 'template'), count, registry, version: '1.0.0', seed: tradingRows(3) });
  const rowsBefore = await withClient(paths[0] as string, tradingRowsOf);
  return { dir, paths, registry, rowsBefore };
}

/** The 1.0.0 tables' rows, in the 1.0.0 columns (both versions have them). */
async function tradingRowsOf(client: Parameters<typeof appRows>[0]): Promise<string> {
  const tables: Record<string, string> = {
    accounts: 'id, email, display_name', portfolios: 'id, account_id, name', watchlists: 'account_id, name, symbols',
    positions: 'portfolio_id, symbol, quantity, average_cost', trades: 'portfolio_id, symbol, side, quantity, price, executed_at',
  };
  const dump: Record<string, unknown> = {};
  for (const [table, columns] of Object.entries(tables)) dump[table] = await rows(client, `SELECT ${columns} FROM ${table} ORDER BY ${columns}`);
  return JSON.stringify(dump);
}

/** A trading database at exactly one version (1.0.0 or 1.1.0), rows as before, sound. */
async function cleanlyAtOneVersion(path: string, fleet: Awaited<ReturnType<typeof tradingFleet>>): Promise<{ ok: boolean; version: string | null }> {
  return withClient(path, async (client) => {
    const version = (await readVersionState(client)).recorded?.version ?? null;
    const desired = fleet.registry.versions.find((v) => v.version === version)?.desired;
    const audit = await rows(client, 'SELECT version, count(*) AS n FROM schema_version GROUP BY version');
    const ok = desired !== undefined && plan(await introspect(client), desired).steps.length === 0
      && audit.every((row) => Number(row['n']) === 1) && await integrityOk(client) && await foreignKeyViolations(client) === 0
      && await tradingRowsOf(client) === fleet.rowsBefore;
    return { ok, version };
  });
}

const COUNT = 40; // above WORKER_MIN, so worker lanes start workers

for (const lanes of ['processes', 'threads', 'async'] as const) {
  t.test(`--lanes ${lanes}: every database migrated once, rows intact`, async (t) => {
    const root = dirFor(t);
    const schemaDir = writeSchemaDir(join(root, 'schema'));
    const fleet = await fleetAt(root, schemaDir, COUNT);
    const rowsBefore = await withClient(fleet.paths[0] as string, appRows);
    const run = await runSyncAll(['--data-dir', fleet.dir, '--lanes', lanes, '--json'], { SCHEMA_DIR: schemaDir });
    t.equal(run.code, 0, run.err);
    const summary = run.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> };
    t.match(summary.outcomes, { applied: COUNT, failed: 0 });
    for (const path of fleet.paths) {
      const state = await stateOf(path, fleet.registry);
      if (!(state.version === '1.1.0' && state.driftFromRecorded === 0 && state.auditCounts['1.1.0'] === 1 && state.integrity
        && state.fkViolations === 0 && JSON.stringify(state.rows) === JSON.stringify(rowsBefore))) {
        t.fail(`${path} is not cleanly at 1.1.0`, { state });
      }
    }
    const again = await runSyncAll(['--data-dir', fleet.dir, '--lanes', lanes, '--json'], { SCHEMA_DIR: schemaDir });
    t.match((again.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> }).outcomes, { up_to_date: COUNT, applied: 0 });
  });
}

/** The pids of `pid`'s children (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` has a database file of `dir` open: a worker that is syncing. */
function hasDatabaseOpen(pid: number, dir: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith(dir) && target.endsWith('.db');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

t.test('a worker process killed mid-rollout loses only its databases in hand; it is replaced and a re-run completes', async (t) => {
  const root = dirFor(t);
  const schemaDir = '';
  const fleet = await tradingFleet(root, 300);
  const child = spawnCli(['sync-all', '--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  child.stderr.resume();
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Kill a worker once it is syncing (it has a database open), so that it has work in hand.
  let victim: number | null = null;
  await until(() => {
    victim = childrenOf(child.pid as number).find((pid) => hasDatabaseOpen(pid, fleet.dir)) ?? null;
    return victim !== null;
  }, 20_000);
  const originals = new Set(childrenOf(child.pid as number));
  if (victim !== null) process.kill(victim, 'SIGKILL');
  const workersSeen = new Set<number>();
  let running = true;
  void closed.then(() => { running = false; });
  while (running) {
    for (const pid of childrenOf(child.pid as number)) workersSeen.add(pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const code = await closed;
  t.not(victim, null, 'a syncing worker process was found and killed');
  t.ok([...workersSeen].some((pid) => !originals.has(pid)), 'a replacement worker process started');
  const perDb = lines.filter((line) => 'database' in line);
  t.equal(perDb.length, 300, 'every database is reported');
  const failed = perDb.filter((line) => line['outcome'] === 'failed');
  t.ok(failed.length >= 1 && failed.length <= 2, `only the databases the worker had in hand failed (${failed.length})`);
  for (const line of failed) t.match((line['error'] as { message: string }).message, /sync worker process (exited|is gone)/, `named as the worker dying: ${(line['error'] as { message: string }).message}`);
  t.equal(code, failed.length === 0 ? 0 : 1);
  t.equal(perDb.filter((line) => line['outcome'] === 'applied').length, 300 - failed.length, 'the replacement worker carried on');

  for (const path of fleet.paths) {
    const state = await cleanlyAtOneVersion(path, fleet);
    if (!state.ok) t.fail(`${path} is not cleanly at one version`, { state });
  }
  const rerun = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(rerun.code, 0);
  t.match((rerun.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> }).outcomes, { applied: failed.length, up_to_date: 300 - failed.length });
});

t.test('when the main process is killed, its worker processes stop', async (t) => {
  const root = dirFor(t);
  const schemaDir = '';
  const fleet = await tradingFleet(root, 300);
  const child = spawnCli(['sync-all', '--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  let workers: number[] = [];
  let seen = 0;
  createInterface({ input: child.stdout }).on('line', () => {
    seen++;
    if (workers.length === 0 && seen >= 40) {
      workers = childrenOf(child.pid as number);
      if (workers.length > 0) child.kill('SIGKILL');
    }
  });
  child.stderr.resume();
  await new Promise((resolve) => child.on('exit', resolve));
  t.ok(workers.length >= 1, `worker processes were running (${workers.length})`);
  t.ok(await until(() => workers.every((pid) => !alive(pid)), 10_000), 'every worker process exited after the main one died');
  let unclean = 0;
  for (const path of fleet.paths) if (!(await cleanlyAtOneVersion(path, fleet)).ok) unclean++;
  t.equal(unclean, 0, 'every database cleanly at 1.0.0 or 1.1.0');
});
