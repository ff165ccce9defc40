/**
 * A worker lane's worker, as a child process (the default) or a worker thread: syncs the databases
 * the main process posts, one at a time (its libSQL calls run synchronously).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSyncer, type LaneSettings, type WorkerRequest } from './executor.js';
import type { FleetDatabase } from './source.js';

/**
 * A closed libSQL connection is only released when the garbage collector finalises its statements,
 * and V8 cannot see the native memory and file descriptor each one holds: without a nudge, a process
 * syncing thousands of databases keeps hundreds of dead connections (≈ 190 KB and an fd each), and
 * SQLite's list of open files, which every open walks, grows with them. A minor collection every
 * few databases releases them (child processes are started with --expose-gc).
 */
const COLLECT_EVERY = 32;
const collect = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;

type Reply = (message: unknown) => void;

/**
 * Requests are synced one after the other, in the order they came: the next one waits here, not
 * in the main process, and a worker that dies takes only the database it was syncing with it.
 */
function serve(settings: LaneSettings, reply: Reply, beforeApply?: () => void): (request: WorkerRequest) => void {
  const syncer = createSyncer(settings, beforeApply);
  let synced = 0;
  let queue: Promise<void> = Promise.resolve();
  const syncOneRequest = async (id: number, db: FleetDatabase): Promise<void> => {
    try {
      reply({ id, output: await syncer.run(db), plans: syncer.cache.computed });
    } catch (error) {
      reply({ id, plans: syncer.cache.computed, error: error instanceof Error ? error.message : String(error) });
    }
    if (++synced % COLLECT_EVERY === 0) collect?.({ type: 'minor' });
  };
  return (request) => {
    if (!('id' in request)) return;
    queue = queue.then(() => syncOneRequest(request.id, request.db));
  };
}

const port = parentPort;
if (port !== null) {
  const handle = serve(workerData as LaneSettings, (message) => port.postMessage(message));
  port.on('message', handle);
  port.postMessage('ready');
} else if (process.send !== undefined) {
  // After the main process has gone a send fails (EPIPE); there is no one left to tell.
  const send = (message: unknown): void => {
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  // The main process is gone (finished, or killed) once this process is re-parented. Checked right
  // before every apply, so that no database changes after its rollout was abandoned; an apply
  // already running is one atomic transaction and finishes.
  const parent = process.ppid;
  const stopIfOrphaned = (): void => {
    if (process.ppid !== parent || !process.connected) process.exit(0);
  };
  let handle: ((request: WorkerRequest) => void) | null = null;
  process.on('message', (request: WorkerRequest) => {
    if (handle !== null) return handle(request);
    if (!('settings' in request)) throw new Error('sync worker: the first message must carry the settings');
    handle = serve(request.settings, (message) => send(message), stopIfOrphaned);
    send('ready');
  });
  process.on('disconnect', () => process.exit(0));
} else {
  throw new Error('lib/fleet/worker runs as a worker thread or a forked child process');
}
