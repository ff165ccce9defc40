/**
 * Runs syncs of local (file:) databases on worker threads. @libsql/client runs an embedded
 * database's statements on the calling thread, so a migration that rebuilds a big table on the
 * service's event loop stalls every other request for as long as it runs (measured: /health
 * waited 1.1 s behind a 200,000-row rebuild). A thread keeps the loop free; the engine's guarded
 * audit row keeps a sync exactly-once across threads as it does across processes.
 *
 * Threads start on first use and stay up; `close()` waits for running syncs, then stops them.
 * The worker module is the caller's (it builds the engine's target, e.g. from the registry); it
 * answers `ready` with the versions it loaded, then one `WorkerReply` per `SyncJob`.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '@libsql/client';
import { SyncError, type SyncErrorCode, type SyncResult } from './sync.js';

/** A version the worker must have loaded exactly as the caller did. */
export interface LoadedVersion {
  readonly version: string;
  readonly checksum: string;
}

export interface SyncJob {
  readonly id: number;
  /** Only cloneable fields: url, timeout (a local database needs no token). */
  readonly client: Pick<Config, 'url' | 'timeout'>;
  readonly verify: boolean;
}

type WorkerError =
  | {
      readonly kind: 'sync';
      readonly code: SyncErrorCode;
      readonly message: string;
      readonly details: SyncError['details'];
    }
  | { readonly kind: 'other'; readonly message: string };

export type WorkerReply =
  | { readonly ready: readonly LoadedVersion[] }
  | { readonly id: number; readonly result: SyncResult }
  | { readonly id: number; readonly error: WorkerError };

export interface SyncExecutor {
  /** Syncs the database at `client.url` on a thread; rejects with SyncError as `syncDatabase` does. */
  sync(client: Pick<Config, 'url' | 'timeout'>, options: { verify: boolean }): Promise<SyncResult>;
  /** Threads started so far. */
  readonly threads: () => number;
  close(): Promise<void>;
}

/** Worker threads do not inherit `--import tsx`; under TypeScript the worker registers tsx first. */
function spawn(url: URL, data: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

interface Pending {
  readonly job: SyncJob;
  resolve(result: SyncResult): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  running: Pending | null;
}

function sameVersions(expected: readonly LoadedVersion[], loaded: readonly LoadedVersion[]): boolean {
  return (
    loaded.length === expected.length &&
    expected.every((version, i) => loaded[i]?.version === version.version && loaded[i]?.checksum === version.checksum)
  );
}

export interface SyncExecutorOptions {
  /** The worker module (see schema/sync-worker.ts). */
  readonly workerUrl: URL;
  readonly workerData: unknown;
  /** What the worker must report as loaded: the caller's registry, version by version. */
  readonly expectedVersions: readonly LoadedVersion[];
  readonly threads: number;
}

export function createSyncExecutor(options: SyncExecutorOptions): SyncExecutor {
  if (!Number.isInteger(options.threads) || options.threads < 1)
    throw new RangeError('sync threads must be a positive integer');
  const threads: Thread[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  function settle(pending: Pending, reply: Extract<WorkerReply, { id: number }>): void {
    if ('result' in reply) pending.resolve(reply.result);
    else if (reply.error.kind === 'sync')
      pending.reject(new SyncError(reply.error.code, reply.error.message, reply.error.details));
    else pending.reject(new Error(reply.error.message));
  }

  function start(): Thread {
    const thread: Thread = { worker: spawn(options.workerUrl, options.workerData), ready: false, running: null };
    const fail = (error: Error): void => {
      const at = threads.indexOf(thread);
      if (at >= 0) threads.splice(at, 1);
      const running = thread.running;
      thread.running = null;
      running?.reject(error);
      // Jobs waiting for a thread that never became ready would wait forever.
      if (!thread.ready) for (const pending of queue.splice(0)) pending.reject(error);
      dispatch();
    };
    thread.worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        if (!sameVersions(options.expectedVersions, reply.ready)) {
          fail(
            new Error(
              'the sync thread loaded a different schema registry than the service (SCHEMA_DIR changed while running?)',
            ),
          );
          void thread.worker.terminate();
          return;
        }
        thread.ready = true;
      } else if (thread.running !== null && thread.running.job.id === reply.id) {
        const pending = thread.running;
        thread.running = null;
        settle(pending, reply);
      }
      dispatch();
    });
    thread.worker.on('error', (error) => fail(error));
    thread.worker.on('exit', (code) => fail(new Error(`sync thread exited (code ${code})`)));
    threads.push(thread);
    return thread;
  }

  function dispatch(): void {
    while (queue.length > 0) {
      const idle = threads.find((thread) => thread.ready && thread.running === null);
      if (idle === undefined) {
        const busy = threads.length >= options.threads || threads.some((thread) => !thread.ready);
        if (busy) return;
        start();
        continue;
      }
      const pending = queue.shift() as Pending;
      idle.running = pending;
      idle.worker.postMessage(pending.job);
    }
  }

  return {
    sync(client, { verify }) {
      if (closed) return Promise.reject(new Error('the sync executor is closed'));
      return new Promise<SyncResult>((resolve, reject) => {
        queue.push({
          job: { id: nextId++, client: { url: client.url, timeout: client.timeout }, verify },
          resolve,
          reject,
        });
        dispatch();
      });
    },
    threads: () => threads.length,
    async close() {
      closed = true;
      // Running syncs finish (or roll back) on their own; only then are the threads stopped.
      while (queue.length > 0 || threads.some((thread) => thread.running !== null)) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(threads.splice(0).map((thread) => thread.worker.terminate()));
    },
  };
}
