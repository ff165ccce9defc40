/** A thread lane's worker: syncs the databases the main thread posts (its libSQL calls run one at a time). */
import { parentPort, workerData } from 'node:worker_threads';
import { createSyncer, type LaneSettings } from './executor.js';
import type { FleetDatabase } from './source.js';

const port = parentPort;
if (port === null) throw new Error('lib/fleet/worker runs as a worker thread');
const syncer = createSyncer(workerData as LaneSettings);

port.on('message', ({ id, db }: { id: number; db: FleetDatabase }) => {
  syncer.run(db).then(
    (output) => port.postMessage({ id, output, plans: syncer.cache.computed }),
    (error: unknown) => port.postMessage({ id, plans: syncer.cache.computed, error: error instanceof Error ? error.message : String(error) }),
  );
});

port.postMessage('ready');
