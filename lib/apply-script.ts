/**
 * An embedded database's apply as one script that SQLite runs itself (`executeMultiple`, i.e.
 * sqlite3_exec), instead of one driver call per statement. The statements, their order and the one
 * transaction are exactly the batch's; what goes is the per-statement cost on the JavaScript side
 * (prepare, column metadata, and an exception thrown and caught for every statement that returns
 * no rows), which was a fifth of a 23-statement migration's time (bench/fleet).
 *
 * A script reports an error but not which statement raised it, so a script that fails has changed
 * nothing (its transaction is rolled back) and the caller replays the statement-by-statement batch,
 * whose error names the statement. A script is only made when it would do exactly what the batch
 * does: arguments that can be written as literals, and no statement that ends or nests the
 * transaction.
 */
import type { InArgs, InStatement, InValue } from '@libsql/client';
import { splitScript } from './sql/statements.js';
import { isWord, quoteString, tokenize } from './sql/tokens.js';
import { memoByObject } from './sql/memo.js';
import type { Plan } from './plan/steps.js';

function realLiteral(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** `value` as a SQL literal with the meaning the driver would bind it with, or null. */
function literal(value: InValue | undefined): string | null {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value.includes('\u0000') ? null : quoteString(value);
  // Past 64 bits the driver refuses the value and SQLite would read the literal as a REAL.
  if (typeof value === 'bigint') return BigInt.asIntN(64, value) === value ? String(value) : null;
  // The driver binds every JavaScript number as a REAL: 42 goes in as 42.0.
  if (typeof value === 'number') return Number.isFinite(value) ? realLiteral(value) : null;
  if (typeof value === 'boolean') return value ? '1.0' : '0.0'; // bound as the numbers 1 and 0
  if (value instanceof ArrayBuffer || value instanceof Uint8Array)
    return `X'${Buffer.from(value as Uint8Array).toString('hex')}'`;
  return null;
}

/** The statement with its positional arguments written in, or null when that cannot be done faithfully. */
export function inlineArguments(statement: InStatement): string | null {
  if (typeof statement === 'string') return statement;
  const args: InArgs = statement.args ?? [];
  if (!Array.isArray(args)) return null;
  const variables = tokenize(statement.sql).filter((token) => token.kind === 'variable');
  if (variables.length !== args.length || variables.some((token) => token.text !== '?')) return null;
  let sql = '';
  let from = 0;
  for (const [i, token] of variables.entries()) {
    const text = literal(args[i]);
    if (text === null) return null;
    sql += statement.sql.slice(from, token.start) + text;
    from = token.end;
  }
  return sql + statement.sql.slice(from);
}

const TRANSACTION_CONTROL = ['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE'];

/** Whether any statement of `sql` begins, ends or nests a transaction (a trigger's BEGIN … END does not). */
function controlsTransaction(sql: string): boolean {
  return splitScript(sql).statements.some((statement) => isWord(statement.tokens[0], ...TRANSACTION_CONTROL));
}

/**
 * SQLite keeps a CREATE statement's text up to the semicolon that ends it, so each statement is
 * followed directly by its semicolon (then a newline): the stored text is what the batch stores.
 * A statement whose text ends in a comment would swallow that semicolon; such a plan uses the batch.
 */
function endsInComment(sql: string): boolean {
  const tokens = tokenize(sql);
  const last = tokens[tokens.length - 1];
  return sql.slice(last === undefined ? 0 : last.end).trim() !== '';
}

/**
 * What the batch runs of `sql` is its first statement only, and SQLite reads either as a C string:
 * a step of several statements, or with a NUL in it (the script would end there and "succeed"
 * having run nothing), is not one the script may carry.
 */
function safeForScript(sql: string): boolean {
  try {
    return (
      !sql.includes('\u0000') &&
      splitScript(sql).statements.length === 1 &&
      !endsInComment(sql) &&
      !controlsTransaction(sql)
    );
  } catch {
    return false; // not tokenizable here: let SQLite judge it statement by statement
  }
}

const SEPARATOR = ';\n';

/** The plan's part of every script, made once per plan (a rollout shares one plan across databases). */
const planScript = memoByObject((plan: Plan): string | null =>
  plan.steps.every((step) => safeForScript(step.sql)) ? plan.steps.map((step) => step.sql).join(SEPARATOR) : null,
);

/**
 * The script for `guards` (the engine's own audit row and schema assertions, per database) and `plan`, in the
 * batch's order and transaction with foreign keys off as `client.migrate()` runs it; null when the
 * batch must be used instead.
 */
export function applyScript(guards: readonly InStatement[], plan: Plan): string | null {
  const steps = planScript(plan);
  if (steps === null) return null;
  const written: string[] = [];
  for (const guard of guards) {
    const sql = inlineArguments(guard);
    if (sql === null) return null;
    written.push(sql);
  }
  return [
    'PRAGMA foreign_keys=off',
    'BEGIN DEFERRED',
    ...written,
    ...(steps === '' ? [] : [steps]),
    'COMMIT',
    'PRAGMA foreign_keys=on',
  ].join(SEPARATOR);
}
