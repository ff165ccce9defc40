/**
 * The service's sync thread (lib/worker-pool.ts): it receives the registry's versions as data and
 * runs one sync job (lib/sync-job.ts) per request, replying with the job's whole result. sync-all's
 * workers run the same jobs through lib/fleet/lane-worker.ts, which replies with less.
 */
import { createSyncJobs, type SyncJob, type SyncJobResult, type SyncJobSettings } from './sync-job.js';
import { hostWorker } from './worker-host.js';

hostWorker<SyncJobSettings, SyncJob, SyncJobResult>((settings, control) => {
  const jobs = createSyncJobs(settings, control.stopIfOrphaned);
  return (job) => jobs.run(job);
});
