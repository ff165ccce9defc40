/**
 * The worker of sync-all's worker lanes (lib/worker-pool.ts, a child process or a thread): one
 * sync job (lib/sync-job.ts) per database, replied as the lane's output (lanes.ts `laneOutput`),
 * what the main thread would make of the job's result anyway. So a plan crosses back once, with the
 * job that made it: replying with the whole outcome sent the plan with every database (≈ 8 KB
 * since steps carry their source, ten times the rest of a reply), which the main process
 * deserialised and collected once per database (bench/fleet: +16 MB peak RSS, see docs/benchmarks.md).
 */
import { createSyncJobs, type SyncJob, type SyncJobSettings } from '../sync-job.js';
import { hostWorker } from '../worker-host.js';
import { laneOutput, type LaneOutput } from './lanes.js';

hostWorker<SyncJobSettings, SyncJob, LaneOutput>((settings, control) => {
  const jobs = createSyncJobs(settings, control.stopIfOrphaned);
  return async (job) => laneOutput(job.db, settings.to, await jobs.run(job));
});
