/** What a rollout amounts to: counts by outcome, the grouped plans of a dry run, the exit code. */
import type { Step } from '../plan/steps.js';
import type { RolloutResult, StopReason } from './runner.js';
import type { DatabaseResult, FleetOutcome } from './sync-one.js';

export const FLEET_EXIT = { ok: 0, failed: 1, usage: 2, ahead: 3 } as const;

export interface RolloutSummary {
  readonly target: string;
  readonly databases: number;
  readonly outcomes: Readonly<Record<FleetOutcome, number>>;
  readonly statements: number;
  readonly plansComputed: number;
  /** Databases settled by the state file without being opened. */
  readonly fromState: number;
  readonly stopped: StopReason | null;
  readonly durationMs: number;
  readonly exitCode: number;
}

export interface PlanGroup {
  readonly from: string | null;
  readonly fingerprint: string;
  readonly databases: number;
  /** Up to 10 of the group's database names, for orientation. */
  readonly examples: readonly string[];
  readonly statements: readonly Pick<Step, 'kind' | 'object' | 'sql' | 'reason'>[];
}

const OUTCOMES: readonly FleetOutcome[] = [
  'applied',
  'up_to_date',
  'planned',
  'failed',
  'ahead',
  'beyond_target',
  'not_attempted',
];

export function countOutcomes(results: readonly DatabaseResult[]): Record<FleetOutcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<FleetOutcome, number>;
  for (const result of results) counts[result.outcome]++;
  return counts;
}

/** 1 when any database failed or a stop left some untouched, else 3 when any is ahead, else 0. */
export function exitCodeOf(counts: Readonly<Record<FleetOutcome, number>>, stopped: StopReason | null): number {
  if (counts.failed > 0 || stopped !== null) return FLEET_EXIT.failed;
  if (counts.ahead > 0) return FLEET_EXIT.ahead;
  return FLEET_EXIT.ok;
}

export function summarize(target: string, rollout: RolloutResult, durationMs: number): RolloutSummary {
  const outcomes = countOutcomes(rollout.results);
  return {
    target,
    databases: rollout.results.length,
    outcomes,
    statements: rollout.results.reduce((sum, r) => sum + (r.outcome === 'applied' ? r.statements : 0), 0),
    plansComputed: rollout.plansComputed,
    fromState: rollout.results.filter((r) => r.fromState === true).length,
    stopped: rollout.stopped,
    durationMs: Math.round(durationMs),
    exitCode: exitCodeOf(outcomes, rollout.stopped),
  };
}

/**
 * The lines a person reads for a database that did not reach the target: a failure with its
 * statement, or a database ahead of the application (refused, not failed: the summary counts it
 * as ahead and the exit code is 3). Nothing for the others.
 */
export function problemLines(result: DatabaseResult): string[] {
  const from = result.from ?? 'no version';
  const message = result.error?.message ?? '';
  if (result.outcome === 'ahead')
    return [`AHEAD ${result.name} (${from}, target ${result.to}; left unchanged): ${message}`];
  if (result.outcome !== 'failed') return [];
  const lines = [`FAILED ${result.name} (${from} → ${result.to}): ${message}`];
  if (result.error?.statement !== undefined)
    lines.push(`  failing statement:\n    ${result.error.statement.replaceAll('\n', '\n    ')}`);
  return lines;
}

/** A dry run's plans, one group per plan key, largest group first. */
export function groupPlans(rollout: RolloutResult): PlanGroup[] {
  const groups = new Map<string, { from: string | null; names: string[] }>();
  for (const result of rollout.results) {
    if (result.planKey === undefined) continue;
    const group = groups.get(result.planKey) ?? { from: result.from, names: [] };
    group.names.push(result.name);
    groups.set(result.planKey, group);
  }
  return [...groups.entries()]
    .map(([key, group]): PlanGroup => ({
      from: group.from,
      fingerprint: key.slice(key.lastIndexOf('|') + 1).slice(0, 16),
      databases: group.names.length,
      examples: group.names.slice(0, 10),
      statements: (rollout.plans.get(key)?.steps ?? []).map(({ kind, object, sql, reason }) => ({
        kind,
        object,
        sql,
        reason,
      })),
    }))
    .sort((a, b) => b.databases - a.databases || (a.fingerprint < b.fingerprint ? -1 : 1));
}

/** One database's result as the JSON lines and the --report file write it, after its name. */
export function resultFields(r: DatabaseResult): object {
  return {
    from: r.from,
    to: r.to,
    outcome: r.outcome,
    statements: r.statements,
    duration_ms: r.durationMs,
    ...(r.raced === true ? { raced: true } : {}),
    ...(r.fromState === true ? { from_state: true } : {}),
    ...(r.error === undefined ? {} : { error: r.error }),
  };
}

/** The --report file: per database from → to, statements, duration, outcome, error. */
export function reportDocument(summary: RolloutSummary, rollout: RolloutResult): object {
  return {
    summary,
    databases: rollout.results.map((r) => ({ name: r.name, ...resultFields(r) })),
  };
}
