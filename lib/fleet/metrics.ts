/**
 * A fleet run's counters in Prometheus text format, for node_exporter's textfile collector. The
 * names match the service's sync metrics (label trigger="fleet"), plus fleet-only gauges. Written to
 * a temp file and renamed, so the collector never reads half a file.
 */
import { rename, writeFile } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RolloutSummary } from './report.js';
import type { DatabaseResult } from './sync-one.js';

export const FLEET_METRIC_NAMES = {
  syncs: 'schema_sync_syncs_total',
  duration: 'schema_sync_sync_duration_seconds',
  statements: 'schema_sync_statements_applied_total',
  databases: 'schema_sync_fleet_databases',
  runDuration: 'schema_sync_fleet_run_duration_seconds',
  lastRun: 'schema_sync_fleet_last_run_timestamp_seconds',
} as const;

export async function writeMetricsFile(path: string, results: readonly DatabaseResult[], summary: RolloutSummary): Promise<void> {
  const registry = new Registry();
  const syncs = new Counter({ name: FLEET_METRIC_NAMES.syncs, help: 'Sync attempts by trigger and outcome', labelNames: ['trigger', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: FLEET_METRIC_NAMES.duration, help: 'Duration of one database sync', labelNames: ['trigger'], registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const statements = new Counter({ name: FLEET_METRIC_NAMES.statements, help: 'Schema statements applied', labelNames: ['trigger'], registers: [registry] });
  const databases = new Gauge({ name: FLEET_METRIC_NAMES.databases, help: 'Databases of the last fleet run by outcome', labelNames: ['outcome', 'target'], registers: [registry] });
  const runDuration = new Gauge({ name: FLEET_METRIC_NAMES.runDuration, help: 'Wall time of the last fleet run', registers: [registry] });
  const lastRun = new Gauge({ name: FLEET_METRIC_NAMES.lastRun, help: 'When the last fleet run ended (unix time)', registers: [registry] });
  for (const result of results) {
    if (result.outcome === 'not_attempted') continue;
    syncs.inc({ trigger: 'fleet', outcome: result.outcome });
    duration.observe({ trigger: 'fleet' }, result.durationMs / 1000);
    if (result.outcome === 'applied') statements.inc({ trigger: 'fleet' }, result.statements);
  }
  statements.inc({ trigger: 'fleet' }, 0);
  for (const [outcome, count] of Object.entries(summary.outcomes)) databases.set({ outcome, target: summary.target }, count);
  runDuration.set(summary.durationMs / 1000);
  lastRun.set(Date.now() / 1000);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, await registry.metrics());
  await rename(temp, path);
}
