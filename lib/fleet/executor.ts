/**
 * Lanes that sync one database at a time each. An embedded (file:) database runs its queries on
 * the calling thread, so async concurrency over files uses one core; thread lanes each own a
 * worker thread and use every core. Remote databases spend their time waiting on the network, so
 * async lanes on the main thread suffice there.
 */
import { Worker } from 'node:worker_threads';
import { createClient, type Client } from '@libsql/client';
import type { LoadedSchemaVersion } from '../../schema/registry.js';
import type { Plan } from '../diff.js';
import type { FleetDatabase } from './source.js';
import { checkOnly, PlanCache, syncOne, type DatabaseResult, type SyncTarget } from './sync-one.js';
import { registryEndingAt } from './target.js';

export interface LaneSettings {
  readonly versions: readonly LoadedSchemaVersion[];
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

function targetOf(settings: LaneSettings): SyncTarget {
  return {
    registry: registryEndingAt(settings.versions, settings.to),
    latest: settings.latest,
    allowDestructive: settings.allowDestructive,
    dryRun: settings.dryRun,
  };
}

function open(db: FleetDatabase, settings: LaneSettings): Client {
  return createClient({ url: db.url, timeout: settings.busyTimeoutMs, ...(db.authToken === undefined ? {} : { authToken: db.authToken }) });
}

/** The work of one lane, wherever it runs: open, sync, close. */
export function createSyncer(settings: LaneSettings): { run(db: FleetDatabase): Promise<LaneOutput>; cache: PlanCache } {
  const target = targetOf(settings);
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
    run: (db: FleetDatabase) => shared.run(db),
    // Counted once, on the first lane, so that summing over lanes gives the total.
    plansComputed: () => (i === 0 ? shared.cache.computed : 0),
    close: async () => undefined,
  }));
}

interface WorkerReply {
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

export function threadLane(settings: LaneSettings): Lane {
  let worker: Worker | null = null;
  let plans = 0;
  let pending: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void } | null = null;
  const start = (): Worker => {
    const made = spawnWorker(settings);
    made.on('message', (reply: WorkerReply) => { const p = pending; pending = null; p?.resolve(reply); });
    made.on('error', (error) => { const p = pending; pending = null; worker = null; p?.reject(error); });
    made.on('exit', (code) => {
      if (worker === made) worker = null;
      const p = pending; pending = null; p?.reject(new Error(`sync worker exited with code ${code}`));
    });
    return made;
  };
  return {
    async run(db) {
      worker ??= start();
      const current = worker;
      const reply = await new Promise<WorkerReply>((resolve, reject) => {
        pending = { resolve, reject };
        current.postMessage(db);
      });
      plans = reply.plans;
      if (reply.output === undefined) throw new Error(reply.error ?? 'sync worker sent no result');
      return reply.output;
    },
    plansComputed: () => plans,
    async close() {
      const current = worker;
      worker = null;
      if (current !== null) await current.terminate();
    },
  };
}

/**
 * Thread lanes that start their workers only when a database needs more than its version read:
 * until then the main thread reads version rows itself, so a rollout with nothing to do (a
 * re-run) never pays for starting threads. Once one database needs work, every lane hands its
 * databases to its worker.
 */
export function lazyThreadLanes(settings: LaneSettings, count: number): Lane[] {
  const target = targetOf(settings);
  let escalated = false;
  return Array.from({ length: count }, () => {
    const thread = threadLane(settings);
    return {
      async run(db: FleetDatabase): Promise<LaneOutput> {
        if (!escalated) {
          const client = open(db, settings);
          let settled: DatabaseResult | null;
          try {
            settled = await checkOnly(db.name, client, target);
          } finally {
            client.close();
          }
          if (settled !== null) return { result: settled };
          escalated = true;
        }
        return thread.run(db);
      },
      plansComputed: () => thread.plansComputed(),
      close: () => thread.close(),
    };
  });
}
