/**
 * One database synced by its address: open a client, run the sync loop (lib/sync.ts), read what
 * the fleet's state file remembers of the file, close. The same code runs on the main thread and
 * in pool workers (lib/sync-worker.ts for the service's off-loop syncs, lib/fleet/lane-worker.ts for
 * fleet lanes); only plain data goes in and comes out, so a job and its result cross to a worker unchanged.
 */
import type { Client } from '@libsql/client';
import { detailOfThrown } from './database-errors.js';
import type { ErrorDetail } from './error-catalogue.js';
import { fileAt, localPathOf, readKnownState, type FileAt, type KnownState } from './fleet/file-state.js';
import type { FleetDatabase } from './fleet/source.js';
import { openClient } from './libsql.js';
import { PlanCache } from './plan-cache.js';
import { runSync, type SyncOptions, type SyncOutcome, type VersionTarget } from './sync.js';
import { targetFromVersions, type SchemaVersion } from './target.js';

/** What every job of one pool (or one rollout) shares. */
export interface SyncJobSettings {
  /** The registry's versions, ascending; the last is the application's newest. */
  readonly versions: readonly SchemaVersion[];
  /** The version to bring databases to (a staged rollout's `--to`, else the newest). */
  readonly to: string;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly busyTimeoutMs: number;
  /** Share plans across databases of one schema (fleet rollouts; see lib/plan-cache.ts). */
  readonly sharePlans: boolean;
  /** Read each local file's identity with its audit row after the sync, for the fleet's state file. */
  readonly rememberFiles: boolean;
}

export interface SyncJob {
  readonly db: FleetDatabase;
  /** Compare the live schema even when the recorded version is current (an explicit sync). */
  readonly verify?: boolean;
}

export type SyncJobResult =
  | {
      readonly outcome: SyncOutcome;
      /** Whether this job made a plan for the shared cache (rather than finding it there). */
      readonly planMade: boolean;
      /** The database's audit row and file identity after the sync (see lib/fleet/file-state.ts). */
      readonly known?: KnownState;
    }
  /** The database could not be opened or read: nothing was changed. */
  | { readonly thrown: ErrorDetail; readonly planMade: false };

/** Whether the database is now at a version worth remembering (not after a failure or dry run). */
function worthRemembering(outcome: SyncOutcome): boolean {
  if (outcome.kind === 'refused') return outcome.code === 'DATABASE_AHEAD';
  return outcome.kind === 'applied' || outcome.kind === 'up_to_date' || outcome.kind === 'beyond_target';
}

export function openDatabase(db: FleetDatabase, busyTimeoutMs: number): Promise<Client> {
  if (db.config !== undefined) return openClient(db.config);
  return openClient({
    url: db.url,
    timeout: busyTimeoutMs,
    ...(db.authToken === undefined ? {} : { authToken: db.authToken }),
  });
}

/**
 * The file whose state a sync should remember, and what its path named right before the client
 * opens it (see readKnownState); null when nothing is remembered (remote, dry run, no state file).
 */
export function fileToRemember(
  db: FleetDatabase,
  settings: Pick<SyncJobSettings, 'rememberFiles' | 'dryRun'>,
): { readonly path: string; readonly opened: FileAt } | null {
  const path = settings.rememberFiles && !settings.dryRun ? localPathOf(db.url) : null;
  const opened = path === null ? null : fileAt(path);
  return path === null || opened === null ? null : { path, opened };
}

export interface SyncJobs {
  readonly target: VersionTarget;
  run(job: SyncJob): Promise<SyncJobResult>;
  /** Plans made so far by these jobs. */
  plansMade(): number;
}

export function createSyncJobs(settings: SyncJobSettings, beforeApply?: () => void): SyncJobs {
  const target = targetFromVersions(settings.versions, settings.to);
  const cache = settings.sharePlans ? new PlanCache() : undefined;
  const options: SyncOptions = {
    allowDestructive: settings.allowDestructive,
    dryRun: settings.dryRun,
    ...(cache === undefined ? {} : { planCache: cache }),
    ...(beforeApply === undefined ? {} : { beforeApply }),
  };
  return {
    target,
    plansMade: () => cache?.computed ?? 0,
    async run({ db, verify }) {
      const file = fileToRemember(db, settings);
      let client: Client | null = null;
      try {
        client = await openDatabase(db, settings.busyTimeoutMs);
        const before = cache?.computed ?? 0;
        const outcome = await runSync(client, target, { ...options, verify: verify === true });
        const planMade = cache !== undefined && cache.computed > before;
        // Best effort: a database the state file cannot vouch for is only read again next time.
        const known =
          file === null || !worthRemembering(outcome)
            ? null
            : await readKnownState(client, file.path, file.opened).then(
                (read) => read.known,
                () => null,
              );
        return { outcome, planMade, ...(known === null ? {} : { known }) };
      } catch (error) {
        return { thrown: detailOfThrown(error, db.url), planMade: false };
      } finally {
        client?.close();
      }
    },
  };
}

/** The pool worker module that runs these jobs (lib/sync-worker.ts, or its built .js). */
export const SYNC_WORKER_MODULE = new URL(
  `./sync-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);
