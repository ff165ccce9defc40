/**
 * Where a rollout's databases are synced: lanes that sync one database at a time each. An
 * embedded (file:) database runs its queries on the calling thread, so async concurrency over files
 * uses one core; worker lanes feed a pool of workers (child processes by default, or threads; see
 * lib/worker-pool.ts) and use every core. Remote databases spend their time waiting on the network,
 * so async lanes on the main thread suffice.
 */
import { readVersionState } from '../audit.js';
import type { Plan } from '../plan/steps.js';
import { settleByVersion } from '../sync.js';
import {
  createSyncJobs,
  fileToRemember,
  openDatabase,
  type SyncJob,
  type SyncJobResult,
  type SyncJobSettings,
} from '../sync-job.js';
import { createWorkerPool, type WorkerKind } from '../worker-pool.js';
import { elapsedSince } from '../duration.js';
import { readKnownState, type KnownState } from './file-state.js';
import type { FleetDatabase } from './source.js';
import { fleetResult, type DatabaseResult } from './sync-one.js';

export type LaneSettings = Omit<SyncJobSettings, 'sharePlans'>;

export interface LaneOutput {
  readonly result: DatabaseResult;
  /** The plan this database's lane made (a dry run lists each distinct plan). */
  readonly newPlan?: Plan;
  /** The database's audit row and file identity after the sync (see file-state.ts). */
  readonly known?: KnownState;
}

export type Lane = (db: FleetDatabase) => Promise<LaneOutput>;

export interface LaneSet {
  readonly lanes: readonly Lane[];
  /** What went wrong with the workers, when their databases had to run elsewhere. */
  problems(): string[];
  close(): Promise<void>;
}

/**
 * A job's result as a lane's output, wherever the job ran: a worker replies with this (see
 * lane-worker.ts), so a plan crosses back only with the job that made it, not with every database.
 */
export function laneOutput(db: FleetDatabase, to: string, job: SyncJobResult): LaneOutput {
  if ('thrown' in job) {
    return {
      result: { name: db.name, from: null, to, outcome: 'failed', statements: 0, durationMs: 0, error: job.thrown },
    };
  }
  return {
    result: fleetResult(db.name, to, job.outcome),
    ...(job.planMade && 'plan' in job.outcome ? { newPlan: job.outcome.plan } : {}),
    ...(job.known === undefined ? {} : { known: job.known }),
  };
}

/**
 * An embedded database's calls complete synchronously, so a lane on the main thread would chain
 * promise callbacks without ever returning to the event loop: worker messages, timers (the progress
 * bar) and pipe writes would wait for the end. Lanes on the main thread yield after each database.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const jobSettings = (settings: LaneSettings): SyncJobSettings => ({ ...settings, sharePlans: true });

/** The worker module of worker lanes (lane-worker.ts, or its built .js). */
const LANE_WORKER_MODULE = new URL(`./lane-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Async lanes on this thread share one set of jobs, hence one plan cache. */
export function asyncLanes(settings: LaneSettings, count: number): LaneSet {
  const jobs = createSyncJobs(jobSettings(settings));
  const lane: Lane = async (db) => {
    const output = laneOutput(db, settings.to, await jobs.run({ db }));
    await yieldToEventLoop();
    return output;
  };
  return { lanes: Array.from({ length: count }, () => lane), problems: () => [], close: async () => undefined };
}

/** Requests each worker holds: the one it runs plus one waiting, so it never waits on the main thread. */
const PIPELINE = 2;

/**
 * Worker lanes that cost nothing until needed. Until one database needs more than its version
 * read, the main thread reads version rows itself, so a rollout with nothing to do (a re-run)
 * never starts a worker. The first database that needs work starts every worker; lanes keep
 * syncing on the main thread until a worker has loaded, then hand their databases to the pool.
 * A worker that keeps dying is given up (see lib/worker-pool.ts): its share stays on this thread.
 */
export function workerLanes(settings: LaneSettings, count: number, kind: WorkerKind): LaneSet {
  const init = jobSettings(settings);
  const pool = createWorkerPool<SyncJobSettings, SyncJob, LaneOutput>({
    name: 'sync worker',
    kind,
    module: LANE_WORKER_MODULE,
    init,
    size: count,
    pipeline: PIPELINE,
  });
  const main = createSyncJobs(init);
  let escalated = false;

  /** The output for `db` when its version row alone settles it, or null when it needs a sync. */
  async function settledOnMainThread(db: FleetDatabase): Promise<LaneOutput | null> {
    const started = performance.now();
    const file = fileToRemember(db, settings);
    const client = await openDatabase(db, settings.busyTimeoutMs);
    try {
      const {
        state: { recorded },
        known,
      } =
        file === null
          ? { state: await readVersionState(client), known: null }
          : await readKnownState(client, file.path, file.opened);
      const settled = settleByVersion(main.target, recorded, { durationMs: elapsedSince(started), racesLost: 0 });
      return settled === null
        ? null
        : { result: fleetResult(db.name, settings.to, settled), ...(known === null ? {} : { known }) };
    } finally {
      client.close();
    }
  }

  const lane: Lane = async (db) => {
    if (!escalated) {
      const settled = await settledOnMainThread(db);
      await yieldToEventLoop();
      if (settled !== null) return settled;
      escalated = true;
      pool.start();
    }
    if (pool.readyWorkers() > 0) return pool.run({ db });
    // Loading, or replacing one that died: the main thread syncs meanwhile.
    const output = laneOutput(db, settings.to, await main.run({ db }));
    await yieldToEventLoop();
    return output;
  };
  return {
    lanes: Array.from({ length: count * PIPELINE }, () => lane),
    problems: () => pool.problems().map((problem) => `${problem}; its databases ran on the main thread`),
    close: () => pool.close(),
  };
}
