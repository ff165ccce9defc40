/**
 * One database of a rollout, with plans shared across databases of the same schema.
 *
 * Round trips: the version row (1) — all an up-to-date database costs. When behind: the schema's
 * fingerprint (1, see FINGERPRINT_SQL); databases with the same recorded version and the same
 * fingerprint have the same plan (the planner is a pure function of the introspected model, the
 * target and the plan options, which depend only on the recorded version), so only the first of
 * them is introspected (1) and planned; then the atomic apply (1). Each database is fingerprinted from
 * its own introspection before the shared plan is applied to it, and the apply is guarded by the
 * audit row exactly as `syncDatabase` guards it, so a racing applier (another rollout, a sign-in)
 * makes this one step back rather than apply twice.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@libsql/client';
import semver from 'semver';
import type { SchemaRegistry } from '../../schema/registry.js';
import { applyPlan, ApplyError } from '../apply.js';
import { plan as makePlan, type Plan } from '../diff.js';
import { introspect } from '../introspect.js';
import { planOptionsFor, readVersionState, type RecordedVersion } from '../sync.js';

export type FleetOutcome =
  | 'applied' | 'up_to_date' | 'planned' | 'failed' | 'ahead' | 'beyond_target' | 'not_attempted';

export interface FleetError {
  readonly code: string;
  readonly message: string;
  readonly statement?: string;
  readonly statementIndex?: number;
}

export interface DatabaseResult {
  readonly name: string;
  readonly from: string | null;
  readonly to: string;
  readonly outcome: FleetOutcome;
  readonly statements: number;
  readonly durationMs: number;
  /** `<recorded version>|<schema fingerprint>`: databases with one key share one plan. */
  readonly planKey?: string;
  /** Another applier got there first; this run applied nothing. */
  readonly raced?: boolean;
  readonly error?: FleetError;
}

export interface SyncTarget {
  /** The registry ending at the rollout's target version. */
  readonly registry: SchemaRegistry;
  /** The application's newest version: a database beyond it is ahead (refused). */
  readonly latest: string;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly now?: () => Date;
}

/** Plans by plan key, made once each. */
export class PlanCache {
  readonly #plans = new Map<string, Plan>();
  computed = 0;

  peek(key: string): Plan | undefined {
    return this.#plans.get(key);
  }

  get(key: string, make: () => Plan): Plan {
    let found = this.#plans.get(key);
    if (found === undefined) {
      found = make();
      this.#plans.set(key, found);
      this.computed++;
    }
    return found;
  }
}

/**
 * sqlite_schema as stored. Everything introspection reports (columns, keys, indexes, strictness)
 * SQLite derives from these rows, so two databases with the same rows have the same model, hence the
 * same plan: their hash is the fingerprint, and it costs one light query instead of the full
 * introspection, which only the first database of each fingerprint needs.
 */
const FINGERPRINT_SQL = 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name, tbl_name';

async function fingerprintOf(client: Client): Promise<string> {
  const result = await client.execute(FINGERPRINT_SQL);
  const hash = createHash('sha256');
  for (const row of result.rows) {
    for (let i = 0; i < 4; i++) {
      const value = row[i];
      hash.update(value === null || value === undefined ? '\u0000N' : `\u0000${String(value)}`);
    }
  }
  return hash.digest('hex');
}

function isAtTarget(target: SchemaRegistry, recorded: RecordedVersion | null): boolean {
  return recorded !== null && recorded.version === target.current.version && recorded.checksum === target.current.checksum;
}

type Settled = Pick<DatabaseResult, 'outcome' | 'statements' | 'error'>;

/** What the version row alone decides: ahead, beyond a staged target, or already there. */
export function settledByVersion(recorded: RecordedVersion | null, target: SyncTarget): Settled | null {
  const to = target.registry.current.version;
  if (recorded !== null && semver.valid(recorded.version) !== null) {
    if (semver.gt(recorded.version, target.latest)) {
      return {
        outcome: 'ahead', statements: 0,
        error: { code: 'DATABASE_AHEAD', message: `database is at schema ${recorded.version}, newer than this application's ${target.latest}; refusing to change it` },
      };
    }
    // Already past a staged target (e.g. a canary that went further): not ours to move back.
    if (semver.gt(recorded.version, to)) return { outcome: 'beyond_target', statements: 0 };
  }
  if (isAtTarget(target.registry, recorded)) return { outcome: 'up_to_date', statements: 0 };
  return null;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

export async function syncOne(name: string, client: Client, target: SyncTarget, cache: PlanCache): Promise<DatabaseResult> {
  const started = performance.now();
  const to = target.registry.current.version;
  const done = (fields: Omit<DatabaseResult, 'name' | 'to' | 'durationMs'>): DatabaseResult =>
    ({ name, to, durationMs: round(performance.now() - started), ...fields });
  let from: string | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      const state = await readVersionState(client);
      const recorded = state.recorded;
      from = recorded?.version ?? null;
      const settled = settledByVersion(recorded, target);
      if (settled !== null) return done({ from, ...settled });

      const planKey = `${from ?? '-'}|${recorded?.checksum ?? '-'}|${await fingerprintOf(client)}`;
      let plan = cache.peek(planKey);
      if (plan === undefined) {
        const actual = await introspect(client);
        plan = cache.get(planKey, () => makePlan(actual, target.registry.current.desired, planOptionsFor(target.registry, from, target.allowDestructive)));
      }
      if (target.dryRun) return done({ from, outcome: 'planned', statements: plan.steps.length, planKey });
      if (plan.steps.length === 0 && recorded !== null && recorded.version === to && recorded.checksum === target.registry.current.checksum) {
        return done({ from, outcome: 'up_to_date', statements: 0, planKey });
      }
      const current = target.registry.current;
      try {
        await applyPlan(client, plan, {
          version: current.version, description: current.description, createdAt: current.createdAt,
          appliedAt: (target.now?.() ?? new Date()).toISOString(), checksum: current.checksum, previousVersion: from,
        }, { tableExists: state.tableExists, latestId: recorded?.id ?? 0 });
        return done({ from, outcome: 'applied', statements: plan.steps.length, planKey });
      } catch (error) {
        if (!(error instanceof ApplyError)) throw error;
        if (error.failure !== 'conflict') {
          return done({
            from, outcome: 'failed', statements: plan.steps.length, planKey,
            error: {
              code: 'APPLY_FAILED', message: `schema sync failed, database unchanged: ${error.message}`,
              ...(error.statement === null ? {} : { statement: error.statement }),
              ...(error.stepIndex === null ? {} : { statementIndex: error.stepIndex }),
            },
          });
        }
        // Lost the race for the audit row: the winner usually applied this very version.
        const now = await readVersionState(client);
        if (isAtTarget(target.registry, now.recorded)) return done({ from, outcome: 'up_to_date', statements: 0, raced: true });
        if (attempt >= 3) {
          return done({ from, outcome: 'failed', statements: 0, error: { code: 'CONCURRENT_CHANGE', message: error.message } });
        }
      }
    }
  } catch (error) {
    return done({ from, outcome: 'failed', statements: 0, error: { code: 'FAILED', message: error instanceof Error ? error.message : String(error) } });
  }
}
