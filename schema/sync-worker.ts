/**
 * A sync thread (see lib/sync-executor.ts): loads the registry from the same SCHEMA_DIR as the
 * service, then runs one `syncDatabase` toward its current version per message, on a client of its
 * own that it closes after. The service logs the outcome it sends back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLocalClient } from '../lib/libsql.js';
import type { SyncJob, WorkerReply } from '../lib/sync-executor.js';
import { SyncError, syncDatabase } from '../lib/sync.js';
import { loadRegistry } from './registry.js';
import type { SyncWorkerData } from './sync-worker-url.js';
import { targetOf } from '../lib/target.js';

const port = parentPort;
if (port === null) throw new Error('schema/sync-worker runs as a worker thread');
const { schemaDir } = workerData as SyncWorkerData;
const registry = await loadRegistry({ schemaDir });
const target = targetOf(registry);
port.postMessage({
  ready: registry.versions.map(({ version, checksum }) => ({ version, checksum })),
} satisfies WorkerReply);

async function run(job: SyncJob): Promise<WorkerReply> {
  const client = createLocalClient(job.client);
  try {
    return { id: job.id, result: await syncDatabase(client, target, { verify: job.verify }) };
  } catch (error) {
    if (error instanceof SyncError) {
      return { id: job.id, error: { kind: 'sync', code: error.code, message: error.message, details: error.details } };
    }
    return { id: job.id, error: { kind: 'other', message: error instanceof Error ? error.message : String(error) } };
  } finally {
    client.close();
  }
}

port.on('message', (job: SyncJob) => {
  void run(job).then((reply) => port.postMessage(reply));
});
