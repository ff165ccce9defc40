/**
 * Every step the planner makes names the change it belongs to (`Step.source`): plain data that
 * survives a JSON round trip, and from which the CLI's summary counts changes.
 */
import t from 'tap';
import { summarizePlan } from '../../bin/cli/format.js';
import type { Plan, StepSource } from '../../lib/plan/planner.js';
import { converge, dirFor, exec, planTo, tempDb } from './_support.js';

const sourcesOf = (plan: Plan): StepSource[] =>
  plan.steps.map((step) => {
    if (step.source === undefined) throw new Error(`step without a source: ${step.kind} ${step.object}`);
    return step.source;
  });

t.test('every step has a source that survives JSON', async (t) => {
  const setup = `
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, mail TEXT, legacy TEXT);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    CREATE TABLE gone (id INTEGER PRIMARY KEY);
    CREATE INDEX notes_body ON notes (body);
    CREATE VIEW v AS SELECT id FROM notes;
    INSERT INTO accounts VALUES (1, 'a@x', 'l'), (2, 'b@x', NULL);
    INSERT INTO notes VALUES (1, 'n');
    INSERT INTO gone VALUES (7);
  `;
  const desired = `
    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, extra INTEGER);
    CREATE TABLE fresh (id INTEGER PRIMARY KEY);
    CREATE INDEX notes_body ON notes (body, id);
    CREATE VIEW v AS SELECT id, body FROM notes;
  `;
  const { plan, before, after } = await converge(t, setup, desired, {
    renames: { tables: { customers: 'accounts' }, columns: { customers: { email: 'mail' } } },
    allowDestructive: true,
  });
  const sources = sourcesOf(plan);
  t.same(JSON.parse(JSON.stringify(sources)), sources, 'sources are plain JSON data');
  t.match(sources, [
    { kind: 'rename', object: 'table', table: 'customers', from: 'accounts', to: 'customers' },
    { kind: 'rename', object: 'column', table: 'customers', from: 'mail', to: 'email' },
  ]);
  const has = (wanted: Record<string, unknown>, label: string): void => {
    t.ok(
      sources.some((source) =>
        Object.entries(wanted).every(
          ([key, value]) => JSON.stringify((source as Record<string, unknown>)[key]) === JSON.stringify(value),
        ),
      ),
      label,
    );
  };
  has({ kind: 'view', name: 'v', change: 'recreate' }, 'the changed view is recreated');
  has({ kind: 'index', name: 'notes_body', change: 'recreate' }, 'the changed index is recreated');
  has(
    { kind: 'table', table: 'gone', change: 'drop', cause: { kind: 'allowed' } },
    'the unwanted table is dropped, as allowed',
  );
  has({ kind: 'table', table: 'fresh', change: 'create' }, 'the new table is created');
  has({ kind: 'column', table: 'notes', column: 'extra', change: 'add' }, 'the new column is added');
  has(
    { kind: 'table', table: 'customers', change: 'rebuild', droppedColumns: ['legacy'] },
    'the rebuild names the column it drops',
  );
  has({ kind: 'guard', table: null }, 'batch guards');
  has({ kind: 'guard', table: 'customers' }, 'per-table guards');
  const rebuild = sources.find((source) => source.kind === 'table' && source.change === 'rebuild');
  t.match(rebuild, { causes: [{ kind: 'column changed', column: 'email' }] }, 'the rebuild carries its causes as data');
  for (const step of plan.steps) {
    if (step.kind === 'assert') t.equal(step.source?.kind, 'guard', `${step.sql.slice(0, 40)}: a guard`);
  }
  t.match(
    summarizePlan(plan),
    { created: 1, added: 1, rebuilt: 1, recreated: 2, renamed: 2, dropped: 1, dataSteps: 0 },
    'the summary counts changes from the sources',
  );
  t.same(
    after.rows['notes'],
    before.rows['notes']?.map((row) => ({ ...row, extra: null })),
    'notes kept, the new column empty',
  );
  t.same(
    after.rows['customers']?.map((row) => row['email']),
    before.rows['accounts']?.map((row) => row['mail']),
    'renamed rows kept',
  );
});

t.test('a data step names its version', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, 'CREATE TABLE n (id INTEGER PRIMARY KEY);');
  const plan = await planTo(db.client, 'CREATE TABLE n (id INTEGER PRIMARY KEY);', {
    dataSteps: [{ version: '1.0.0', sql: 'INSERT INTO n VALUES (1)' }],
  });
  t.same(sourcesOf(plan), [{ kind: 'data', version: '1.0.0' }]);
  t.match(summarizePlan(plan), { changes: 1, dataSteps: 1 });
});
