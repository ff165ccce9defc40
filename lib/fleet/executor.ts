/**
 * Lanes that sync one database at a time each. An embedded (file:) database runs its queries on
 * the calling thread, so async concurrency over files uses one core; thread lanes each own a
 * worker thread and use every core. Remote databases spend their time waiting on the network, so
 * async lanes on the main thread suffice there.
 */
import { Worker } from 'node:worker_threads';
import { createClient, type Client } from '@libsql/client';
import type { SchemaVersion } from '../target.js';
import type { Plan } from '../diff.js';
import type { FleetDatabase } from './source.js';
import { readVersionState } from '../audit.js';
import { PlanCache, settledByVersion, syncOne, type DatabaseResult, type SyncTarget } from './sync-one.js';
import { targetFromVersions } from './target.js';

export interface LaneSettings {
  readonly versions: readonly SchemaVersion[];
  readonly to: string;
  readonly latest: string;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly busyTimeoutMs: number;
}

export interface LaneOutput {
  readonly result: DatabaseResult;
  /** Set when this lane planned `result.planKey` for the first time (dry runs list the plans). */
  readonly newPlan?: Plan;
}

export interface Lane {
  run(db: FleetDatabase): Promise<LaneOutput>;
  /** Plans this lane computed. */
  plansComputed(): number;
  close(): Promise<void>;
}

function rolloutTarget(settings: LaneSettings): SyncTarget {
  return {
    engine: targetFromVersions(settings.versions, settings.to),
    latest: settings.latest,
    allowDestructive: settings.allowDestructive,
    dryRun: settings.dryRun,
  };
}

function open(db: FleetDatabase, settings: LaneSettings): Client {
  if (db.config !== undefined) return createClient(db.config);
  return createClient({ url: db.url, timeout: settings.busyTimeoutMs, ...(db.authToken === undefined ? {} : { authToken: db.authToken }) });
}

/**
 * An embedded database's calls complete synchronously, so a lane on the main thread would chain
 * promise callbacks without ever returning to the event loop: worker messages, timers (the progress
 * bar) and pipe writes would wait for the end. Lanes on the main thread yield after each database.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The work of one lane, wherever it runs: open, sync, close. */
export function createSyncer(settings: LaneSettings): { run(db: FleetDatabase): Promise<LaneOutput>; cache: PlanCache } {
  const target = rolloutTarget(settings);
  const cache = new PlanCache();
  const seen = new Set<string>();
  return {
    cache,
    async run(db) {
      const client = open(db, settings);
      try {
        const before = cache.computed;
        const result = await syncOne(db.name, client, target, cache);
        if (cache.computed > before && result.planKey !== undefined && !seen.has(result.planKey)) {
          seen.add(result.planKey);
          return { result, newPlan: cache.get(result.planKey, () => { throw new Error('plan vanished from the cache'); }) };
        }
        return { result };
      } finally {
        client.close();
      }
    },
  };
}

/** Async lanes on this thread share one syncer, hence one plan cache. */
export function asyncLanes(settings: LaneSettings, count: number): Lane[] {
  const shared = createSyncer(settings);
  return Array.from({ length: count }, (_, i) => ({
    run: async (db: FleetDatabase) => {
      const output = await shared.run(db);
      await yieldToEventLoop();
      return output;
    },
    // Counted once, on the first lane, so that summing over lanes gives the total.
    plansComputed: () => (i === 0 ? shared.cache.computed : 0),
    close: async () => undefined,
  }));
}

interface WorkerReply {
  readonly id: number;
  readonly output?: LaneOutput;
  readonly plans: number;
  readonly error?: string;
}

/** The worker's module sits beside this one, with this module's extension (.ts under tsx, .js built). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./worker${ext}`, import.meta.url);
}

/**
 * Worker threads do not inherit the loader hooks of `node --import tsx`; when this module runs as
 * TypeScript, the worker registers tsx itself before importing its module.
 */
function spawnWorker(settings: LaneSettings): Worker {
  const url = workerUrl();
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: settings });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: settings });
}

/**
 * One worker thread, started on first use, serving requests by id so that several lanes can keep
 * it busy: while it syncs one database the next is already queued, and it never waits on the main
 * thread between two.
 */
class WorkerHandle {
  #worker: Worker | null = null;
  #nextId = 0;
  /** Whether the thread has loaded its modules and takes work. */
  ready = false;
  readonly #pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  plans = 0;

  constructor(private readonly settings: LaneSettings) {}

  #start(): Worker {
    const made = spawnWorker(this.settings);
    const failAll = (error: Error): void => {
      if (this.#worker === made) this.#worker = null;
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
    };
    made.on('message', (reply: WorkerReply | 'ready') => {
      if (reply === 'ready') {
        this.ready = true;
        return;
      }
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    made.on('error', failAll);
    made.on('exit', (code) => failAll(new Error(`sync worker exited with code ${code}`)));
    return made;
  }

  start(): void {
    this.#worker ??= this.#start();
  }

  async run(db: FleetDatabase): Promise<LaneOutput> {
    this.#worker ??= this.#start();
    const worker = this.#worker;
    const id = this.#nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, db });
    });
    this.plans = reply.plans;
    if (reply.output === undefined) throw new Error(reply.error ?? 'sync worker sent no result');
    return reply.output;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await worker.terminate();
  }
}

/** Requests each worker has queued: the one it runs plus one waiting. */
const PIPELINE = 2;

/**
 * Worker-thread lanes that cost nothing until needed. Until one database needs more than its
 * version read, the main thread reads version rows itself, so a rollout with nothing to do (a
 * re-run) never starts a thread. The first database that needs work starts every worker; each
 * lane keeps syncing on the main thread until its worker has loaded, then hands its databases to it.
 */
export function threadLanes(settings: LaneSettings, threads: number): Lane[] {
  const target = rolloutTarget(settings);
  const workers = Array.from({ length: threads }, () => new WorkerHandle(settings));
  const main = createSyncer(settings);
  let escalated = false;
  return Array.from({ length: threads * PIPELINE }, (_, i): Lane => {
    const worker = workers[i % threads] as WorkerHandle;
    return {
      async run(db) {
        if (!escalated) {
          const client = open(db, settings);
          let settled: DatabaseResult | null;
          try {
            const started = performance.now();
            const { recorded } = await readVersionState(client);
            const outcome = settledByVersion(recorded, target);
            settled = outcome === null ? null : {
              name: db.name, from: recorded?.version ?? null, to: settings.to,
              durationMs: Math.round((performance.now() - started) * 100) / 100, ...outcome,
            };
          } finally {
            client.close();
          }
          await yieldToEventLoop();
          if (settled !== null) return { result: settled };
          escalated = true;
          for (const handle of workers) handle.start();
        }
        if (worker.ready) return worker.run(db);
        const output = await main.run(db);
        await yieldToEventLoop();
        return output;
      },
      // Each worker counted once, on its first lane; the main thread's plans on lane 0.
      plansComputed: () => (i < threads ? worker.plans : 0) + (i === 0 ? main.cache.computed : 0),
      close: () => worker.close(),
    };
  });
}
