/**
 * Lanes that sync one database at a time each. An embedded (file:) database runs its queries on
 * the calling thread, so async concurrency over files uses one core; worker lanes each feed a
 * worker of their own (a child process by default, or a thread) and use every core. Remote
 * databases spend their time waiting on the network, so async lanes on the main thread suffice.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Client } from '@libsql/client';
import { openClient } from '../libsql.js';
import type { SchemaVersion } from '../target.js';
import type { Plan } from '../plan/planner.js';
import type { FleetDatabase } from './source.js';
import { readVersionState } from '../audit.js';
import { PlanCache, settledResult, syncOne, type DatabaseResult, type SyncTarget } from './sync-one.js';
import { targetFromVersions } from './target.js';
import { fileAt, localPathOf, readKnownState, type FileAt, type KnownState } from './file-state.js';

export interface LaneSettings {
  readonly versions: readonly SchemaVersion[];
  readonly to: string;
  readonly latest: string;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly busyTimeoutMs: number;
  /** Read each local file's identity with its audit row after the sync, for the state file. */
  readonly rememberFiles: boolean;
}

export interface LaneOutput {
  readonly result: DatabaseResult;
  /** Set when this lane planned `result.planKey` for the first time (dry runs list the plans). */
  readonly newPlan?: Plan;
  /** The database's audit row and file identity after the sync (see file-state.ts). */
  readonly known?: KnownState;
}

export interface Lane {
  run(db: FleetDatabase): Promise<LaneOutput>;
  /** Plans this lane computed. */
  plansComputed(): number;
  /** What went wrong with this lane's worker, when its databases had to run elsewhere. */
  problem(): string | null;
  close(): Promise<void>;
}

export function rolloutTarget(settings: LaneSettings, beforeApply?: () => void): SyncTarget {
  return {
    engine: targetFromVersions(settings.versions, settings.to),
    latest: settings.latest,
    allowDestructive: settings.allowDestructive,
    dryRun: settings.dryRun,
    ...(beforeApply === undefined ? {} : { beforeApply }),
  };
}

function open(db: FleetDatabase, settings: LaneSettings): Promise<Client> {
  if (db.config !== undefined) return openClient(db.config);
  return openClient({
    url: db.url,
    timeout: settings.busyTimeoutMs,
    ...(db.authToken === undefined ? {} : { authToken: db.authToken }),
  });
}

/**
 * An embedded database's calls complete synchronously, so a lane on the main thread would chain
 * promise callbacks without ever returning to the event loop: worker messages, timers (the progress
 * bar) and pipe writes would wait for the end. Lanes on the main thread yield after each database.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The file whose state this sync should remember, and what its path named right before the client
 * opens it (see readKnownState); null when nothing is remembered (remote, dry run, no state file).
 */
function fileToRemember(
  db: FleetDatabase,
  settings: LaneSettings,
): { readonly path: string; readonly opened: FileAt } | null {
  const path = settings.rememberFiles && !settings.dryRun ? localPathOf(db.url) : null;
  const opened = path === null ? null : fileAt(path);
  return path === null || opened === null ? null : { path, opened };
}

/** Outcomes after which the database is at a version worth remembering. */
const SETTLED_OUTCOMES: ReadonlySet<DatabaseResult['outcome']> = new Set([
  'applied',
  'up_to_date',
  'beyond_target',
  'ahead',
]);

/** The work of one lane, wherever it runs: open, sync, close. */
export function createSyncer(
  settings: LaneSettings,
  beforeApply?: () => void,
): { run(db: FleetDatabase): Promise<LaneOutput>; cache: PlanCache } {
  const target = rolloutTarget(settings, beforeApply);
  const cache = new PlanCache();
  const seen = new Set<string>();
  return {
    cache,
    async run(db) {
      const file = fileToRemember(db, settings);
      const client = await open(db, settings);
      try {
        const before = cache.computed;
        const result = await syncOne(db.name, client, target, cache);
        // Best effort: a database the state file cannot vouch for is only read again next time.
        const known =
          file === null || !SETTLED_OUTCOMES.has(result.outcome)
            ? null
            : await readKnownState(client, file.path, file.opened).then(
                (read) => read.known,
                () => null,
              );
        const newPlan =
          cache.computed > before && result.planKey !== undefined && !seen.has(result.planKey)
            ? cache.get(result.planKey, () => {
                throw new Error('plan vanished from the cache');
              })
            : undefined;
        if (newPlan !== undefined && result.planKey !== undefined) seen.add(result.planKey);
        return { result, ...(newPlan === undefined ? {} : { newPlan }), ...(known === null ? {} : { known }) };
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
    problem: () => null,
    close: async () => undefined,
  }));
}

interface WorkerReply {
  readonly id: number;
  readonly output?: LaneOutput;
  readonly plans: number;
  readonly error?: string;
}

/** What a lane's worker receives: the settings once (child processes only), then databases. */
export type WorkerRequest = { readonly settings: LaneSettings } | { readonly id: number; readonly db: FleetDatabase };

/** The worker's module sits beside this one, with this module's extension (.ts under tsx, .js built). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./worker${ext}`, import.meta.url);
}

/** A started worker, thread or process: requests go in, replies and the end come out. */
interface WorkerChannel {
  send(request: WorkerRequest): void;
  stop(): Promise<void>;
}

interface ChannelEvents {
  message(reply: WorkerReply | 'ready'): void;
  /** The worker died or could not start; every request in flight is lost. */
  ended(error: Error): void;
}

/**
 * Worker threads do not inherit the loader hooks of `node --import tsx`; when this module runs as
 * TypeScript, the worker registers tsx itself before importing its module.
 */
function startThread(settings: LaneSettings, events: ChannelEvents): WorkerChannel {
  const url = workerUrl();
  let worker: Worker;
  if (url.pathname.endsWith('.ts')) {
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
    worker = new Worker(boot, { eval: true, workerData: settings });
  } else {
    worker = new Worker(url, { workerData: settings });
  }
  worker.on('message', events.message);
  worker.on('error', events.ended);
  worker.on('exit', (code) => events.ended(new Error(`sync worker exited with code ${code}`)));
  return {
    send: (request) => worker.postMessage(request),
    stop: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Flags a child inherits from this process (`--import tsx` under TypeScript), minus debugger
 * flags, whose port only one process can hold. `--expose-gc` lets the child collect closed
 * connections (see lib/fleet/worker.ts).
 */
function childExecArgv(): string[] {
  return [...process.execArgv.filter((flag) => !/^--inspect/.test(flag)), '--expose-gc'];
}

/**
 * A child process: its SQLite is its own. In one process, SQLite's global mutexes (memory
 * accounting, the unix VFS's open-file list) serialise the many small calls a migration makes, so
 * a second worker thread adds CPU time but no speed (measured in bench/fleet). The child keeps
 * stdout to itself and shares stderr; it exits when this process goes away (see worker.ts).
 */
function startProcess(settings: LaneSettings, events: ChannelEvents): WorkerChannel {
  const child: ChildProcess = fork(fileURLToPath(workerUrl()), [], {
    execArgv: childExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let exited = false;
  child.on('message', (reply: WorkerReply | 'ready') => events.message(reply));
  // A send to a process that just died fails here, possibly before its exit is seen.
  child.on('error', (error) => events.ended(new Error(`sync worker process is gone (${error.message})`)));
  child.on('exit', (code, signal) => {
    exited = true;
    events.ended(new Error(`sync worker process exited (${signal ?? `code ${code}`})`));
  });
  // A spawn that failed at once (EMFILE, ENFILE…) leaves no IPC channel; its 'error' follows.
  if (typeof child.send !== 'function') throw new Error('could not start a sync worker process (no IPC channel)');
  child.send({ settings } satisfies WorkerRequest);
  return {
    send: (request) => {
      child.send(request);
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await gone;
    },
  };
}

export type WorkerKind = 'process' | 'thread';

/** Starts per worker, the first included: a worker that keeps dying (or cannot start) is given up. */
const MAX_STARTS = 3;

/**
 * One worker, started on first use, serving requests by id so that several lanes can keep it busy:
 * while it syncs one database the next is already queued, and it never waits on the main thread
 * between two. A worker that dies is replaced when next needed, up to MAX_STARTS starts; after that
 * its lanes stay on the main thread, and `problem()` says why.
 */
class WorkerHandle {
  #channel: WorkerChannel | null = null;
  #nextId = 0;
  #starts = 0;
  #closed = false;
  #lastError: Error | null = null;
  #gaveUp = false;
  #everReady = false;
  /** Whether the worker has loaded its modules and takes work. */
  ready = false;
  readonly #pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  /** Plans made by workers that have ended, and by the current one. */
  #plansEnded = 0;
  #plansNow = 0;

  constructor(
    private readonly settings: LaneSettings,
    private readonly kind: WorkerKind,
  ) {}

  get plans(): number {
    return this.#plansEnded + this.#plansNow;
  }

  #ended(error: Error): void {
    this.#channel = null;
    this.ready = false;
    this.#lastError = error;
    if (this.#starts >= MAX_STARTS) this.#gaveUp = true;
    this.#plansEnded += this.#plansNow;
    this.#plansNow = 0;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  /** Starts the worker unless it runs, was closed, or was given up. */
  start(): void {
    if (this.#channel !== null || this.#closed || this.#gaveUp) return;
    this.#starts++;
    let made: WorkerChannel | null = null;
    const events: ChannelEvents = {
      message: (reply) => {
        if (made === null || this.#channel !== made) return;
        if (reply === 'ready') {
          this.ready = true;
          this.#everReady = true;
          return;
        }
        const waiter = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        waiter?.resolve(reply);
      },
      // Once per worker: a dead process reports both its failed send and its exit.
      ended: (error) => {
        if (made !== null && this.#channel === made) this.#ended(error);
      },
    };
    try {
      made = this.kind === 'process' ? startProcess(this.settings, events) : startThread(this.settings, events);
      this.#channel = made;
    } catch (error) {
      // fork() and new Worker() throw for some failures (ENOMEM, a closed IPC channel…).
      this.#lastError = error instanceof Error ? error : new Error(String(error));
      if (this.#starts >= MAX_STARTS) this.#gaveUp = true;
    }
  }

  /** Why this worker's lanes ran on the main thread: it was given up, or it never came up. */
  problem(): string | null {
    const why = this.#lastError?.message ?? 'it stopped';
    if (this.#gaveUp)
      return `a sync worker ${this.kind} was given up after ${this.#starts} start(s): ${why}; its databases ran on the main thread`;
    if (!this.#everReady && this.#lastError !== null) {
      return `a sync worker ${this.kind} failed to start (${this.#starts} time(s)): ${why}; its databases ran on the main thread`;
    }
    return null;
  }

  async run(db: FleetDatabase): Promise<LaneOutput> {
    const channel = this.#channel;
    if (channel === null || !this.ready) throw new Error('sync worker is not running');
    const id = this.#nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      channel.send({ id, db });
    });
    this.#plansNow = reply.plans;
    if (reply.output === undefined) throw new Error(reply.error ?? 'sync worker sent no result');
    return reply.output;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const channel = this.#channel;
    this.#channel = null;
    this.ready = false;
    if (channel !== null) await channel.stop();
  }
}

/** Requests each worker has queued: the one it runs plus one waiting. */
const PIPELINE = 2;

/**
 * Worker lanes that cost nothing until needed. Until one database needs more than its version
 * read, the main thread reads version rows itself, so a rollout with nothing to do (a re-run)
 * never starts a worker. The first database that needs work starts every worker; each lane keeps
 * syncing on the main thread until its worker has loaded, then hands its databases to it.
 */
export function workerLanes(settings: LaneSettings, count: number, kind: WorkerKind): Lane[] {
  const target = rolloutTarget(settings);
  const workers = Array.from({ length: count }, () => new WorkerHandle(settings, kind));
  const main = createSyncer(settings);
  let escalated = false;
  return Array.from({ length: count * PIPELINE }, (_, i): Lane => {
    const worker = workers[i % count] as WorkerHandle;
    return {
      async run(db) {
        if (!escalated) {
          const started = performance.now();
          const file = fileToRemember(db, settings);
          const client = await open(db, settings);
          let settled: LaneOutput | null;
          try {
            const {
              state: { recorded },
              known,
            } =
              file === null
                ? { state: await readVersionState(client), known: null }
                : await readKnownState(client, file.path, file.opened);
            const result = settledResult(db.name, recorded, target, performance.now() - started);
            settled = result === null ? null : { result, ...(known === null ? {} : { known }) };
          } finally {
            client.close();
          }
          await yieldToEventLoop();
          if (settled !== null) return settled;
          escalated = true;
          for (const handle of workers) handle.start();
        }
        if (worker.ready) return worker.run(db);
        // Loading, or replacing one that died: the main thread syncs meanwhile.
        worker.start();
        const output = await main.run(db);
        await yieldToEventLoop();
        return output;
      },
      // Each worker counted once, on its first lane; the main thread's plans on lane 0.
      plansComputed: () => (i < count ? worker.plans : 0) + (i === 0 ? main.cache.computed : 0),
      problem: () => (i < count ? worker.problem() : null),
      close: () => worker.close(),
    };
  });
}
