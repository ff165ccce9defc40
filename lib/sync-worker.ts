/**
 * A pool worker (lib/worker-pool.ts) that syncs databases, as a thread (the service) or a child
 * process (sync-all): it receives the registry's versions as data and runs one sync job
 * (lib/sync-job.ts) per request.
 */
import { createSyncJobs, type SyncJob, type SyncJobResult, type SyncJobSettings } from './sync-job.js';
import { hostWorker } from './worker-host.js';

hostWorker<SyncJobSettings, SyncJob, SyncJobResult>((settings, control) => {
  const jobs = createSyncJobs(settings, control.stopIfOrphaned);
  return (job) => jobs.run(job);
});
