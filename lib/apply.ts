/**
 * The applier: the whole plan and its audit row run as ONE atomic batch with foreign keys off
 * (`client.migrate()`), so any failure leaves the database exactly as it was.
 *
 * The audit row doubles as the guard against a second applier. Its id is the next one after the
 * row the plan was made against, and it is the batch's first write, which takes the write lock
 * (waiting on the busy timeout) before anything else is read. A process that planned against the
 * same state and comes second fails on that primary key — or on CREATE TABLE, when the table did
 * not exist yet — and learns that someone else got there first.
 */
import { LibsqlBatchError, LibsqlError, type Client, type InStatement } from '@libsql/client';
import type { Plan, Step } from './steps.js';

export const SCHEMA_VERSION_DDL = `CREATE TABLE schema_version (
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  checksum TEXT NOT NULL,
  statements INTEGER NOT NULL,
  previous_version TEXT
)`;

export interface AuditRecord {
  readonly version: string;
  readonly description: string;
  readonly createdAt: string;
  readonly appliedAt: string;
  readonly checksum: string;
  readonly previousVersion: string | null;
}

/** The state of the audit table that the plan was made against. */
export interface AuditState {
  readonly tableExists: boolean;
  /** Id of the newest audit row, 0 when there is none. */
  readonly latestId: number;
}

export type ApplyFailure = 'conflict' | 'failed';

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly failure: ApplyFailure,
    readonly statement: string | null,
    /** Index into plan.steps of the step that failed, when a plan step failed. */
    readonly stepIndex: number | null,
    readonly step: Step | null,
    readonly sqliteCode: string | null,
  ) {
    super(message);
    this.name = 'ApplyError';
  }
}

function guardStatements(audit: AuditRecord | null, state: AuditState, statements: number): InStatement[] {
  if (audit === null) return [];
  const insert: InStatement = {
    sql: `INSERT INTO schema_version (id, version, description, created_at, applied_at, checksum, statements, previous_version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [state.latestId + 1, audit.version, audit.description, audit.createdAt, audit.appliedAt, audit.checksum,
      statements, audit.previousVersion],
  };
  return state.tableExists ? [insert] : [SCHEMA_VERSION_DDL, insert];
}

/**
 * The statements `applyPlan` sends, in order: the guard and audit row first, then the plan. Without
 * an audit record (an ad-hoc target such as `apply --schema file.sql`) no version is recorded.
 */
export function batchStatements(plan: Plan, audit: AuditRecord | null, state: AuditState): InStatement[] {
  return [...guardStatements(audit, state, plan.steps.length), ...plan.steps.map((step) => step.sql)];
}

export async function applyPlan(client: Client, plan: Plan, audit: AuditRecord | null, state: AuditState): Promise<void> {
  const preamble = guardStatements(audit, state, 0).length;
  try {
    await client.migrate(batchStatements(plan, audit, state));
  } catch (error) {
    if (!(error instanceof LibsqlError)) throw error;
    const index = error instanceof LibsqlBatchError ? error.statementIndex : null;
    if (index !== null && index < preamble) {
      const raced = /UNIQUE|PRIMARY|already exists/i.test(error.message);
      throw new ApplyError(
        raced ? 'another process changed this database while the plan was made' : `cannot write the audit row: ${error.message}`,
        raced ? 'conflict' : 'failed', null, null, null, error.code,
      );
    }
    const stepIndex = index === null ? null : index - preamble;
    const step = stepIndex === null ? null : plan.steps[stepIndex] ?? null;
    const where = step === null ? '' : ` at step ${(stepIndex ?? 0) + 1} (${step.kind} ${step.object}: ${step.reason})`;
    throw new ApplyError(`${error.message}${where}`, 'failed', step?.sql ?? null, stepIndex, step, error.code);
  }
}
