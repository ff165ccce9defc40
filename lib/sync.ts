/**
 * Sync: bring one database to the registry's current version. Round trips: the version check (1);
 * when behind, introspection (1) and the atomic apply (1). Nothing here knows about HTTP.
 */
import { LibsqlError, type Client } from '@libsql/client';
import semver from 'semver';
import type { SchemaRegistry, LoadedSchemaVersion } from '../schema/registry.js';
import { applyPlan, ApplyError, type AuditState } from './apply.js';
import { plan as makePlan, type DropAllowance, type Plan, type PlanOptions } from './diff.js';
import { introspect } from './introspect.js';
import type { DatabaseSchema } from './model.js';
import type { Renames } from './renames.js';
import { composeRenames } from './rename-chain.js';

export interface RecordedVersion {
  readonly id: number;
  readonly version: string;
  readonly description: string;
  readonly createdAt: string;
  readonly appliedAt: string;
  readonly checksum: string;
  readonly statements: number;
}

export interface VersionState {
  readonly tableExists: boolean;
  readonly recorded: RecordedVersion | null;
}

export interface SyncLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SyncOptions {
  readonly allowDestructive?: boolean;
  /** Introspect and compare even when the recorded version is current (repairs drift). */
  readonly verify?: boolean;
  readonly logger?: SyncLogger;
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
}

export type SyncErrorCode = 'DATABASE_AHEAD' | 'APPLY_FAILED' | 'CONCURRENT_CHANGE';

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly details: { statement?: string; statementIndex?: number; recordedVersion?: string } = {},
  ) {
    super(message);
    this.name = 'SyncError';
  }

  get statement(): string | undefined { return this.details.statement; }
  get statementIndex(): number | undefined { return this.details.statementIndex; }
  get recordedVersion(): string | undefined { return this.details.recordedVersion; }
}

function applyFailed(error: ApplyError): SyncError {
  return new SyncError('APPLY_FAILED', `schema sync failed, database unchanged: ${error.message}`, {
    ...(error.statement === null ? {} : { statement: error.statement }),
    ...(error.stepIndex === null ? {} : { statementIndex: error.stepIndex }),
  });
}

const READ_VERSION_SQL = `SELECT id, version, description, created_at, applied_at, checksum, statements
FROM schema_version ORDER BY id DESC LIMIT 1`;

/** Reads the newest audit row in one round trip; a database without the table has none. */
export async function readVersionState(client: Client): Promise<VersionState> {
  try {
    const result = await client.execute(READ_VERSION_SQL);
    const row = result.rows[0];
    if (row === undefined) return { tableExists: true, recorded: null };
    return {
      tableExists: true,
      recorded: {
        id: Number(row['id']),
        version: String(row['version']),
        description: String(row['description']),
        createdAt: String(row['created_at']),
        appliedAt: String(row['applied_at']),
        checksum: String(row['checksum']),
        statements: Number(row['statements']),
      },
    };
  } catch (error) {
    if (error instanceof LibsqlError && /no such table/i.test(error.message)) return { tableExists: false, recorded: null };
    throw error;
  }
}

export async function readRecordedVersion(client: Client): Promise<RecordedVersion | null> {
  return (await readVersionState(client)).recorded;
}

function mergeAllowances(versions: readonly LoadedSchemaVersion[]): DropAllowance {
  const columns: Record<string, string[]> = {};
  for (const version of versions) {
    for (const [table, names] of Object.entries(version.allowDrops.columns ?? {})) columns[table] = [...(columns[table] ?? []), ...names];
  }
  const list = (key: 'tables' | 'indexes' | 'views' | 'triggers'): string[] => versions.flatMap((version) => version.allowDrops[key] ?? []);
  return { tables: list('tables'), indexes: list('indexes'), views: list('views'), triggers: list('triggers'), columns };
}

/** Composed, not merged: `b ← a` then `c ← b` is `c ← a` for a database that crosses both. */
function mergeRenames(versions: readonly LoadedSchemaVersion[]): Renames {
  return composeRenames(versions.map((version) => version.renames));
}

/** The versions a database crosses going from `from` (exclusive) to the current one. */
function crossedVersions(registry: SchemaRegistry, from: string | null): LoadedSchemaVersion[] {
  return registry.versions.filter((version) => from === null || semver.gt(version.version, from));
}

export function planOptionsFor(registry: SchemaRegistry, from: string | null, allowDestructive: boolean): PlanOptions {
  const crossed = crossedVersions(registry, from);
  return {
    allowDestructive,
    allowDrops: mergeAllowances(crossed),
    renames: mergeRenames(crossed),
    dataSteps: registry.dataStepsBetween(from, registry.current.version),
  };
}

function refuseIfAhead(registry: SchemaRegistry, recorded: RecordedVersion | null): void {
  // Not semver: there is no telling whether it is ahead or behind, so nothing is changed.
  if (recorded !== null && semver.valid(recorded.version) === null) {
    throw new SyncError('DATABASE_AHEAD',
      `table schema_version records version ${JSON.stringify(recorded.version)}, which is not a semantic version (e.g. 1.2.0); refusing to change the database`,
      { recordedVersion: recorded.version });
  }
  if (recorded !== null && semver.valid(recorded.version) !== null && semver.gt(recorded.version, registry.current.version)) {
    throw new SyncError('DATABASE_AHEAD',
      `database is at schema ${recorded.version}, newer than this application's ${registry.current.version}; refusing to change it`,
      { recordedVersion: recorded.version });
  }
}

function isCurrent(registry: SchemaRegistry, recorded: RecordedVersion | null): boolean {
  return recorded !== null && recorded.version === registry.current.version && recorded.checksum === registry.current.checksum;
}

/** Introspects (one round trip) and plans the way to the registry's current version. */
async function planToCurrent(client: Client, registry: SchemaRegistry, from: string | null, allowDestructive: boolean): Promise<Plan> {
  return makePlan(await introspect(client), registry.current.desired, planOptionsFor(registry, from, allowDestructive));
}

/** Dry run: what sync would do now, without changing anything. */
export async function planSync(
  client: Client, registry: SchemaRegistry, options: { allowDestructive?: boolean } = {},
): Promise<{ readonly recorded: RecordedVersion | null; readonly plan: Plan }> {
  const state = await readVersionState(client);
  refuseIfAhead(registry, state.recorded);
  return { recorded: state.recorded, plan: await planToCurrent(client, registry, state.recorded?.version ?? null, options.allowDestructive === true) };
}

const emptyPlan: Plan = { steps: [], skipped: [], warnings: [] };

export async function syncDatabase(client: Client, registry: SchemaRegistry, options: SyncOptions = {}): Promise<SyncResult> {
  const started = performance.now();
  const target = registry.current;
  const log = options.logger;
  // A lost race is retried once: the winner usually applied the very same version.
  for (let attempt = 1; ; attempt++) {
    const state = await readVersionState(client);
    const from = state.recorded?.version ?? null;
    refuseIfAhead(registry, state.recorded);
    const elapsed = (): number => Math.round((performance.now() - started) * 100) / 100;
    if (isCurrent(registry, state.recorded) && options.verify !== true) {
      return { outcome: 'up_to_date', fromVersion: from, toVersion: target.version, statements: 0, plan: emptyPlan, appliedAt: null, durationMs: elapsed() };
    }
    const plan = await planToCurrent(client, registry, from, options.allowDestructive === true);
    if (plan.steps.length === 0 && isCurrent(registry, state.recorded)) {
      return { outcome: 'up_to_date', fromVersion: from, toVersion: target.version, statements: 0, plan, appliedAt: null, durationMs: elapsed() };
    }
    const appliedAt = (options.now?.() ?? new Date()).toISOString();
    const auditState: AuditState = { tableExists: state.tableExists, latestId: state.recorded?.id ?? 0 };
    try {
      await applyPlan(client, plan, {
        version: target.version, description: target.description, createdAt: target.createdAt, appliedAt,
        checksum: target.checksum, previousVersion: from,
      }, auditState);
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      if (error.failure === 'conflict') {
        log?.warn({ from_version: from, to_version: target.version, attempt }, 'schema sync lost a race to another applier');
        const now = await readVersionState(client);
        if (isCurrent(registry, now.recorded)) {
          return { outcome: 'up_to_date', fromVersion: now.recorded?.version ?? null, toVersion: target.version, statements: 0, plan: emptyPlan, appliedAt: null, durationMs: elapsed() };
        }
        if (attempt < 3) continue;
        throw new SyncError('CONCURRENT_CHANGE', error.message);
      }
      log?.error({
        from_version: from, to_version: target.version, statements: plan.steps.length, duration_ms: elapsed(),
        outcome: 'failed', failed_statement: error.statement, error: error.message,
      }, 'schema sync failed; database unchanged');
      throw applyFailed(error);
    }
    const result: SyncResult = {
      outcome: 'applied', fromVersion: from, toVersion: target.version, statements: plan.steps.length, plan, appliedAt, durationMs: elapsed(),
    };
    log?.info({
      from_version: from, to_version: target.version, statements: plan.steps.length, duration_ms: result.durationMs,
      outcome: 'applied', skipped: plan.skipped.length, warnings: plan.warnings,
    }, 'schema synced');
    return result;
  }
}

/**
 * Brings a database to an ad-hoc desired schema (e.g. `apply --schema file.sql`) without recording
 * a version: the file is not one of the application's versions. Introspection 1, apply 1.
 */
export async function syncToSchema(
  client: Client, desired: DatabaseSchema,
  options: { allowDestructive?: boolean; planOptions?: (actual: DatabaseSchema) => Omit<PlanOptions, 'allowDestructive'> } = {},
): Promise<{ readonly plan: Plan; readonly durationMs: number }> {
  const started = performance.now();
  const actual = await introspect(client);
  const plan = makePlan(actual, desired, { ...options.planOptions?.(actual), allowDestructive: options.allowDestructive === true });
  if (plan.steps.length > 0) {
    try {
      await applyPlan(client, plan, null, { tableExists: true, latestId: 0 });
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      throw applyFailed(error);
    }
  }
  return { plan, durationMs: Math.round((performance.now() - started) * 100) / 100 };
}
