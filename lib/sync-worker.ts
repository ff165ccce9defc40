/**
 * A sync thread (see lib/sync-executor.ts): loads the registry from the same SCHEMA_DIR as the
 * service, then runs one `syncDatabase` per message on its own client, which it closes after. Log
 * lines are sent back with the answer, to be written by the service's logger with the request's
 * fields.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@libsql/client';
import { loadRegistry } from '../schema/registry.js';
import { SyncError, syncDatabase, type SyncLogger } from './sync.js';
import type { LogLine, SyncJob, WorkerData, WorkerReply } from './sync-executor.js';

const port = parentPort;
if (port === null) throw new Error('lib/sync-worker runs as a worker thread');
const { schemaDir } = workerData as WorkerData;
const registry = await loadRegistry({ schemaDir });
port.postMessage({ ready: registry.versions.map((version) => ({ version: version.version, checksum: version.checksum })) } satisfies WorkerReply);

async function run(job: SyncJob): Promise<WorkerReply> {
  const logs: LogLine[] = [];
  const logger: SyncLogger = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const client = createClient(job.client);
  try {
    const result = await syncDatabase(client, registry, { verify: job.verify, logger });
    return { id: job.id, result, logs };
  } catch (error) {
    if (error instanceof SyncError) {
      return { id: job.id, logs, error: { kind: 'sync', code: error.code, message: error.message, details: error.details } };
    }
    return { id: job.id, logs, error: { kind: 'other', message: error instanceof Error ? error.message : String(error) } };
  } finally {
    client.close();
  }
}

port.on('message', (job: SyncJob) => {
  void run(job).then((reply) => port.postMessage(reply));
});
