/**
 * Sync: bring one database to a target. Round trips: the version check (1); when behind,
 * introspection (1) and the atomic apply (1). The engine knows no registry and logs nothing: the
 * caller hands it a `SyncTarget` (what to reach and what crossing versions allows) and gets an
 * outcome back, or a `SyncError` with a stable code.
 */
import type { Client } from '@libsql/client';
import { readVersionState, type AuditRecord, type RecordedVersion } from './audit.js';
import { applyPlan, ApplyError } from './apply.js';
import { planMigration, type Plan, type PlanOptions } from './plan/planner.js';
import type { DatabaseSchema } from './model.js';
import { readSchemaSnapshot, type SchemaSnapshot } from './snapshot.js';

/** Where a database stands against a target, judged from its newest audit row. */
export type Standing =
  | { readonly kind: 'current' }
  | { readonly kind: 'behind' }
  /** It records a version newer than the target: left alone. */
  | { readonly kind: 'ahead' }
  /** It records something that is not a version this application can compare: left alone. */
  | { readonly kind: 'unrecognised'; readonly reason: string };

/** What the engine brings a database to. Built by the schema registry (schema/target.ts). */
export interface SyncTarget {
  readonly version: string;
  readonly desired: DatabaseSchema;
  standing(recorded: RecordedVersion | null): Standing;
  /** Renames, drop allowances and data steps of the versions a database crosses coming from `from`. */
  planOptions(from: string | null): Omit<PlanOptions, 'allowDestructive'>;
  /** The audit row that records the target for a database coming from `from`. */
  audit(from: string | null, appliedAt: string): AuditRecord;
}

export interface SyncOptions {
  readonly allowDestructive?: boolean;
  /** Introspect and compare even when the recorded version is current (repairs drift). */
  readonly verify?: boolean;
  readonly now?: () => Date;
}

export interface SyncResult {
  readonly outcome: 'applied' | 'up_to_date';
  readonly fromVersion: string | null;
  readonly toVersion: string;
  readonly statements: number;
  readonly plan: Plan;
  /** When this call applied the version; null when nothing was applied. */
  readonly appliedAt: string | null;
  readonly durationMs: number;
  /** Batches that lost a race (another applier, or DDL committed under the plan) and were planned afresh. */
  readonly racesLost: number;
}

export type SyncErrorCode = 'DATABASE_AHEAD' | 'INVALID_RECORDED_VERSION' | 'APPLY_FAILED' | 'CONCURRENT_CHANGE';

export interface SyncErrorDetails {
  readonly statement?: string;
  readonly statementIndex?: number;
  readonly recordedVersion?: string;
  /** The version the database recorded when the sync started (for logs). */
  readonly fromVersion?: string | null;
}

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly details: SyncErrorDetails = {},
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

function applyFailed(error: ApplyError, fromVersion: string | null): SyncError {
  return new SyncError('APPLY_FAILED', `schema sync failed, database unchanged: ${error.message}`, {
    fromVersion,
    ...(error.statement === null ? {} : { statement: error.statement }),
    ...(error.stepIndex === null ? {} : { statementIndex: error.stepIndex }),
  });
}

/** Throws for a database the target may not change; returns whether it is already current. */
function admit(target: SyncTarget, recorded: RecordedVersion | null): boolean {
  const standing = target.standing(recorded);
  if (standing.kind === 'ahead') {
    throw new SyncError(
      'DATABASE_AHEAD',
      `database is at schema ${recorded?.version ?? ''}, newer than this application's ${target.version}; refusing to change it`,
      { ...(recorded === null ? {} : { recordedVersion: recorded.version }) },
    );
  }
  if (standing.kind === 'unrecognised') {
    throw new SyncError('INVALID_RECORDED_VERSION', `${standing.reason}; refusing to change this database`, {
      ...(recorded === null ? {} : { recordedVersion: recorded.version }),
    });
  }
  return standing.kind === 'current';
}

/** Introspects (one round trip) and plans the way to the target. */
async function planToTarget(
  client: Client,
  target: SyncTarget,
  from: string | null,
  allowDestructive: boolean,
): Promise<{ readonly plan: Plan; readonly snapshot: SchemaSnapshot }> {
  const snapshot = await readSchemaSnapshot(client);
  return {
    plan: planMigration(snapshot.schema, target.desired, { ...target.planOptions(from), allowDestructive }),
    snapshot,
  };
}

/** How often a sync that lost a race plans afresh before it reports CONCURRENT_CHANGE. */
const MAX_ATTEMPTS = 3;

/** Dry run: what sync would do now, without changing anything. */
export async function planSync(
  client: Client,
  target: SyncTarget,
  options: { allowDestructive?: boolean } = {},
): Promise<{ readonly recorded: RecordedVersion | null; readonly plan: Plan }> {
  const { recorded } = await readVersionState(client);
  admit(target, recorded);
  const { plan } = await planToTarget(client, target, recorded?.version ?? null, options.allowDestructive === true);
  return { recorded, plan };
}

const emptyPlan: Plan = { steps: [], skipped: [], warnings: [] };

export async function syncDatabase(client: Client, target: SyncTarget, options: SyncOptions = {}): Promise<SyncResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 100) / 100;
  const upToDate = (fromVersion: string | null, plan: Plan, racesLost: number): SyncResult => ({
    outcome: 'up_to_date',
    fromVersion,
    toVersion: target.version,
    statements: 0,
    plan,
    appliedAt: null,
    durationMs: elapsed(),
    racesLost,
  });
  // A lost race is retried with a fresh plan: the winner usually applied the very same version.
  for (let attempt = 1; ; attempt++) {
    const state = await readVersionState(client);
    const from = state.recorded?.version ?? null;
    const current = admit(target, state.recorded);
    if (current && options.verify !== true) return upToDate(from, emptyPlan, attempt - 1);
    const { plan, snapshot } = await planToTarget(client, target, from, options.allowDestructive === true);
    if (plan.steps.length === 0 && current) return upToDate(from, plan, attempt - 1);
    const appliedAt = (options.now?.() ?? new Date()).toISOString();
    try {
      await applyPlan(client, plan, target.audit(from, appliedAt), {
        tableExists: state.tableExists,
        latestId: state.recorded?.id ?? 0,
        schemaCookie: snapshot.schemaCookie,
      });
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      if (error.failure !== 'conflict') throw applyFailed(error, from);
      if (attempt < MAX_ATTEMPTS) continue;
      throw new SyncError('CONCURRENT_CHANGE', error.message);
    }
    return {
      outcome: 'applied',
      fromVersion: from,
      toVersion: target.version,
      statements: plan.steps.length,
      plan,
      appliedAt,
      durationMs: elapsed(),
      racesLost: attempt - 1,
    };
  }
}

/**
 * Brings a database to an ad-hoc desired schema (e.g. `apply --schema file.sql`) without recording
 * a version: the file is not one of the application's versions. Introspection 1, apply 1.
 */
export async function syncToSchema(
  client: Client,
  desired: DatabaseSchema,
  options: {
    allowDestructive?: boolean;
    /** Plan options that depend on the database (a schema file's annotations are checked against it). */
    planOptions?: (actual: DatabaseSchema) => Omit<PlanOptions, 'allowDestructive'>;
  } = {},
): Promise<{ readonly plan: Plan; readonly durationMs: number }> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    const snapshot = await readSchemaSnapshot(client);
    const plan = planMigration(snapshot.schema, desired, {
      ...options.planOptions?.(snapshot.schema),
      allowDestructive: options.allowDestructive === true,
    });
    if (plan.steps.length > 0) {
      try {
        await applyPlan(client, plan, null, { tableExists: true, latestId: 0, schemaCookie: snapshot.schemaCookie });
      } catch (error) {
        if (!(error instanceof ApplyError)) throw error;
        if (error.failure === 'conflict' && attempt < MAX_ATTEMPTS) continue;
        throw error.failure === 'conflict'
          ? new SyncError('CONCURRENT_CHANGE', error.message)
          : applyFailed(error, null);
      }
    }
    return { plan, durationMs: Math.round((performance.now() - started) * 100) / 100 };
  }
}
