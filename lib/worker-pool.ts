/**
 * A pool of workers, threads or child processes, serving requests by id. The one pool behind the
 * service's off-loop syncs and sync-all's worker lanes: workers start on first use (or `start()`),
 * a worker that dies is replaced up to MAX_STARTS starts and then given up, replies are matched to
 * requests by id, and `close()` waits for the requests in flight before it stops the workers.
 *
 * Why both kinds: @libsql/client runs an embedded database's statements on the calling thread, so
 * a thread keeps the service's event loop free; but inside one process SQLite's global mutexes
 * (memory accounting, the unix VFS's open-file list) serialise the many small calls a migration
 * makes, so a fleet rollout scales with processes, not threads (measured in bench/fleet).
 *
 * The worker side is lib/worker-host.ts: it receives `init` (as workerData, or as a process's first
 * message), answers 'ready', then one reply per request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export type WorkerKind = 'process' | 'thread';

/** What crosses from the pool to a worker. */
export type HostRequest<Init, Request> = { readonly init: Init } | { readonly id: number; readonly request: Request };

/** What crosses back: 'ready' once loaded, then one reply per request. */
export type HostReply<Reply> =
  'ready' | { readonly id: number; readonly reply: Reply } | { readonly id: number; readonly error: string };

export interface WorkerPoolOptions<Init> {
  /** What the workers are called in messages, e.g. `sync worker`. */
  readonly name: string;
  readonly kind: WorkerKind;
  /** The worker module (it calls lib/worker-host.ts's `hostWorker`). */
  readonly module: URL;
  /** Structured-cloneable data every worker starts with. */
  readonly init: Init;
  readonly size: number;
  /** Requests one worker holds at once: the one it runs plus those queued in it, so it never waits on us. */
  readonly pipeline?: number;
}

export interface WorkerPool<Request, Reply> {
  /** Runs `request` on the first worker with room; rejects when its worker dies with it, or every worker was given up. */
  run(request: Request): Promise<Reply>;
  /** Starts every worker now instead of on first use. */
  start(): void;
  /** Workers loaded and taking requests. */
  readyWorkers(): number;
  /** Workers started so far (replacements included). */
  started(): number;
  /** What went wrong with workers that were given up or never came up, for the operator. */
  problems(): string[];
  /** Waits for the requests in flight (queued ones included), then stops the workers. */
  close(): Promise<void>;
}

/** Starts per worker slot, the first included: a worker that keeps dying (or cannot start) is given up. */
const MAX_STARTS = 3;

/** A started worker: requests go in, replies and the end come out. */
interface Channel<Init, Request> {
  send(message: HostRequest<Init, Request>): void;
  stop(): Promise<void>;
}

interface ChannelEvents<Reply> {
  message(reply: HostReply<Reply>): void;
  /** The worker died or could not start; every request in flight is lost. */
  ended(error: Error): void;
}

/**
 * Worker threads do not inherit the loader hooks of `node --import tsx`; when the module is
 * TypeScript, the thread registers tsx itself before importing it.
 */
function startThread<Init, Request, Reply>(
  name: string,
  module: URL,
  init: Init,
  events: ChannelEvents<Reply>,
): Channel<Init, Request> {
  let worker: Worker;
  if (module.pathname.endsWith('.ts')) {
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); })`;
    worker = new Worker(boot, { eval: true, workerData: init });
  } else {
    worker = new Worker(module, { workerData: init });
  }
  worker.on('message', (reply: HostReply<Reply>) => events.message(reply));
  worker.on('error', (error) => events.ended(error));
  worker.on('exit', (code) => events.ended(new Error(`${name} thread exited with code ${code}`)));
  return {
    send: (message) => worker.postMessage(message),
    stop: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Flags a child inherits from this process (`--import tsx` under TypeScript), minus debugger
 * flags, whose port only one process can hold. `--expose-gc` lets the child collect closed
 * connections (see lib/worker-host.ts).
 */
function childExecArgv(): string[] {
  return [...process.execArgv.filter((flag) => !/^--inspect/.test(flag)), '--expose-gc'];
}

/** A child process keeps stdout to itself and shares stderr; it exits when this process goes away. */
function startProcess<Init, Request, Reply>(
  name: string,
  module: URL,
  init: Init,
  events: ChannelEvents<Reply>,
): Channel<Init, Request> {
  const child: ChildProcess = fork(fileURLToPath(module), [], {
    execArgv: childExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let exited = false;
  child.on('message', (reply: HostReply<Reply>) => events.message(reply));
  // A send to a process that just died fails here, possibly before its exit is seen.
  child.on('error', (error) => events.ended(new Error(`${name} process is gone (${error.message})`)));
  child.on('exit', (code, signal) => {
    exited = true;
    events.ended(new Error(`${name} process exited (${signal ?? `code ${code}`})`));
  });
  // A spawn that failed at once (EMFILE, ENFILE…) leaves no IPC channel; its 'error' follows.
  if (typeof child.send !== 'function') throw new Error(`could not start a ${name} process (no IPC channel)`);
  child.send({ init } satisfies HostRequest<Init, Request>);
  return {
    send: (message) => {
      child.send(message);
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await gone;
    },
  };
}

interface Pending<Request, Reply> {
  readonly id: number;
  readonly request: Request;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** One worker slot: the worker running in it now (if any), and its history. */
class Slot<Init, Request, Reply> {
  channel: Channel<Init, Request> | null = null;
  ready = false;
  starts = 0;
  everReady = false;
  gaveUp = false;
  lastError: Error | null = null;
  readonly inFlight = new Map<number, Pending<Request, Reply>>();
}

export function createWorkerPool<Init, Request, Reply>(options: WorkerPoolOptions<Init>): WorkerPool<Request, Reply> {
  if (!Number.isInteger(options.size) || options.size < 1)
    throw new RangeError('a worker pool needs at least one worker');
  const pipeline = options.pipeline ?? 1;
  const slots = Array.from({ length: options.size }, () => new Slot<Init, Request, Reply>());
  const queue: Pending<Request, Reply>[] = [];
  let nextId = 0;
  let started = 0;
  let accepting = true;
  let closed = false;
  let drained: (() => void) | null = null;

  const busy = (): boolean => queue.length > 0 || slots.some((slot) => slot.inFlight.size > 0);
  const alive = (slot: Slot<Init, Request, Reply>): boolean => !slot.gaveUp;

  function ended(slot: Slot<Init, Request, Reply>, error: Error): void {
    slot.channel = null;
    slot.ready = false;
    slot.lastError = error;
    if (slot.starts >= MAX_STARTS) slot.gaveUp = true;
    for (const pending of slot.inFlight.values()) pending.reject(error);
    slot.inFlight.clear();
    // Requests waiting for workers that will never come would wait forever.
    if (!slots.some(alive)) for (const pending of queue.splice(0)) pending.reject(error);
    dispatch();
  }

  function startSlot(slot: Slot<Init, Request, Reply>): void {
    if (slot.channel !== null || slot.gaveUp || closed) return;
    slot.starts++;
    started++;
    let made: Channel<Init, Request> | null = null;
    const events: ChannelEvents<Reply> = {
      message: (reply) => {
        if (made === null || slot.channel !== made) return;
        if (reply === 'ready') {
          slot.ready = true;
          slot.everReady = true;
        } else {
          const pending = slot.inFlight.get(reply.id);
          slot.inFlight.delete(reply.id);
          if ('reply' in reply) pending?.resolve(reply.reply);
          else pending?.reject(new Error(reply.error));
        }
        dispatch();
      },
      // Once per worker: a dead process reports both its failed send and its exit.
      ended: (error) => {
        if (made !== null && slot.channel === made) ended(slot, error);
      },
    };
    try {
      made =
        options.kind === 'process'
          ? startProcess<Init, Request, Reply>(options.name, options.module, options.init, events)
          : startThread<Init, Request, Reply>(options.name, options.module, options.init, events);
      slot.channel = made;
    } catch (error) {
      // fork() and new Worker() throw for some failures (ENOMEM, a closed IPC channel…).
      ended(slot, error instanceof Error ? error : new Error(String(error)));
    }
  }

  function dispatch(): void {
    while (queue.length > 0) {
      const slot = slots.find((candidate) => candidate.ready && candidate.inFlight.size < pipeline);
      if (slot === undefined || slot.channel === null) {
        // Start one more worker only when every running one is full and none is still loading.
        const idle = slots.find((candidate) => candidate.channel === null && !candidate.gaveUp);
        const loading = slots.some((candidate) => candidate.channel !== null && !candidate.ready);
        if (idle !== undefined && !loading) {
          startSlot(idle);
          continue;
        }
        break;
      }
      const pending = queue.shift() as Pending<Request, Reply>;
      slot.inFlight.set(pending.id, pending);
      try {
        slot.channel.send({ id: pending.id, request: pending.request });
      } catch (error) {
        // The worker is gone (a closed IPC channel): what it held goes back to the caller.
        ended(slot, error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    if (drained !== null && !busy()) drained();
  }

  return {
    run(request) {
      if (!accepting) return Promise.reject(new Error('the worker pool is closed'));
      if (!slots.some(alive)) return Promise.reject(slots[0]?.lastError ?? new Error('every worker was given up'));
      return new Promise<Reply>((resolve, reject) => {
        queue.push({ id: nextId++, request, resolve, reject });
        dispatch();
      });
    },
    start() {
      for (const slot of slots) startSlot(slot);
    },
    readyWorkers: () => slots.filter((slot) => slot.ready).length,
    started: () => started,
    problems() {
      return slots.flatMap((slot) => {
        const why = slot.lastError?.message ?? 'it stopped';
        if (slot.gaveUp)
          return [`a ${options.name} ${options.kind} was given up after ${slot.starts} start(s): ${why}`];
        if (!slot.everReady && slot.lastError !== null) {
          return [`a ${options.name} ${options.kind} failed to start (${slot.starts} time(s)): ${why}`];
        }
        return [];
      });
    },
    async close() {
      accepting = false;
      // Requests in flight finish (or roll back) on their own; only then are the workers stopped.
      if (busy()) await new Promise<void>((resolve) => (drained = resolve));
      closed = true;
      await Promise.all(
        slots.map(async (slot) => {
          const channel = slot.channel;
          slot.channel = null;
          slot.ready = false;
          if (channel !== null) await channel.stop();
        }),
      );
    },
  };
}
