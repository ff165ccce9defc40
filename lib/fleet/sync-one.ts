/**
 * One database of a rollout: the sync loop (lib/sync.ts) with the rollout's plan cache, and its
 * outcome as a fleet result (what sync-all prints and reports). Only the mapping lives here.
 */
import type { Client } from '@libsql/client';
import { describeFailure, type ErrorDetail } from '../error-catalogue.js';
import type { PlanCache } from '../plan-cache.js';
import { runSync, type SyncOptions, type SyncOutcome, type VersionTarget } from '../sync.js';

export type FleetOutcome =
  'applied' | 'up_to_date' | 'planned' | 'failed' | 'ahead' | 'beyond_target' | 'not_attempted';

/** A failed or refused database's error: a catalogue code, a sentence, and the details in one shape. */
export type FleetError = ErrorDetail;

export interface DatabaseResult {
  readonly name: string;
  readonly from: string | null;
  readonly to: string;
  readonly outcome: FleetOutcome;
  readonly statements: number;
  readonly durationMs: number;
  /** `<recorded version>|<checksum>|<schema fingerprint>`: databases with one key share one plan. */
  readonly planKey?: string;
  /** Another applier got there first; this run applied nothing. */
  readonly raced?: boolean;
  /** Settled from the state file: the file is unchanged since a run read its audit row. */
  readonly fromState?: boolean;
  readonly error?: FleetError;
}

export interface RolloutTarget {
  /** The engine's target: the rollout's version (`--to`), its plan options and audit row. */
  readonly engine: VersionTarget;
  readonly allowDestructive: boolean;
  readonly dryRun: boolean;
  readonly now?: () => Date;
  /** Called right before each apply: a worker whose rollout was abandoned stops here (see lib/sync-worker.ts). */
  readonly beforeApply?: () => void;
}

/** A sync outcome as the rollout reports it. */
export function fleetResult(name: string, to: string, outcome: SyncOutcome): DatabaseResult {
  const base = { name, from: outcome.from, to, durationMs: outcome.durationMs };
  switch (outcome.kind) {
    case 'applied':
      return {
        ...base,
        outcome: 'applied',
        statements: outcome.plan.steps.length,
        ...(outcome.planKey === null ? {} : { planKey: outcome.planKey }),
      };
    case 'up_to_date':
      return { ...base, outcome: 'up_to_date', statements: 0, ...(outcome.racesLost > 0 ? { raced: true } : {}) };
    case 'planned':
      return {
        ...base,
        outcome: 'planned',
        statements: outcome.plan.steps.length,
        ...(outcome.planKey === null ? {} : { planKey: outcome.planKey }),
      };
    case 'beyond_target':
      return { ...base, outcome: 'beyond_target', statements: 0 };
    case 'refused':
      return {
        ...base,
        outcome: outcome.code === 'DATABASE_AHEAD' ? 'ahead' : 'failed',
        statements: 0,
        error: describeFailure(outcome),
      };
    case 'failed':
      return {
        ...base,
        outcome: 'failed',
        statements: outcome.statements,
        ...(outcome.planKey === null ? {} : { planKey: outcome.planKey }),
        error: describeFailure(outcome),
      };
  }
}

/** The sync options of a rollout target, with the rollout's plan cache. */
export function rolloutOptions(target: RolloutTarget, cache: PlanCache): SyncOptions {
  return {
    allowDestructive: target.allowDestructive,
    dryRun: target.dryRun,
    planCache: cache,
    ...(target.now === undefined ? {} : { now: target.now }),
    ...(target.beforeApply === undefined ? {} : { beforeApply: target.beforeApply }),
  };
}

/** Syncs one database of a rollout (the loop throws only for what is not a sync outcome, e.g. an unreadable file). */
export async function syncOne(
  name: string,
  client: Client,
  target: RolloutTarget,
  cache: PlanCache,
): Promise<DatabaseResult> {
  return fleetResult(name, target.engine.version, await runSync(client, target.engine, rolloutOptions(target, cache)));
}
