/**
 * Bringing users' databases to the application's schema: the glue between the provider, the
 * client pool, the registry and the engine (lib/sync). Routes call this and only map its answers
 * to HTTP.
 *
 * Two things make sign-in cheap and safe:
 *  - single flight: concurrent requests for one user in this process share one sync, so a burst of
 *    sign-ins for a new user creates one database and applies each version once (the engine's
 *    guarded audit row covers other processes);
 *  - a bounded per-process set of users known to be at the current version. Versions only move
 *    forward and the registry is fixed for the life of the process, so an entry never goes stale
 *    (unless a database is deleted behind the service's back); a hit costs no database read.
 *
 * Big local (file:) databases migrate on worker threads (lib/worker-pool.ts running lib/sync-worker.ts): @libsql/client runs
 * an embedded database on the calling thread, and a big rebuild would stall the event loop. The
 * version check that settles most sign-ins stays on the pooled client here.
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { readRecordedVersion, type RecordedVersion } from '../lib/audit.js';
import type { SyncOutcome, SyncTrigger } from '../lib/metrics.js';
import { BoundedSet } from '../lib/bounded-map.js';
import { elapsedSince } from '../lib/duration.js';
import { planSync, resultOf, settleByVersion, syncDatabase, SyncError, type SyncResult } from '../lib/sync.js';
import { SYNC_WORKER_MODULE, type SyncJob, type SyncJobResult, type SyncJobSettings } from '../lib/sync-job.js';
import { createWorkerPool } from '../lib/worker-pool.js';
import type { Plan } from '../lib/plan/planner.js';
import { ProviderUnavailableError } from '../lib/providers/errors.js';
import type { UserDatabase } from '../lib/providers/types.js';
import { entryOf } from '../lib/error-catalogue.js';
import { HttpError, type ErrorCode, type ErrorDetails } from './errors.js';

/** What a failed sync reports; unexpected errors are INTERNAL_ERROR, their details only in the log. */
export const SYNC_FAILURE_CODES = [
  'DATABASE_AHEAD',
  'INVALID_RECORDED_VERSION',
  'APPLY_FAILED',
  'CONCURRENT_CHANGE',
  'INTERNAL_ERROR',
] as const satisfies readonly ErrorCode[];
export type SyncFailureCode = (typeof SYNC_FAILURE_CODES)[number];

export interface SyncFailure {
  readonly code: SyncFailureCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

export type InitializeOutcome = {
  /** The user's database, located once per sign-in (the route hands out its credentials). */
  readonly database: UserDatabase;
} & (
  | {
      readonly synced: true;
      readonly created: boolean;
      /** The engine's result; null when the cache answered without touching the database. */
      readonly result: SyncResult | null;
      readonly version: string;
    }
  | {
      readonly synced: false;
      readonly created: boolean;
      readonly failure: SyncFailure;
      /** What the database records after the failed attempt (unchanged by it). */
      readonly version: string | null;
    }
);

export interface UserSync {
  /** Sign-in: create the database when new, bring it to the current version; sync failures are answers, not throws. */
  initialize(userId: string, log: FastifyBaseLogger): Promise<InitializeOutcome>;
  /** Explicit sync, comparing the live schema too (repairs drift). Throws HttpError 404/409/500. */
  sync(userId: string, log: FastifyBaseLogger): Promise<SyncResult>;
  /** The newest audit row. Throws HttpError 404. */
  recordedVersion(userId: string): Promise<RecordedVersion | null>;
  /** Dry run. Throws HttpError 404/409. */
  plan(
    userId: string,
    options: { allowDestructive: boolean },
  ): Promise<{ recorded: RecordedVersion | null; plan: Plan }>;
  /** How many users the sign-in cache holds. */
  cachedUsers(): number;
  /** Whether a sign-in of `userId` would be answered by the cache, touching no database. */
  answersFromCache(userId: string): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    userSync: UserSync;
  }
}

export function failureOf(error: unknown): SyncFailure {
  if (!(error instanceof SyncError))
    return { code: 'INTERNAL_ERROR', message: entryOf('INTERNAL_ERROR').example, details: {} };
  const { statement, statementIndex, recordedVersion } = error.details;
  return {
    code: error.code,
    message: error.message,
    details: {
      ...(statement === undefined ? {} : { statement }),
      ...(statementIndex === undefined ? {} : { statement_index: statementIndex }),
      ...(recordedVersion === undefined ? {} : { recorded_version: recordedVersion }),
    },
  };
}

/** The HTTP error for a failed sync; its status comes from the error catalogue. */
export function httpErrorOf(failure: SyncFailure): HttpError {
  return new HttpError(failure.code, failure.message, failure.details);
}

/** Errors that already are an answer (an HttpError, the provider being unavailable), not a sync outcome. */
const isServiceError = (error: unknown): boolean =>
  error instanceof HttpError || error instanceof ProviderUnavailableError;

const userNotFound = (userId: string): HttpError =>
  new HttpError('USER_NOT_FOUND', `no database for user ${JSON.stringify(userId)}; initialize the user first`);

export interface UserSyncPluginOptions {
  readonly versionCacheSize: number;
  /** Threads for local syncs of files of at least `minBytes`; 0 threads (or a remote provider) runs them on the event loop. */
  readonly syncThreads?: { readonly count: number; readonly minBytes: number };
  /** How long a sync thread waits on a locked database (DB_BUSY_TIMEOUT_MS). */
  readonly busyTimeoutMs?: number;
}

const userSyncPlugin: FastifyPluginAsync<UserSyncPluginOptions> = async (fastify, options) => {
  const registry = fastify.schemaRegistry;
  const target = fastify.syncTarget;
  const { provider, withClient } = fastify.databases;
  const atCurrent = new BoundedSet<string>(options.versionCacheSize);
  const flights = new Map<string, Promise<unknown>>();
  const metrics = fastify.syncMetrics;
  const threads = options.syncThreads ?? { count: 0, minBytes: 0 };
  // Local syncs of big files run on a pool of threads that receive the registry's versions as
  // data (lib/sync-worker.ts), so a rebuild never stalls this event loop.
  const pool =
    provider.kind === 'local' && threads.count > 0
      ? createWorkerPool<SyncJobSettings, SyncJob, SyncJobResult>({
          name: 'sync worker',
          kind: 'thread',
          module: SYNC_WORKER_MODULE,
          init: {
            versions: registry.versions,
            to: target.version,
            allowDestructive: false,
            dryRun: false,
            busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
            sharePlans: false,
            rememberFiles: false,
          },
          size: threads.count,
        })
      : null;

  /** A local file big enough that migrating it on the event loop would stall it. */
  async function big(db: UserDatabase): Promise<boolean> {
    if (threads.minBytes === 0) return true;
    const { url } = provider.clientConfig(db);
    if (!url.startsWith('file:')) return false;
    const size = await stat(fileURLToPath(url)).then(
      (info) => info.size,
      () => 0,
    );
    return size >= threads.minBytes;
  }

  /**
   * The sync loop, on a thread for a big local file; an up-to-date sign-in is settled here by one
   * read, and a small file (a new user's, say) migrates here in milliseconds.
   */
  async function runSync(db: UserDatabase, verify: boolean, fresh: boolean): Promise<SyncResult> {
    // A database created for this sign-in is empty: one request creates its schema (see
    // SyncOptions.fresh). Without threads (always for remote databases) the loop reads the version
    // row itself, so an up-to-date sign-in stays one request.
    if (pool === null || fresh) return withClient(db, (client) => syncDatabase(client, target, { verify, fresh }));
    // With threads, a sign-in settles on the version row first: most are up to date, and only a
    // migration needs the file's size.
    if (!verify) {
      const startedAt = performance.now();
      const recorded = await withClient(db, readRecordedVersion);
      const settled = settleByVersion(target, recorded, { durationMs: elapsedSince(startedAt), racesLost: 0 });
      if (settled !== null) return resultOf(settled, target.version);
    }
    if (!(await big(db))) return withClient(db, (client) => syncDatabase(client, target, { verify, fresh }));
    const { url } = provider.clientConfig(db);
    const job = await pool.run({ db: { name: db.name, url }, verify });
    if ('thrown' in job) throw new Error(job.thrown.message);
    return resultOf(job.outcome, target.version);
  }

  function singleFlight<T>(key: string, run: () => Promise<T>): Promise<T> {
    const running = flights.get(key);
    if (running) return running as Promise<T>;
    const flight = run().finally(() => flights.delete(key));
    flights.set(key, flight);
    return flight;
  }

  async function existing(userId: string): Promise<UserDatabase> {
    const db = provider.locate(userId);
    if (!(await provider.exists(db))) throw userNotFound(userId);
    return db;
  }

  /**
   * One sync attempt, logged with the user and counted by trigger (the engine returns outcomes and
   * logs nothing): every attempt logs from/to version, statements, duration and outcome. Throws
   * what the engine throws.
   */
  async function attempt(
    db: UserDatabase,
    log: FastifyBaseLogger,
    trigger: SyncTrigger,
    created = false,
  ): Promise<SyncResult> {
    const userLog = log.child({ user_id: db.userId, database: db.name });
    // A sign-in trusts the version row; an explicit sync compares the live schema too.
    const verify = trigger === 'manual';
    const startedAt = performance.now();
    const elapsed = (): number => elapsedSince(startedAt);
    const running = metrics?.started(trigger);
    const record = (outcome: SyncOutcome, statements: number, code?: string): void =>
      metrics?.record({
        trigger,
        outcome,
        durationMs: performance.now() - startedAt,
        statements,
        ...(code === undefined ? {} : { code }),
      });
    try {
      const result = await runSync(db, verify, created);
      record(result.outcome, result.outcome === 'applied' ? result.statements : 0);
      const fields = {
        from_version: result.fromVersion,
        to_version: result.toVersion,
        statements: result.statements,
        duration_ms: result.durationMs,
        outcome: result.outcome,
        races_lost: result.racesLost,
      };
      if (result.racesLost > 0) userLog.warn(fields, 'schema sync lost a race to another applier and planned afresh');
      if (result.outcome === 'applied') {
        userLog.info(
          { ...fields, skipped: result.plan.skipped.length, warnings: result.plan.warnings },
          'schema synced',
        );
      } else {
        userLog.info(fields, 'schema up to date');
      }
      atCurrent.add(db.name);
      return result;
    } catch (error) {
      const failure = failureOf(error);
      const refused = failure.code === 'DATABASE_AHEAD' || failure.code === 'INVALID_RECORDED_VERSION';
      record(refused ? 'refused' : 'failed', 0, failure.code);
      const fields = {
        to_version: target.version,
        duration_ms: elapsed(),
        code: failure.code,
        ...(error instanceof SyncError && error.details.fromVersion !== undefined
          ? { from_version: error.details.fromVersion }
          : {}),
      };
      if (refused) {
        userLog.warn(
          { ...fields, recorded_version: failure.details.recorded_version, outcome: 'refused' },
          failure.message,
        );
      } else if (failure.code === 'APPLY_FAILED') {
        userLog.error(
          { ...fields, outcome: 'failed', failed_statement: failure.details.statement, error: failure.message },
          'schema sync failed; database unchanged',
        );
      } else {
        userLog.error({ ...fields, err: error, outcome: 'failed' }, 'schema sync failed');
      }
      throw error;
    } finally {
      running?.();
    }
  }

  const userSync: UserSync = {
    async initialize(userId, log) {
      const db = provider.locate(userId);
      if (atCurrent.has(db.name)) {
        log.debug({ user_id: userId, outcome: 'up_to_date', cached: true }, 'schema up to date (cached)');
        metrics?.signInCacheHit();
        return { database: db, synced: true, created: false, result: null, version: target.version };
      }
      return singleFlight(`initialize:${db.name}`, async (): Promise<InitializeOutcome> => {
        const { created } = await provider.ensure(db);
        // The route hands out credentials next: on Turso their token mint overlaps the sync.
        provider.prepareCredentials?.(db);
        try {
          const result = await attempt(db, log, 'sign_in', created);
          return { database: db, synced: true, created, result, version: result.toVersion };
        } catch (error) {
          if (isServiceError(error)) throw error; // e.g. the provider is unavailable: not a sync outcome
          const failure = failureOf(error);
          const version =
            failure.details.recorded_version ??
            (await withClient(db, readRecordedVersion).then(
              (recorded) => recorded?.version ?? null,
              () => null,
            ));
          return { database: db, synced: false, created, failure, version };
        }
      });
    },

    async sync(userId, log) {
      const db = await existing(userId);
      return singleFlight(`sync:${db.name}`, async () => {
        try {
          return await attempt(db, log, 'manual');
        } catch (error) {
          throw isServiceError(error) ? error : httpErrorOf(failureOf(error));
        }
      });
    },

    async recordedVersion(userId) {
      const db = await existing(userId);
      return withClient(db, readRecordedVersion);
    },

    async plan(userId, { allowDestructive }) {
      const db = await existing(userId);
      try {
        return await withClient(db, (client) => planSync(client, target, { allowDestructive }));
      } catch (error) {
        if (error instanceof SyncError) throw httpErrorOf(failureOf(error));
        throw error;
      }
    },

    cachedUsers: () => atCurrent.size,
    answersFromCache(userId) {
      try {
        return atCurrent.has(provider.locate(userId).name);
      } catch {
        return false; // not a valid user id: the route refuses it
      }
    },
  };

  fastify.decorate('userSync', userSync);

  // Runs before the pool closes (plugins close in reverse order): syncs still running finish
  // (or roll back) on their own clients, so no client is closed under a transaction.
  fastify.addHook('onClose', async () => {
    await Promise.allSettled([...flights.values()]);
    await pool?.close();
  });
};

export default fp(userSyncPlugin, {
  name: 'user-sync',
  fastify: '5.x',
  dependencies: ['schema-registry', 'databases', 'metrics'],
});
