/**
 * Data steps: the statements after a SQL version's `-- @data` marker, or a TypeScript version's
 * `dataSteps`. They run once, in the apply's transaction, and may only change rows.
 */
import { readScript, schemaProblem } from '../desired.js';
import type { Comment, Statement } from '../sql/statements.js';
import { isWord } from '../sql/tokens.js';

/** Statements a data step may be: they change rows, never the schema. */
const DATA_STATEMENTS = ['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH'];

/**
 * A TypeScript version's data step: exactly one statement that only changes rows (a driver runs
 * the first statement of a text and ignores the rest, so a second one would silently not run).
 */
export function checkDataStep(text: string, origin?: string): string {
  const statements = readScript(text, { origin }).statements;
  const [only] = statements;
  if (only === undefined || statements.length !== 1) {
    throw schemaProblem(
      origin,
      null,
      `a data step must be exactly one statement, not ${statements.length}: "${text.split('\n')[0]?.slice(0, 60) ?? ''}"`,
    );
  }
  if (!isWord(only.tokens[0], ...DATA_STATEMENTS)) {
    throw schemaProblem(
      origin,
      null,
      `a data step may only be ${DATA_STATEMENTS.join(', ')}; "${(only.text.split('\n')[0] ?? '').slice(0, 60)}" is not`,
    );
  }
  return only.text;
}

/** Splits the data steps off at the `-- @data` marker and checks that each only changes rows. */
export function dataStepsAfter(
  marker: Comment | null,
  statements: readonly Statement[],
  origin: string | undefined,
): Statement[] {
  if (marker === null) return [];
  const steps = statements.filter((statement) => statement.start > marker.start);
  for (const step of steps) {
    if (!isWord(step.tokens[0], ...DATA_STATEMENTS)) {
      throw schemaProblem(
        origin,
        step.line,
        `a data step (after -- @data on line ${marker.line}) may only be ${DATA_STATEMENTS.join(', ')}; ` +
          `"${(step.text.split('\n')[0] ?? '').slice(0, 60)}" is not`,
        step.text,
      );
    }
  }
  return steps;
}
