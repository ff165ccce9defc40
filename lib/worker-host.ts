/**
 * The worker side of lib/worker-pool.ts, for a thread or a child process alike: takes `init`,
 * answers 'ready', then handles requests one after the other, in the order they came (the next
 * one waits here, not in the main process, and a worker that dies takes only the request it was
 * running with it), and replies by id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HostReply, HostRequest } from './worker-pool.js';

/**
 * A closed libSQL connection is only released when the garbage collector finalises its statements,
 * and V8 cannot see the native memory and file descriptor each one holds: without a nudge, a worker
 * serving thousands of databases keeps hundreds of dead connections (≈ 190 KB and an fd each), and
 * SQLite's list of open files, which every open walks, grows with them. A minor collection every
 * few requests releases them (child processes are started with --expose-gc).
 */
const COLLECT_EVERY = 32;
const collect = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;

export interface HostControl {
  /**
   * Exits when the process that started this worker is gone (re-parented or disconnected). Called
   * right before every apply, so that no database changes after its rollout was abandoned; an
   * apply already running is one atomic transaction and finishes. A no-op in a thread.
   */
  readonly stopIfOrphaned: () => void;
}

export type RequestHandler<Request, Reply> = (request: Request) => Promise<Reply>;

function serve<Request, Reply>(
  handle: RequestHandler<Request, Reply>,
  send: (message: HostReply<Reply>) => void,
): (id: number, request: Request) => void {
  let served = 0;
  let queue: Promise<void> = Promise.resolve();
  const one = async (id: number, request: Request): Promise<void> => {
    try {
      send({ id, reply: await handle(request) });
    } catch (error) {
      send({ id, error: error instanceof Error ? error.message : String(error) });
    }
    if (++served % COLLECT_EVERY === 0) collect?.({ type: 'minor' });
  };
  return (id, request) => {
    queue = queue.then(() => one(id, request));
  };
}

/** Runs this module as a pool's worker: `makeHandler` builds the request handler from `init` once. */
export function hostWorker<Init, Request, Reply>(
  makeHandler: (init: Init, control: HostControl) => RequestHandler<Request, Reply>,
): void {
  const port = parentPort;
  if (port !== null) {
    const run = serve(makeHandler(workerData as Init, { stopIfOrphaned: () => undefined }), (message) =>
      port.postMessage(message),
    );
    port.on('message', (message: HostRequest<Init, Request>) => {
      if ('id' in message) run(message.id, message.request);
    });
    port.postMessage('ready' satisfies HostReply<Reply>);
    return;
  }
  if (process.send === undefined) throw new Error('a pool worker runs as a worker thread or a forked child process');
  // After the main process has gone a send fails (EPIPE); there is no one left to tell.
  const send = (message: HostReply<Reply>): void => {
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  const parent = process.ppid;
  const control: HostControl = {
    stopIfOrphaned: () => {
      if (process.ppid !== parent || !process.connected) process.exit(0);
    },
  };
  let run: ((id: number, request: Request) => void) | null = null;
  process.on('message', (message: HostRequest<Init, Request>) => {
    if ('id' in message) {
      if (run === null) throw new Error('pool worker: the first message must carry init');
      run(message.id, message.request);
      return;
    }
    run = serve(makeHandler(message.init, control), send);
    send('ready');
  });
  process.on('disconnect', () => process.exit(0));
}
