/**
 * The Prometheus metrics of schema sync, defined once: the service's GET /metrics and
 * `sync-all --metrics-file` (a textfile-collector file) use the same names and labels, so one
 * dashboard covers sign-ins and fleet rollouts. Each call makes its own registry (no global
 * state), so several apps in one process (tests) do not collide.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What started a sync: a sign-in (POST /api/user/initialize), the explicit sync route, a fleet rollout (sync-all). */
export const SYNC_TRIGGERS = ['sign_in', 'manual', 'fleet'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

/**
 * How a sync attempt ended: applied statements, found nothing to do, refused (the database is ahead
 * of the application), or failed (the database is unchanged; the failure code is in `code`).
 */
export const SYNC_OUTCOMES = ['applied', 'up_to_date', 'refused', 'failed'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

export const METRIC_NAMES = {
  syncs: 'schema_sync_syncs_total',
  syncFailures: 'schema_sync_sync_failures_total',
  syncDuration: 'schema_sync_sync_duration_seconds',
  statementsApplied: 'schema_sync_statements_applied_total',
  syncsInFlight: 'schema_sync_syncs_in_flight',
  signInCacheHits: 'schema_sync_sign_in_cache_hits_total',
  signInCacheUsers: 'schema_sync_sign_in_cache_users',
  openClients: 'schema_sync_open_database_clients',
  rateLimited: 'schema_sync_rate_limited_total',
  rateLimitKeys: 'schema_sync_rate_limit_keys',
} as const;

/** Seconds: an up-to-date check is ~1 ms, a local rebuild of a big table seconds, a remote one longer. */
export const SYNC_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

export interface SyncRecord {
  readonly trigger: SyncTrigger;
  readonly outcome: SyncOutcome;
  readonly durationMs: number;
  /** Statements applied (0 unless `applied`). */
  readonly statements: number;
  /** The failure's stable code (APPLY_FAILED, DATABASE_AHEAD…) when the outcome is refused or failed. */
  readonly code?: string;
}

export interface SyncMetricsOptions {
  /** Node.js process metrics (process_*, nodejs_*): on for a long-running service, off for a textfile. */
  readonly processMetrics: boolean;
  /** Read at scrape time: how many database clients are open. */
  readonly openClients?: () => number;
  /** Read at scrape time: how many users the sign-in cache holds. */
  readonly signInCacheUsers?: () => number;
}

export interface SyncMetrics {
  readonly registry: Registry;
  /** One finished attempt. */
  record(sync: SyncRecord): void;
  /** Marks an attempt as running until the returned function is called. */
  started(trigger: SyncTrigger): () => void;
  signInCacheHit(): void;
  /** Prometheus text exposition format. */
  text(): Promise<string>;
  readonly contentType: string;
}

export function createSyncMetrics(options: SyncMetricsOptions): SyncMetrics {
  const registry = new Registry();
  const syncs = new Counter({
    name: METRIC_NAMES.syncs,
    help: 'Sync attempts by trigger (sign_in, manual, fleet) and outcome (applied, up_to_date, refused, failed).',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: METRIC_NAMES.syncFailures,
    help: 'Refused or failed sync attempts by trigger and stable error code (APPLY_FAILED, DATABASE_AHEAD, CONCURRENT_CHANGE, INTERNAL_ERROR…).',
    labelNames: ['trigger', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.syncDuration,
    help: 'Wall time of one sync attempt (introspect, plan, apply, verify), in seconds.',
    labelNames: ['trigger', 'outcome'] as const,
    buckets: [...SYNC_DURATION_BUCKETS],
    registers: [registry],
  });
  const statements = new Counter({
    name: METRIC_NAMES.statementsApplied,
    help: 'SQL statements applied by successful syncs.',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: METRIC_NAMES.syncsInFlight,
    help: 'Sync attempts running right now.',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: METRIC_NAMES.signInCacheHits,
    help: 'Sign-ins answered from the at-current-version cache without touching the database.',
    registers: [registry],
  });
  // Initialise every known label pair at 0, so rate() and absent() work before the first sync.
  for (const trigger of SYNC_TRIGGERS) {
    statements.inc({ trigger }, 0);
    inFlight.set({ trigger }, 0);
    for (const outcome of SYNC_OUTCOMES) syncs.inc({ trigger, outcome }, 0);
  }
  const { openClients, signInCacheUsers } = options;
  if (openClients !== undefined) {
    new Gauge({
      name: METRIC_NAMES.openClients,
      help: 'Database clients open in the pool (file handles locally, connections on Turso).',
      registers: [registry],
      collect() {
        this.set(openClients());
      },
    });
  }
  if (signInCacheUsers !== undefined) {
    new Gauge({
      name: METRIC_NAMES.signInCacheUsers,
      help: 'Users the sign-in cache remembers as being at the current version.',
      registers: [registry],
      collect() {
        this.set(signInCacheUsers());
      },
    });
  }
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  return {
    registry,
    record({ trigger, outcome, durationMs, statements: applied, code }) {
      syncs.inc({ trigger, outcome });
      duration.observe({ trigger, outcome }, durationMs / 1000);
      if (applied > 0) statements.inc({ trigger }, applied);
      if (code !== undefined && (outcome === 'failed' || outcome === 'refused')) failures.inc({ trigger, code });
    },
    started(trigger) {
      inFlight.inc({ trigger });
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inFlight.dec({ trigger });
      };
    },
    signInCacheHit: () => cacheHits.inc(),
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
