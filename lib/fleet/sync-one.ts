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
import { applyPlan, ApplyError } from '../apply.js';
import { readVersionState, type RecordedVersion } from '../audit.js';
import { planMigration, type Plan } from '../plan/planner.js';
import { readSchemaSnapshot } from '../snapshot.js';
import type { SyncTarget as EngineTarget } from '../sync.js';

export type FleetOutcome =
  'applied' | 'up_to_date' | 'planned' | 'failed' | 'ahead' | 'beyond_target' | 'not_attempted';

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
  /** Settled from the state file: the file is unchanged since a run read its audit row. */
  readonly fromState?: boolean;
  readonly error?: FleetError;
}

export interface SyncTarget {
  /** The engine's target: the rollout's version, its plan options and audit row. */
  readonly engine: EngineTarget;
  /** The application's newest version: a database beyond it is ahead (refused). */
  readonly latest: string;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly now?: () => Date;
  /** Called right before each apply: a worker whose rollout was abandoned stops here (see worker.ts). */
  readonly beforeApply?: () => void;
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

/**
 * The fingerprint, with the schema cookie read in the same read transaction: the apply batch
 * asserts the cookie unchanged once it holds the write lock, so the schema the shared plan was
 * chosen for is still the schema it runs on.
 */
async function fingerprintOf(client: Client): Promise<{ readonly fingerprint: string; readonly schemaCookie: number }> {
  const [cookie, result] = await client.batch(['PRAGMA schema_version', FINGERPRINT_SQL], 'read');
  const value = cookie?.rows[0]?.[0];
  if (result === undefined || (typeof value !== 'number' && typeof value !== 'bigint'))
    throw new Error('fingerprint read returned no schema cookie');
  const hash = createHash('sha256');
  for (const row of result.rows) {
    for (let i = 0; i < 4; i++) {
      const value = row[i];
      hash.update(value === null || value === undefined ? '\u0000N' : `\u0000${String(value)}`);
    }
  }
  return { fingerprint: hash.digest('hex'), schemaCookie: Number(value) };
}

type Settled = Pick<DatabaseResult, 'outcome' | 'statements' | 'error'>;

/**
 * What the version row alone decides: ahead of the application (refused), past a staged target
 * (left alone), unrecognised (refused), already there; null when the database is behind.
 */
function settledByVersion(recorded: RecordedVersion | null, target: SyncTarget): Settled | null {
  const standing = target.engine.standing(recorded);
  if (standing.kind === 'current') return { outcome: 'up_to_date', statements: 0 };
  if (standing.kind === 'unrecognised') {
    return {
      outcome: 'failed',
      statements: 0,
      error: { code: 'INVALID_RECORDED_VERSION', message: `${standing.reason}; refusing to change this database` },
    };
  }
  if (standing.kind === 'ahead' && recorded !== null) {
    if (semver.gt(recorded.version, target.latest)) {
      return {
        outcome: 'ahead',
        statements: 0,
        error: {
          code: 'DATABASE_AHEAD',
          message: `database is at schema ${recorded.version}, newer than this application's ${target.latest}; refusing to change it`,
        },
      };
    }
    // Already past a staged target (e.g. a canary that went further): not ours to move back.
    return { outcome: 'beyond_target', statements: 0 };
  }
  return null;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The result for a database the version row alone settles (see settledByVersion), or null when it is behind. */
export function settledResult(
  name: string,
  recorded: RecordedVersion | null,
  target: SyncTarget,
  durationMs: number,
): DatabaseResult | null {
  const settled = settledByVersion(recorded, target);
  return settled === null
    ? null
    : { name, from: recorded?.version ?? null, to: target.engine.version, durationMs: round(durationMs), ...settled };
}

/** Tries per database when other appliers keep changing it. */
const MAX_ATTEMPTS = 3;

export async function syncOne(
  name: string,
  client: Client,
  target: SyncTarget,
  cache: PlanCache,
): Promise<DatabaseResult> {
  const started = performance.now();
  const to = target.engine.version;
  const done = (fields: Omit<DatabaseResult, 'name' | 'to' | 'durationMs'>): DatabaseResult => ({
    name,
    to,
    durationMs: round(performance.now() - started),
    ...fields,
  });
  let from: string | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      const state = await readVersionState(client);
      const recorded = state.recorded;
      from = recorded?.version ?? null;
      const settled = settledByVersion(recorded, target);
      if (settled !== null) return done({ from, ...settled });

      const { fingerprint, schemaCookie } = await fingerprintOf(client);
      const planKey = `${from ?? '-'}|${recorded?.checksum ?? '-'}|${fingerprint}`;
      let plan = cache.peek(planKey);
      if (plan === undefined) {
        // The plan is shared by every database of this fingerprint, so it must be made from the
        // schema the fingerprint saw: an applier committing in between (the schema cookie moved)
        // would otherwise cache an empty plan under the old fingerprint for every other database.
        const snapshot = await readSchemaSnapshot(client);
        if (snapshot.schemaCookie !== schemaCookie) {
          if (attempt < MAX_ATTEMPTS) continue;
          return done({
            from,
            outcome: 'failed',
            statements: 0,
            error: { code: 'CONCURRENT_CHANGE', message: 'the schema kept changing while it was read' },
          });
        }
        plan = cache.get(planKey, () =>
          planMigration(snapshot.schema, target.engine.desired, {
            ...target.engine.planOptions(from),
            allowDestructive: target.allowDestructive,
          }),
        );
      }
      if (target.dryRun) return done({ from, outcome: 'planned', statements: plan.steps.length, planKey });
      const appliedAt = (target.now?.() ?? new Date()).toISOString();
      target.beforeApply?.();
      try {
        await applyPlan(client, plan, target.engine.audit(from, appliedAt), {
          tableExists: state.tableExists,
          latestId: recorded?.id ?? 0,
          schemaCookie,
        });
        return done({ from, outcome: 'applied', statements: plan.steps.length, planKey });
      } catch (error) {
        if (!(error instanceof ApplyError)) throw error;
        if (error.failure !== 'conflict') {
          return done({
            from,
            outcome: 'failed',
            statements: plan.steps.length,
            planKey,
            error: {
              code: 'APPLY_FAILED',
              message: `schema sync failed, database unchanged: ${error.message}`,
              ...(error.statement === null ? {} : { statement: error.statement }),
              ...(error.stepIndex === null ? {} : { statementIndex: error.stepIndex }),
            },
          });
        }
        // Lost a race (the audit row, or DDL under the plan): the winner usually applied this very version.
        const now = await readVersionState(client);
        if (target.engine.standing(now.recorded).kind === 'current')
          return done({ from, outcome: 'up_to_date', statements: 0, raced: true });
        if (attempt >= MAX_ATTEMPTS) {
          return done({
            from,
            outcome: 'failed',
            statements: 0,
            error: { code: 'CONCURRENT_CHANGE', message: error.message },
          });
        }
      }
    }
  } catch (error) {
    return done({
      from,
      outcome: 'failed',
      statements: 0,
      error: { code: 'FAILED', message: error instanceof Error ? error.message : String(error) },
    });
  }
}
