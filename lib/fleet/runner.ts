/**
 * A rollout over a list or a stream of databases: optional canary phase, then the rest, with N
 * lanes pulling from one queue as the databases arrive, stopping early on a failed canary or at
 * --max-failures. Databases a stop left untouched are reported as `not_attempted`.
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

/** How many databases a streamed listing reads ahead of the lanes at least (see runRollout). */
const LISTED_AHEAD = 256;

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
  /** Called as each database is listed, with how many are listed so far (a progress bar's total). */
  readonly onListed?: ((count: number) => void) | undefined;
}

export type StopReason = 'canary_failed' | 'max_failures';

export interface RolloutResult {
  /** One per database: in the order given for a list, by name for a stream. */
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

/**
 * A rollout's databases: a list, or a stream (a provider's listing, page by page) whose first
 * databases start syncing while later pages are still being fetched. A stream's results come back
 * sorted by name; its canary is the first K to arrive. A name listed twice fails the rollout as
 * soon as it arrives (shards and reports rely on unique names): nothing more is started, the
 * databases in hand finish (each apply is one transaction), and the rollout rejects.
 */
export type RolloutDatabases = readonly FleetDatabase[] | AsyncIterable<FleetDatabase>;

const notAttempted = (db: FleetDatabase, to: string): DatabaseResult => ({
  name: db.name,
  from: null,
  to,
  outcome: 'not_attempted',
  statements: 0,
  durationMs: 0,
});

const byName = (a: DatabaseResult, b: DatabaseResult): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export async function runRollout(source: RolloutDatabases, options: RolloutOptions): Promise<RolloutResult> {
  const streamed = !isList(source);
  // Every database as it arrives; a slot is emptied once its result is in (the report keeps only
  // the result, so nothing per database but its name and result outlives its sync).
  const listed: (FleetDatabase | null)[] = [];
  const results: (DatabaseResult | undefined)[] = [];
  const names = new Set<string>();
  const plans = new Map<string, Plan>();
  let listingDone = !streamed;
  /** What fails the rollout once the lanes have finished what they hold: a duplicate name, the listing, the callback. */
  let fatal: { readonly error: unknown } | null = null;
  let waiting: (() => void)[] = [];
  const wake = (): void => {
    const woken = waiting;
    waiting = [];
    for (const resolve of woken) resolve();
  };
  const admit = (db: FleetDatabase): void => {
    if (names.has(db.name)) throw new Error(`database name "${db.name}" is listed twice`);
    names.add(db.name);
    listed.push(db);
    options.onListed?.(listed.length);
  };
  if (isList(source)) for (const db of source) admit(db);
  else if (options.state !== undefined)
    throw new TypeError('a state file settles local files, which are listed in full before any is opened');

  const lanesWanted = Math.max(1, streamed ? options.concurrency : Math.min(options.concurrency, listed.length));
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
  // A state file is only given with a list (local files), never a stream.
  const settledEarly = listed.map((db) => (db === null ? null : settledByState(db)));
  const toSync = streamed ? Infinity : settledEarly.filter((result) => result === null).length;
  // Below WORKER_MIN databases starting workers costs more than it saves.
  const onWorkers = options.mode !== 'async' && toSync >= WORKER_MIN;
  const laneSet: LaneSet = onWorkers
    ? workerLanes(settings, lanesWanted, options.mode === 'processes' ? 'process' : 'thread')
    : asyncLanes(settings, lanesWanted);
  // Async lanes share one plan cache: the first database goes alone, so that when it is behind,
  // the plan it applies is the one the others try blind, in one request each, instead of every
  // lane taking the full path at once before any plan has been applied (see lib/plan-cache.ts).
  let pilotDone = (): void => undefined;
  const pilot = onWorkers ? null : new Promise<void>((resolve) => (pilotDone = resolve));
  let failures = 0;
  let plansComputed = 0;
  let stopped: StopReason | null = null;
  let next = 0;
  // The listing stays at most this far ahead of the lanes (a few pages): a database listed holds
  // its client configuration until it is started, so a listing read to its end at once would
  // hold the whole fleet's. Once the lanes are done (the end, or a stop) it reads on unthrottled.
  const ahead = Math.max(LISTED_AHEAD, 4 * laneSet.lanes.length);
  let throttled = true;
  let feedWaiting: (() => void) | null = null;
  const resumeFeed = (): void => {
    const resume = feedWaiting;
    feedWaiting = null;
    resume?.();
  };

  /** The next database's index below `to`, waiting for the listing when it has none yet; null when done. */
  const take = async (to: number): Promise<number | null> => {
    for (;;) {
      if (stopped !== null || fatal !== null || next >= to) return null;
      if (next < listed.length) {
        resumeFeed();
        return next++;
      }
      if (listingDone) return null;
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  /** The listing keeps going after a stop: databases it lists then are reported not_attempted. */
  const feed = async (stream: AsyncIterable<FleetDatabase>): Promise<void> => {
    try {
      for await (const db of stream) {
        if (fatal !== null) break;
        admit(db);
        wake();
        while (throttled && listed.length - next >= ahead)
          await new Promise<void>((resolve) => (feedWaiting = resolve));
      }
    } catch (error) {
      fatal ??= { error };
    } finally {
      listingDone = true;
      wake();
    }
  };

  const runPhase = async (to: number, stopOnAnyFailure: boolean): Promise<void> => {
    const lane = async (syncOn: Lane): Promise<void> => {
      for (let index = await take(to); index !== null; index = await take(to)) {
        if (index > 0 && pilot !== null) {
          await pilot;
          // Stopped meanwhile: this one stays not_attempted.
          if (stopped !== null || fatal !== null) break;
        }
        const db = listed[index] as FleetDatabase;
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
        if (index === 0) pilotDone();
        listed[index] = null;
        try {
          options.onResult?.(result);
        } catch (error) {
          // The caller's callback failed: stop dispatching, let the lanes finish what they hold,
          // close the workers, then fail the rollout with it.
          fatal ??= { error };
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

  const feeding = isList(source) ? Promise.resolve() : feed(source);
  try {
    const canary = options.canary ?? 0;
    if (canary > 0) await runPhase(canary, true);
    if (stopped === null && options.maxFailures !== undefined && failures >= options.maxFailures)
      stopped = 'max_failures';
    if (stopped === null) await runPhase(Infinity, false);
    throttled = false;
    resumeFeed();
    await feeding;
  } finally {
    await laneSet.close();
  }
  if (fatal !== null) throw (fatal as { readonly error: unknown }).error;
  // A slot still holding its database was never started.
  const all = listed.map((db, i): DatabaseResult => results[i] ?? notAttempted(db as FleetDatabase, options.to));
  return {
    results: streamed ? all.sort(byName) : all,
    stopped,
    plansComputed,
    plans,
    warnings: laneSet.problems(),
  };
}

function isList(source: RolloutDatabases): source is readonly FleetDatabase[] {
  return Array.isArray(source);
}
