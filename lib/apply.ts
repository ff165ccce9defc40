/**
 * The applier: the whole plan and its audit row run as ONE atomic batch with foreign keys off
 * (`client.migrate()`), so any failure leaves the database exactly as it was.
 *
 * The audit row doubles as the guard against a second applier. Its id is the next one after the
 * row the plan was made against, and it is the batch's first write, which takes the write lock
 * (waiting on the busy timeout) before anything else is read. A process that planned against the
 * same state and comes second fails on that primary key — or on CREATE TABLE, when the table did
 * not exist yet — and learns that someone else got there first.
 *
 * Right after that first write, with the lock held, the batch proves that the schema is still the
 * one the plan was made from: the schema cookie must equal the snapshot's (plus the DDL the batch
 * itself has run so far). A connection that committed DDL in between — say, added a column and
 * filled it — makes the batch fail as a conflict instead of running a stale rebuild over its column.
 */
import type { Client, InStatement } from '@libsql/client';
import { LibsqlBatchError, LibsqlError } from './libsql.js';
import { applyScript } from './apply-script.js';
import { auditWrites, provenAuditWrite, type AuditRecord } from './audit.js';
import type { PlanProof } from './plan-cache.js';
import { SCHEMA_TEXT_SQL } from './snapshot.js';
import { REBUILD_PREFIX } from './plan/common.js';
import type { Plan, Step } from './plan/steps.js';

/** The state of the audit table that the plan was made against. */
export interface AuditState {
  readonly tableExists: boolean;
  /** Id of the newest audit row, 0 when there is none. */
  readonly latestId: number;
  /** `PRAGMA schema_version` read with the schema the plan was made from (see snapshot.ts). */
  readonly schemaCookie?: number;
}

/**
 * conflict: another applier or DDL got in between (plan afresh); failed: a statement failed;
 * stale: a blind apply's proof found the database elsewhere than the plan was made from.
 * Each leaves the database unchanged.
 */
export type ApplyFailure = 'conflict' | 'failed' | 'stale';

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

/** Takes the write lock for a batch that records no version; the two DDL statements bump the cookie by 2. */
const LOCK_TABLE = '_schema_sync_lock';
const TAKE_WRITE_LOCK = [`CREATE TABLE ${LOCK_TABLE} (x)`, `DROP TABLE ${LOCK_TABLE}`];

/** Fails the batch (json() raises on malformed input) unless the schema cookie is `expected`. */
function cookieAssertion(expected: number): InStatement {
  return {
    sql: "SELECT CASE WHEN schema_version = ? THEN 1 ELSE json('schema changed') END FROM pragma_schema_version",
    args: [expected],
  };
}

interface Preamble {
  readonly statements: InStatement[];
  /** Index of the cookie assertion in `statements`, or null when the caller gave no cookie. */
  readonly cookieAt: number | null;
  /** Whether the statements prove where the database is (a blind apply): a failure among them is `stale`. */
  readonly proof?: true;
}

/** Fails the batch unless the statement before it changed exactly one row. */
const ONE_ROW_CHANGED: InStatement = "SELECT CASE WHEN changes() = 1 THEN 1 ELSE json('not the recorded version') END";

/** Fails the batch unless sqlite_schema renders as `expected` (see SCHEMA_TEXT_SQL). */
function schemaTextAssertion(expected: string): InStatement {
  return {
    sql: `SELECT CASE WHEN (${SCHEMA_TEXT_SQL}) = ? THEN 1 ELSE json('not the schema the plan was made from') END`,
    args: [expected],
  };
}

/**
 * Fails the batch unless the database holds nothing but SQLite's and the engine's own tables
 * (`_schema_sync_*`, which introspection ignores too), and no version row: the state a plan from
 * the empty schema was made for.
 */
const EMPTY_ASSERTION: InStatement = `SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_schema\\_sync\\_%' ESCAPE '\\') THEN 1 ELSE json('not an empty database') END`;

function proofPreamble(audit: AuditRecord, proof: PlanProof, statements: number): Preamble {
  if (proof.from === null) {
    // The audit table's CREATE is the race guard: a second applier fails on it.
    return {
      statements: [EMPTY_ASSERTION, ...auditWrites(audit, { tableExists: false, latestId: 0 }, statements)],
      cookieAt: null,
      proof: true,
    };
  }
  return {
    statements: [
      provenAuditWrite(audit, proof.from, statements),
      ONE_ROW_CHANGED,
      schemaTextAssertion(proof.schemaText),
    ],
    cookieAt: null,
    proof: true,
  };
}

function preamble(audit: AuditRecord | null, state: AuditState, statements: number): Preamble {
  const writes: InStatement[] = audit === null ? [] : auditWrites(audit, state, statements);
  if (state.schemaCookie === undefined) return { statements: writes, cookieAt: null };
  if (audit === null) writes.push(...TAKE_WRITE_LOCK);
  const ddlSoFar = writes.filter((statement) => typeof statement === 'string').length;
  return { statements: [...writes, cookieAssertion(state.schemaCookie + ddlSoFar)], cookieAt: writes.length };
}

/**
 * The statements `applyPlan` sends, in order: the guard and audit row first, then the plan. Without
 * an audit record (an ad-hoc target such as `apply --schema file.sql`) no version is recorded.
 */
export function batchStatements(plan: Plan, audit: AuditRecord | null, state: AuditState): InStatement[] {
  return [...preamble(audit, state, plan.steps.length).statements, ...plan.steps.map((step) => step.sql)];
}

/** A rebuild's temporary table under the name the caller knows it by. */
const withRealNames = (text: string): string => text.replaceAll(REBUILD_PREFIX, '');

/**
 * SQLite's words without what only the engine knows: the driver repeats the code
 * (`SQLITE_CONSTRAINT: SQLITE_CONSTRAINT: …`) and a rebuild's constraint failures name the
 * temporary table (`_schema_sync_new_notes.body`) where the caller knows `notes.body`.
 */
function sqliteMessage(error: LibsqlError): string {
  return withRealNames(error.message.replace(/^(SQLITE_[A-Z_]+): \1: /, '$1: '));
}

export async function applyPlan(
  client: Client,
  plan: Plan,
  audit: AuditRecord | null,
  state: AuditState,
): Promise<void> {
  await runGuarded(client, plan, preamble(audit, state, plan.steps.length));
}

/**
 * A blind apply: `plan` and its audit row in one batch whose first statements prove, inside its
 * transaction, that the database records `proof.from` and has the schema the plan was made from.
 * One request for a database whose group already has a plan; when the proof fails the batch
 * changes nothing and throws ApplyError `stale`, and the caller takes the full path.
 */
export async function applyProven(client: Client, plan: Plan, audit: AuditRecord, proof: PlanProof): Promise<void> {
  await runGuarded(client, plan, proofPreamble(audit, proof, plan.steps.length));
}

async function runGuarded(
  client: Client,
  plan: Plan,
  { statements: guards, cookieAt, proof }: Preamble,
): Promise<void> {
  // An embedded database runs the whole apply as one native script when it can (see
  // apply-script.ts); when the script fails, it changed nothing, and the batch below runs the same
  // statements one by one to say which failed and why. Until that replay, the connection the
  // script used has foreign keys off (the replay turns them back on); the engine's own reads on
  // that client do not depend on them.
  const script = client.protocol === 'file' ? applyScript(guards, plan) : null;
  if (script !== null) {
    try {
      await client.executeMultiple(script);
      return;
    } catch (error) {
      if (!(error instanceof LibsqlError)) throw error;
      // Busy for the whole busy timeout: a replay would only wait as long again. The script stopped
      // before turning foreign keys back on; the pool hands the same connection back first.
      if (error.code === 'SQLITE_BUSY') {
        await client.execute('PRAGMA foreign_keys=on');
        throw new ApplyError(
          `${sqliteMessage(error)} (still locked by another connection after the busy timeout)`,
          'failed',
          null,
          null,
          null,
          error.code,
        );
      }
    }
  }
  try {
    await client.migrate([...guards, ...plan.steps.map((step) => step.sql)]);
  } catch (error) {
    if (!(error instanceof LibsqlError)) throw error;
    const index = error instanceof LibsqlBatchError ? error.statementIndex : null;
    if (index !== null && index === cookieAt) {
      throw new ApplyError(
        'another connection changed the schema after the plan was made',
        'conflict',
        null,
        null,
        null,
        error.code,
      );
    }
    if (index !== null && index < guards.length && proof === true) {
      throw new ApplyError(
        `the database is not where the plan was made from (${sqliteMessage(error)})`,
        'stale',
        null,
        null,
        null,
        error.code,
      );
    }
    if (index !== null && index < guards.length) {
      const raced = /UNIQUE|PRIMARY|already exists/i.test(error.message);
      throw new ApplyError(
        raced
          ? 'another process changed this database while the plan was made'
          : `cannot write the audit row: ${sqliteMessage(error)}`,
        raced ? 'conflict' : 'failed',
        null,
        null,
        null,
        error.code,
      );
    }
    const stepIndex = index === null ? null : index - guards.length;
    const step = stepIndex === null ? null : (plan.steps[stepIndex] ?? null);
    const where = step === null ? '' : ` at step ${(stepIndex ?? 0) + 1} (${step.kind} ${step.object}: ${step.reason})`;
    throw new ApplyError(
      `${sqliteMessage(error)}${where}`,
      'failed',
      step === null ? null : withRealNames(step.sql),
      stepIndex,
      step,
      error.code,
    );
  }
}
