/**
 * The sync loop: the one way any caller (a sign-in, an explicit sync, the CLI, a fleet rollout,
 * a worker) brings a database to a target. Read the version row → admit → snapshot with the schema
 * cookie → plan → guarded apply → plan afresh after a lost race (MAX_ATTEMPTS tries).
 *
 * Round trips: the version check (1); when behind, introspection (1) and the atomic apply (1).
 * With a plan cache (fleet rollouts), a behind database reads its schema fingerprint (1) instead,
 * only the first database of each fingerprint is introspected, and once a group's plan has been
 * applied the next database of the group is tried blind first: one request that proves where the
 * database is before it applies (1 in all when the guess holds). Embedded files too, where a round
 * trip costs nothing: the proof is still cheaper than the version read and fingerprint it replaces
 * (bench/fleet, 2026-12-07: 3.2 against 3.9 ms CPU a database). The loop knows no registry and logs nothing:
 * it returns its outcome as plain data (`SyncOutcome`), which crosses to and from a worker as is.
 */
import type { Client } from '@libsql/client';
import { readVersionState, type AuditRecord, type RecordedVersion, type VersionState } from './audit.js';
import { applyPlan, applyProven, ApplyError } from './apply.js';
import { elapsedSince } from './duration.js';
import { emptySchema, type DatabaseSchema } from './model.js';
import { planKeyOf, type PlanCache, type PlanProof } from './plan-cache.js';
import { planMigration, type Plan, type PlanOptions } from './plan/planner.js';
import { readSchemaFingerprint, readSchemaSnapshot, type SchemaSnapshot } from './snapshot.js';

/** Where a database stands against a target, judged from its newest audit row. */
export type Standing =
  | { readonly kind: 'current' }
  | { readonly kind: 'behind' }
  /** It records a version newer than the application's newest: refused. */
  | { readonly kind: 'ahead' }
  /** Past a staged target (`sync-all --to`) but not past the application: not ours to move back. */
  | { readonly kind: 'beyond_target' }
  /** It records something that is not a version this application can compare: refused. */
  | { readonly kind: 'unrecognised'; readonly reason: string };

/**
 * What the loop brings a database to. A registry version (lib/target.ts builds those) records
 * itself in the audit trail; an ad-hoc schema (`apply --schema file.sql`, `adHocTarget`) has
 * `version: null`: no version row is read or written.
 */
export interface SyncTarget {
  readonly version: string | null;
  readonly desired: DatabaseSchema;
  standing(recorded: RecordedVersion | null): Standing;
  /** Renames, drop allowances and data steps for a database coming from `from` with schema `actual`. */
  planOptions(from: string | null, actual: DatabaseSchema): Omit<PlanOptions, 'allowDestructive'>;
  /** The audit row that records the target for a database coming from `from`; null records nothing. */
  audit(from: string | null, appliedAt: string): AuditRecord | null;
}

/** A registry version's target: it always records itself. */
export interface VersionTarget extends SyncTarget {
  readonly version: string;
  audit(from: string | null, appliedAt: string): AuditRecord;
}

export interface SyncOptions {
  readonly allowDestructive?: boolean;
  /** Introspect and compare even when the recorded version is current (repairs drift). */
  readonly verify?: boolean;
  /** Plan, but apply nothing: a behind database ends `planned`. */
  readonly dryRun?: boolean;
  /** Share plans across databases of one schema (fleet rollouts); see lib/plan-cache.ts. */
  readonly planCache?: PlanCache;
  /**
   * The caller has just created this database: try the plan from the empty schema blind, in one
   * request that proves the database is still empty (a new user's sign-in); the full path if not.
   */
  readonly fresh?: boolean;
  /** Called right before each apply (a fleet worker whose rollout was abandoned stops here). */
  readonly beforeApply?: () => void;
  readonly now?: () => Date;
}

/** Codes of a database the target may not change. */
export type RefusalCode = 'DATABASE_AHEAD' | 'INVALID_RECORDED_VERSION';
/** Codes of a sync that changed nothing because it failed. */
export type FailureCode = 'APPLY_FAILED' | 'CONCURRENT_CHANGE';
export type SyncErrorCode = RefusalCode | FailureCode;

interface OutcomeBase {
  /** The version the database recorded when the sync started (null: none). */
  readonly from: string | null;
  /** The newest audit row as read at the start; null when there is none, or none was read (a blind apply). */
  readonly recorded: RecordedVersion | null;
  readonly durationMs: number;
  /** Batches that lost a race (another applier, or DDL committed under the plan) and were planned afresh. */
  readonly racesLost: number;
}

/** What one sync did, as data. `planKey` is set when the plan came through a plan cache. */
export type SyncOutcome = OutcomeBase &
  (
    | { readonly kind: 'applied'; readonly plan: Plan; readonly appliedAt: string; readonly planKey: string | null }
    | { readonly kind: 'up_to_date'; readonly plan: Plan }
    | { readonly kind: 'planned'; readonly plan: Plan; readonly planKey: string | null }
    | { readonly kind: 'beyond_target' }
    | { readonly kind: 'refused'; readonly code: RefusalCode; readonly message: string }
    | {
        readonly kind: 'failed';
        readonly code: FailureCode;
        readonly message: string;
        /** The statement that failed and its 0-based index in the plan, when a plan step failed. */
        readonly statement: string | null;
        readonly statementIndex: number | null;
        /** Statements of the plan that failed (0 when none was tried). */
        readonly statements: number;
        readonly planKey: string | null;
      }
  );

const EMPTY_PLAN: Plan = { steps: [], skipped: [], warnings: [] };

/** How often a sync that lost a race plans afresh before it reports CONCURRENT_CHANGE. */
const MAX_ATTEMPTS = 3;

/**
 * The outcome the version row alone decides: current (unless `verify`), past the target, refused;
 * null when the database must be planned. The one place an up-to-date result is built from a
 * version row (the fleet's state file and the service's off-thread check settle through it too).
 */
export function settleByVersion(
  target: SyncTarget,
  recorded: RecordedVersion | null,
  fields: Pick<OutcomeBase, 'durationMs' | 'racesLost'>,
  verify = false,
): SyncOutcome | null {
  const base = { from: recorded?.version ?? null, recorded, ...fields };
  const standing = target.standing(recorded);
  switch (standing.kind) {
    case 'behind':
      return null;
    case 'current':
      return verify ? null : { ...base, kind: 'up_to_date', plan: EMPTY_PLAN };
    case 'beyond_target':
      return { ...base, kind: 'beyond_target' };
    case 'ahead':
      return {
        ...base,
        kind: 'refused',
        code: 'DATABASE_AHEAD',
        message: `database is at schema ${recorded?.version ?? ''}, newer than this application's ${target.version ?? ''}; refusing to change it`,
      };
    case 'unrecognised':
      return {
        ...base,
        kind: 'refused',
        code: 'INVALID_RECORDED_VERSION',
        message: `${standing.reason}; refusing to change this database`,
      };
  }
}

interface Planned {
  readonly plan: Plan;
  /** The cookie of the schema the plan was made from, asserted by the apply batch. */
  readonly schemaCookie: number;
  /** Set when the plan came through a plan cache: its key, and the schema text it was made from. */
  readonly planKey: string | null;
  readonly schemaText: string | null;
}

/** The plan for this database; null when the schema moved while it was read (start over). */
async function planFor(
  client: Client,
  target: SyncTarget,
  state: VersionState,
  options: SyncOptions,
): Promise<Planned | null> {
  const from = state.recorded?.version ?? null;
  const make = (snapshot: SchemaSnapshot): Plan =>
    planMigration(snapshot.schema, target.desired, {
      ...target.planOptions(from, snapshot.schema),
      allowDestructive: options.allowDestructive === true,
    });
  const cache = options.planCache;
  if (cache === undefined) {
    const snapshot = await readSchemaSnapshot(client);
    return { plan: make(snapshot), schemaCookie: snapshot.schemaCookie, planKey: null, schemaText: null };
  }
  const { fingerprint, schemaText, schemaCookie } = await readSchemaFingerprint(client);
  const planKey = planKeyOf(state.recorded, fingerprint);
  // The plan is shared by every database of this fingerprint, so it must be made from the schema
  // the fingerprint saw: an applier committing in between (the cookie moved) would otherwise cache
  // an empty plan under the old fingerprint for every other database.
  const plan = await cache.getOrMake(planKey, async () => {
    const snapshot = await readSchemaSnapshot(client);
    return snapshot.schemaCookie === schemaCookie ? make(snapshot) : null;
  });
  return plan === null ? null : { plan, schemaCookie, planKey, schemaText };
}

/** The outcome of an apply whose statement failed (the database is unchanged). */
function applyFailed(
  base: Omit<OutcomeBase, 'durationMs'>,
  error: ApplyError,
  plan: Plan,
  planKey: string | null,
  durationMs: number,
): SyncOutcome {
  return {
    ...base,
    kind: 'failed',
    code: 'APPLY_FAILED',
    message: `schema sync failed, database unchanged: ${error.message}`,
    statement: error.statement,
    statementIndex: error.stepIndex,
    statements: plan.steps.length,
    planKey,
    durationMs,
  };
}

/**
 * A plan applied blind, in one request whose batch first proves the database is where the plan
 * was made from (lib/apply.ts `applyProven`). The outcome, or null when the proof failed: nothing
 * changed, take the long way.
 */
async function applyBlind(
  client: Client,
  target: SyncTarget,
  guess: { readonly plan: Plan; readonly planKey: string | null; readonly proof: PlanProof },
  options: SyncOptions,
  started: number,
): Promise<SyncOutcome | null> {
  const { plan, planKey, proof } = guess;
  const from = proof.from?.version ?? null;
  const appliedAt = (options.now?.() ?? new Date()).toISOString();
  const audit = target.audit(from, appliedAt);
  if (audit === null) return null;
  options.beforeApply?.();
  const base = { from, recorded: null, racesLost: 0 };
  try {
    await applyProven(client, plan, audit, proof);
  } catch (error) {
    if (!(error instanceof ApplyError)) throw error;
    if (error.failure !== 'failed') return null;
    return applyFailed(base, error, plan, planKey, elapsedSince(started));
  }
  return { ...base, kind: 'applied', plan, appliedAt, planKey, durationMs: elapsedSince(started) };
}

/** The first request's guess, when there is one: an empty database's plan, or the plan cache's. */
async function guessFirst(
  client: Client,
  target: SyncTarget,
  options: SyncOptions,
  started: number,
): Promise<SyncOutcome | null> {
  if (target.version === null || options.dryRun === true) return null;
  if (options.fresh === true) {
    const plan = planMigration(emptySchema, target.desired, {
      ...target.planOptions(null, emptySchema),
      allowDestructive: options.allowDestructive === true,
    });
    return applyBlind(client, target, { plan, planKey: null, proof: { from: null } }, options, started);
  }
  const cache = options.planCache;
  const speculation = cache?.speculation() ?? null;
  if (cache === undefined || speculation === null) return null;
  const outcome = await applyBlind(client, target, speculation, options, started);
  cache.guessed(outcome !== null);
  return outcome;
}

export async function runSync(client: Client, target: SyncTarget, options: SyncOptions = {}): Promise<SyncOutcome> {
  const started = performance.now();
  const verify = options.verify === true;
  // An ad-hoc schema records no version: it has no version row to read.
  const versioned = target.version !== null;
  let lastConflict = 'another connection changed the schema after the plan was made';
  let lastRead: Pick<OutcomeBase, 'from' | 'recorded'> = { from: null, recorded: null };
  const guessed = await guessFirst(client, target, options, started);
  if (guessed !== null) return guessed;
  // A lost race is planned afresh: the winner usually applied the very same version.
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const racesLost = attempt - 1;
    const state: VersionState = versioned ? await readVersionState(client) : { tableExists: true, recorded: null };
    lastRead = { from: state.recorded?.version ?? null, recorded: state.recorded };
    const base = { ...lastRead, racesLost };
    const durationMs = (): number => elapsedSince(started);
    if (versioned) {
      const settled = settleByVersion(target, state.recorded, { durationMs: durationMs(), racesLost }, verify);
      if (settled !== null) return settled;
    }
    const planned = await planFor(client, target, state, options);
    if (planned === null) {
      lastConflict = 'the schema kept changing while it was read';
      continue;
    }
    const { plan, schemaCookie, planKey, schemaText } = planned;
    const current = !versioned || target.standing(state.recorded).kind === 'current';
    if (plan.steps.length === 0 && current) return { ...base, kind: 'up_to_date', plan, durationMs: durationMs() };
    if (options.dryRun === true) return { ...base, kind: 'planned', plan, planKey, durationMs: durationMs() };
    const appliedAt = (options.now?.() ?? new Date()).toISOString();
    options.beforeApply?.();
    try {
      await applyPlan(client, plan, target.audit(base.from, appliedAt), {
        tableExists: state.tableExists,
        latestId: state.recorded?.id ?? 0,
        schemaCookie,
      });
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      if (error.failure === 'conflict') {
        lastConflict = error.message;
        continue;
      }
      return applyFailed(base, error, plan, planKey, durationMs());
    }
    // The next database of this group can likely be migrated blind, in one request.
    if (planKey !== null && schemaText !== null && state.recorded !== null) {
      const { version, checksum } = state.recorded;
      options.planCache?.applied({ planKey, plan, proof: { from: { version, checksum }, schemaText } });
    }
    return { ...base, kind: 'applied', plan, appliedAt, planKey, durationMs: durationMs() };
  }
  return {
    ...lastRead,
    racesLost: MAX_ATTEMPTS,
    kind: 'failed',
    code: 'CONCURRENT_CHANGE',
    message: lastConflict,
    statement: null,
    statementIndex: null,
    statements: 0,
    planKey: null,
    durationMs: elapsedSince(started),
  };
}

// ---- the loop's outcome as the service and the CLI take it: a result, or a SyncError

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

/**
 * The SyncError a refused or failed outcome stands for; null for any other outcome. A single
 * database synced to `toVersion` (not a staged rollout) refuses one beyond it as ahead.
 */
export function errorOf(outcome: SyncOutcome, toVersion: string | null): SyncError | null {
  if (outcome.kind === 'refused' || outcome.kind === 'beyond_target') {
    return new SyncError(
      outcome.kind === 'refused' ? outcome.code : 'DATABASE_AHEAD',
      outcome.kind === 'refused'
        ? outcome.message
        : `database is at schema ${outcome.from ?? ''}, newer than this application's ${toVersion ?? ''}; refusing to change it`,
      {
        fromVersion: outcome.from,
        ...(outcome.recorded === null ? {} : { recordedVersion: outcome.recorded.version }),
      },
    );
  }
  if (outcome.kind !== 'failed') return null;
  return new SyncError(outcome.code, outcome.message, {
    fromVersion: outcome.from,
    ...(outcome.statement === null ? {} : { statement: outcome.statement }),
    ...(outcome.statementIndex === null ? {} : { statementIndex: outcome.statementIndex }),
  });
}

/** A result for an applied or up-to-date outcome; throws the SyncError of any other. */
export function resultOf(outcome: SyncOutcome, toVersion: string): SyncResult {
  const error = errorOf(outcome, toVersion);
  if (error !== null) throw error;
  if (outcome.kind !== 'applied' && outcome.kind !== 'up_to_date') {
    throw new Error(`a sync to ${toVersion} ended ${outcome.kind}, which has no result`);
  }
  return {
    outcome: outcome.kind,
    fromVersion: outcome.from,
    toVersion,
    statements: outcome.kind === 'applied' ? outcome.plan.steps.length : 0,
    plan: outcome.plan,
    appliedAt: outcome.kind === 'applied' ? outcome.appliedAt : null,
    durationMs: outcome.durationMs,
    racesLost: outcome.racesLost,
  };
}

/** Brings a database to a registry version (sign-in, explicit sync, `apply`); throws SyncError. */
export async function syncDatabase(
  client: Client,
  target: VersionTarget,
  options: Omit<SyncOptions, 'dryRun' | 'planCache'> = {},
): Promise<SyncResult> {
  return resultOf(await runSync(client, target, options), target.version);
}

/** Dry run: what sync would do now, without changing anything. Throws SyncError for a refused database. */
export async function planSync(
  client: Client,
  target: VersionTarget,
  options: { allowDestructive?: boolean } = {},
): Promise<{ readonly recorded: RecordedVersion | null; readonly plan: Plan }> {
  const outcome = await runSync(client, target, { ...options, verify: true, dryRun: true });
  const error = errorOf(outcome, target.version);
  if (error !== null) throw error;
  return { recorded: outcome.recorded, plan: 'plan' in outcome ? outcome.plan : EMPTY_PLAN };
}

/** A target that brings a database to `desired` and records no version (e.g. `apply --schema file.sql`). */
export function adHocTarget(
  desired: DatabaseSchema,
  planOptions: (actual: DatabaseSchema) => Omit<PlanOptions, 'allowDestructive'> = () => ({}),
): SyncTarget {
  return {
    version: null,
    desired,
    standing: () => ({ kind: 'behind' }),
    planOptions: (_from, actual) => planOptions(actual),
    audit: () => null,
  };
}

/**
 * Brings a database to an ad-hoc desired schema without recording a version: the file is not one
 * of the application's versions. Introspection 1, apply 1. Throws SyncError.
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
  const outcome = await runSync(client, adHocTarget(desired, options.planOptions), {
    ...(options.allowDestructive === undefined ? {} : { allowDestructive: options.allowDestructive }),
  });
  const error = errorOf(outcome, null);
  if (error !== null) throw error;
  return { plan: 'plan' in outcome ? outcome.plan : EMPTY_PLAN, durationMs: outcome.durationMs };
}
