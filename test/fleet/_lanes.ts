/**
 * What the lane tests share: a fleet of the built-in trading versions (enough work per database
 * that workers, not the main process while they load, carry a rollout), the check that a database
 * is cleanly at one version, and a look at a process's children through /proc (Linux).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { makeFleet, tradingRows } from '../../bench/fleet/fixture.js';
import { readVersionState } from '../../lib/audit.js';
import { planMigration } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import { loadRegistry } from '../../schema/registry.js';
import { foreignKeyViolations, integrityOk, rows } from '../lib/_support.js';
import { withClient } from './_fleet.js';

/**
 * The built-in trading versions (23 statements from 1.0.0 to 1.1.0, a rebuild among them): enough
 * work per database that the workers, not the main process while they load, carry the rollout.
 */
export async function tradingFleet(root: string, count: number) {
  const registry = await loadRegistry({ schemaDir: undefined });
  const dir = join(root, 'fleet');
  const paths = await makeFleet({
    dir,
    templateDir: join(root, 'template'),
    count,
    registry,
    version: '1.0.0',
    seed: tradingRows(3),
  });
  const rowsBefore = await withClient(paths[0] as string, tradingRowsOf);
  return { dir, paths, registry, rowsBefore };
}

/** The 1.0.0 tables' rows, in the 1.0.0 columns (both versions have them). */
async function tradingRowsOf(client: Client): Promise<string> {
  const tables: Record<string, string> = {
    accounts: 'id, email, display_name',
    portfolios: 'id, account_id, name',
    watchlists: 'account_id, name, symbols',
    positions: 'portfolio_id, symbol, quantity, average_cost',
    trades: 'portfolio_id, symbol, side, quantity, price, executed_at',
  };
  const dump: Record<string, unknown> = {};
  for (const [table, columns] of Object.entries(tables))
    dump[table] = await rows(client, `SELECT ${columns} FROM ${table} ORDER BY ${columns}`);
  return JSON.stringify(dump);
}

/** A trading database at exactly one version (1.0.0 or 1.1.0), rows as before, sound. */
export async function cleanlyAtOneVersion(
  path: string,
  fleet: Awaited<ReturnType<typeof tradingFleet>>,
): Promise<{ ok: boolean; version: string | null }> {
  return withClient(path, async (client) => {
    const version = (await readVersionState(client)).recorded?.version ?? null;
    const desired = fleet.registry.versions.find((v) => v.version === version)?.desired;
    const audit = await rows(client, 'SELECT version, count(*) AS n FROM schema_version GROUP BY version');
    const ok =
      desired !== undefined &&
      planMigration(await introspect(client), desired).steps.length === 0 &&
      audit.every((row) => Number(row['n']) === 1) &&
      (await integrityOk(client)) &&
      (await foreignKeyViolations(client)) === 0 &&
      (await tradingRowsOf(client)) === fleet.rowsBefore;
    return { ok, version };
  });
}

/** The pids of `pid`'s children (Linux /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` has a database file of `dir` open: a worker that is syncing. */
export function hasDatabaseOpen(pid: number, dir: string): boolean {
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

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}
