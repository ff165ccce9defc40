/**
 * A fleet run's counters in Prometheus text format, for node_exporter's textfile collector: the
 * service's own sync metrics (lib/metrics.ts, trigger="fleet"), plus fleet-only gauges. Written to
 * a temp file and renamed, so the collector never reads half a file.
 */
import { Gauge } from 'prom-client';
import { writeFileAtomic } from '../atomic-write.js';
import { createSyncMetrics, type SyncOutcome } from '../metrics.js';
import type { RolloutSummary } from './report.js';
import type { DatabaseResult, FleetOutcome } from './sync-one.js';

export const FLEET_METRIC_NAMES = {
  databases: 'schema_sync_fleet_databases',
  runDuration: 'schema_sync_fleet_run_duration_seconds',
  lastRun: 'schema_sync_fleet_last_run_timestamp_seconds',
} as const;

/** A database's fleet outcome as a sync attempt's; dry runs and skipped databases were no attempt. */
const ATTEMPT_OUTCOME: Readonly<Record<FleetOutcome, SyncOutcome | null>> = {
  applied: 'applied',
  up_to_date: 'up_to_date',
  failed: 'failed',
  ahead: 'refused',
  beyond_target: 'refused',
  planned: null,
  not_attempted: null,
};

export async function writeMetricsFile(
  path: string,
  results: readonly DatabaseResult[],
  summary: RolloutSummary,
): Promise<void> {
  const metrics = createSyncMetrics({ processMetrics: false });
  const registers = [metrics.registry];
  const databases = new Gauge({
    name: FLEET_METRIC_NAMES.databases,
    help: 'Databases of the last fleet run by outcome',
    labelNames: ['outcome', 'target'],
    registers,
  });
  const runDuration = new Gauge({
    name: FLEET_METRIC_NAMES.runDuration,
    help: 'Wall time of the last fleet run',
    registers,
  });
  const lastRun = new Gauge({
    name: FLEET_METRIC_NAMES.lastRun,
    help: 'When the last fleet run ended (unix time)',
    registers,
  });
  for (const result of results) {
    const outcome = ATTEMPT_OUTCOME[result.outcome];
    if (outcome === null) continue;
    metrics.record({
      trigger: 'fleet',
      outcome,
      durationMs: result.durationMs,
      statements: outcome === 'applied' ? result.statements : 0,
      ...(result.error === undefined ? {} : { code: result.error.code }),
    });
  }
  for (const [outcome, count] of Object.entries(summary.outcomes))
    databases.set({ outcome, target: summary.target }, count);
  runDuration.set(summary.durationMs / 1000);
  lastRun.set(Date.now() / 1000);
  await writeFileAtomic(path, await metrics.text());
}
