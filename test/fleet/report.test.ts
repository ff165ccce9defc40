/**
 * The per-database lines sync-all prints for a person (on a terminal): a database ahead of the
 * application is refused, not failed, and its line says so, as the summary's "ahead" count does.
 */
import t from 'tap';
import { countOutcomes, exitCodeOf, problemLines } from '../../lib/fleet/report.js';
import type { DatabaseResult } from '../../lib/fleet/sync-one.js';

/** As the fleet reports a database whose version row is newer than the application's newest. */
const ahead: DatabaseResult = {
  name: 'db-00001',
  from: '9.0.0',
  to: '1.2.0',
  outcome: 'ahead',
  statements: 0,
  durationMs: 1.5,
  error: {
    code: 'DATABASE_AHEAD',
    message: "database is at schema 9.0.0, newer than this application's 1.2.0; refusing to change it",
  },
};

const failed: DatabaseResult = {
  name: 'db-00002',
  from: '1.1.0',
  to: '1.2.0',
  outcome: 'failed',
  statements: 0,
  durationMs: 3,
  error: {
    code: 'APPLY_FAILED',
    message: 'schema sync failed, database unchanged: UNIQUE constraint failed: users.email',
    statement: 'CREATE UNIQUE INDEX users_email\nON users(email)',
  },
};

t.test('a database ahead of the application is reported as ahead, not FAILED', async (t) => {
  const lines = problemLines(ahead);
  t.equal(lines.length, 1, 'one line');
  t.notMatch(lines[0], /FAILED/, 'it does not say FAILED');
  t.equal(
    lines[0],
    "AHEAD db-00001 (9.0.0, target 1.2.0; left unchanged): database is at schema 9.0.0, newer than this application's 1.2.0; refusing to change it",
    'it says the database is ahead, its version, the target and why it is left alone',
  );
  const counts = countOutcomes([ahead]);
  t.equal(counts.ahead, 1, 'the summary counts it as ahead');
  t.equal(counts.failed, 0, 'and not as failed');
  t.equal(exitCodeOf(counts, null), 3, 'exit 3');
});

t.test('a failed database keeps its FAILED line and its statement', async (t) => {
  t.same(problemLines(failed), [
    'FAILED db-00002 (1.1.0 → 1.2.0): schema sync failed, database unchanged: UNIQUE constraint failed: users.email',
    '  failing statement:\n    CREATE UNIQUE INDEX users_email\n    ON users(email)',
  ]);
  t.same(problemLines({ ...failed, from: null, error: { code: 'INTERNAL_ERROR', message: 'boom' } }), [
    'FAILED db-00002 (no version → 1.2.0): boom',
  ]);
});

t.test('databases that reached or stay at their version print no line', async (t) => {
  for (const outcome of ['applied', 'up_to_date', 'planned', 'beyond_target', 'not_attempted'] as const) {
    t.same(problemLines({ ...ahead, outcome, error: undefined }), [], outcome);
  }
});
