/**
 * A rollout over a list of databases: optional canary phase, then the rest, with N lanes pulling
 * from one queue, stopping early on a failed canary or at --max-failures. Databases a stop left
 * untouched are reported as `not_attempted`.
 */
import { detailOfThrown } from '../database-errors.js';
import type { Plan } from '../plan/steps.js';
import { settleByVersion } from '../sync.js';
import { asyncLanes, workerLanes, type Lane, type LaneOutput, type LaneSet, type LaneSettings } from './lanes.js';
import { localPathOf, type FleetState } from './file-state.js';
import type { FleetDatabase } from './source.js';
import { fleetResult, type DatabaseResult } from './sync-one.js';
import { targetFromVersions } from '../target.js';

export type LaneMode = 'processes' | 'threads' | 'async';

/** Fewer databases than this run on the main thread even with worker lanes. */
export const WORKER_MIN = 32;

export interface RolloutOptions extends Omit<LaneSettings, 'rememberFiles'> {
  /**
   * What earlier runs learnt about local files: a file provably unchanged since is settled from it
   * without being opened, and what this run learns is added (see file-state.ts).
   */
  readonly state?: FleetState | undefined;
  readonly concurrency: number;
  readonly mode: LaneMode;
  /** Sync this many first; stop when any of them fails. */
  readonly canary?: number | undefined;
  /** Stop dispatching once this many have failed. */
  readonly maxFailures?: number | undefined;
  readonly onResult?: ((result: DatabaseResult) => void) | undefined;
}

export type StopReason = 'canary_failed' | 'max_failures';

export interface RolloutResult {
  /** One per database, in the order given. */
  readonly results: readonly DatabaseResult[];
  readonly stopped: StopReason | null;
  /** Plans made: once per distinct schema (per lane thread). */
  readonly plansComputed: number;
  /** Every distinct plan, by plan key. */
  readonly plans: ReadonlyMap<string, Plan>;
  /** What went wrong with the lanes themselves (a worker given up), for the operator. */
  readonly warnings: readonly string[];
}

/** `file:` databases run on the calling thread; anything else is remote. */
export function defaultMode(databases: readonly FleetDatabase[]): LaneMode {
  return databases.length > 0 && databases.every((db) => db.url.startsWith('file:')) ? 'processes' : 'async';
}

export async function runRollout(databases: readonly FleetDatabase[], options: RolloutOptions): Promise<RolloutResult> {
  const results = new Array<DatabaseResult | undefined>(databases.length);
  const plans = new Map<string, Plan>();
  const lanesWanted = Math.max(1, Math.min(options.concurrency, databases.length));
  // Worker modes: `lanesWanted` workers, each fed by more than one lane (see PIPELINE). Only
  // plain data crosses into a worker.
  const settings: LaneSettings = {
    versions: options.versions,
    to: options.to,
    allowDestructive: options.allowDestructive,
    dryRun: options.dryRun,
    busyTimeoutMs: options.busyTimeoutMs,
    rememberFiles: options.state !== undefined,
  };
  const state = options.state;
  const target = targetFromVersions(settings.versions, settings.to);
  /** The result the state file settles `db` with, or null when the database must be read. */
  const settledByState = (db: FleetDatabase): DatabaseResult | null => {
    const path = state === undefined ? null : localPathOf(db.url);
    const recorded = path === null ? null : (state?.recordedFor(db.name, path) ?? null);
    const settled = recorded === null ? null : settleByVersion(target, recorded, { durationMs: 0, racesLost: 0 });
    return settled === null ? null : { ...fleetResult(db.name, options.to, settled), fromState: true };
  };
  // Every lookup before any lane opens a database: reading a file's header here opens and closes
  // it, and a close drops every POSIX lock this process holds on that file — a lock one of this
  // process's own SQLite connections might be holding, were one open (a hard-linked name, say).
  const settledEarly = databases.map((db) => settledByState(db));
  const toSync = settledEarly.filter((result) => result === null).length;
  // Below WORKER_MIN databases starting workers costs more than it saves.
  const laneSet: LaneSet =
    options.mode !== 'async' && toSync >= WORKER_MIN
      ? workerLanes(settings, lanesWanted, options.mode === 'processes' ? 'process' : 'thread')
      : asyncLanes(settings, lanesWanted);
  let failures = 0;
  let plansComputed = 0;
  let stopped: StopReason | null = null;
  let callbackError: { readonly error: unknown } | null = null;

  const runPhase = async (from: number, to: number, stopOnAnyFailure: boolean): Promise<void> => {
    let next = from;
    const lane = async (syncOn: Lane): Promise<void> => {
      while (stopped === null && callbackError === null && next < to) {
        const index = next++;
        const db = databases[index] as FleetDatabase;
        let result: DatabaseResult;
        try {
          const known = settledEarly[index] ?? null;
          if (known !== null) {
            result = known;
          } else {
            let output: LaneOutput;
            try {
              output = await syncOn(db);
            } catch {
              // The lane's worker died with this database in hand. Its apply is one transaction,
              // so the database is at the old version or the new one: syncing it again (on a
              // replacement worker, or this thread) finds out which, instead of guessing "failed".
              output = await syncOn(db);
            }
            result = output.result;
            if (output.newPlan !== undefined) {
              plansComputed++;
              if (result.planKey !== undefined && !plans.has(result.planKey)) plans.set(result.planKey, output.newPlan);
            }
            if (output.known !== undefined) state?.remember(db.name, output.known);
          }
        } catch (error) {
          // The lane broke twice on this database: its outcome is unknown to us, but it is at the
          // old version or the new one.
          result = {
            name: db.name,
            from: null,
            to: options.to,
            outcome: 'failed',
            statements: 0,
            durationMs: 0,
            error: detailOfThrown(error, db.url),
          };
        }
        results[index] = result;
        try {
          options.onResult?.(result);
        } catch (error) {
          // The caller's callback failed: stop dispatching, let the lanes finish what they hold,
          // close the workers, then fail the rollout with it.
          callbackError ??= { error };
        }
        if (result.outcome === 'failed') {
          failures++;
          if (stopOnAnyFailure) stopped = 'canary_failed';
          else if (options.maxFailures !== undefined && failures >= options.maxFailures) stopped = 'max_failures';
        }
      }
    };
    await Promise.all(laneSet.lanes.map(lane));
  };

  try {
    const canary = Math.min(options.canary ?? 0, databases.length);
    if (canary > 0) await runPhase(0, canary, true);
    if (stopped === null && options.maxFailures !== undefined && failures >= options.maxFailures)
      stopped = 'max_failures';
    if (stopped === null) await runPhase(canary, databases.length, false);
  } finally {
    await laneSet.close();
  }
  if (callbackError !== null) throw (callbackError as { readonly error: unknown }).error;
  const filled = databases.map(
    (db, i): DatabaseResult =>
      results[i] ?? {
        name: db.name,
        from: null,
        to: options.to,
        outcome: 'not_attempted',
        statements: 0,
        durationMs: 0,
      },
  );
  return { results: filled, stopped, plansComputed, plans, warnings: laneSet.problems() };
}
