/**
 * The worked TypeScript version of docs/schema-versions.md: the document shows
 * test/fixtures/schema-versions/v1_2_0.ts (as it reads under schema/versions/), which builds on
 * 1.1.0's exported tables without a cast (tsconfig.test.json type-checks it), loads in a registry
 * with the built-in versions, and migrates a 1.1.0 database with rows: a rename, an added column,
 * a data step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { planMigration } from '../../lib/plan/planner.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetOf } from '../../lib/target.js';
import { buildRegistry } from '../../schema/registry.js';
import { builtInVersions } from '../../schema/versions/index.js';
import { version_1_2_0 } from '../fixtures/schema-versions/v1_2_0.js';
import { dirFor, exec, foreignKeyViolations, integrityOk, rows, snapshot, tempDb } from './_support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = 'test/fixtures/schema-versions/v1_2_0.ts';
const MARKER = `<!-- example: ${FIXTURE} -->`;

/** The code from the first import on, with the imports as a file in schema/versions/ writes them. */
const body = (source: string): string =>
  source
    .slice(source.indexOf('\nimport ') + 1)
    .replaceAll("'../../../schema/versions/", "'./")
    .replaceAll("'../../../schema/", "'../");

t.test('docs/schema-versions.md shows the example version as it is', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs', 'schema-versions.md'), 'utf8');
  const at = doc.indexOf(MARKER);
  t.ok(at >= 0, `the document marks the example (${MARKER})`);
  const open = doc.indexOf('```ts\n', at) + '```ts\n'.length;
  const shown = doc.slice(open, doc.indexOf('```\n', open));
  t.equal(body(shown), body(readFileSync(join(ROOT, FIXTURE), 'utf8')));
  t.match(shown, /from '\.\/v1_1_0\.js'/, 'imported as a file beside v1_1_0.ts would');
  t.notMatch(shown, /\bas (unknown|any|TableDefinition)\b/, 'no cast');
});

t.test('1.1.0 → 1.2.0 on a database with rows: renamed, added, back-filled, every row kept', async (t) => {
  const registry = await buildRegistry([...builtInVersions, version_1_2_0]);
  t.equal(registry.current.version, '1.2.0');
  const atV110 = await buildRegistry(builtInVersions);
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  t.equal((await syncDatabase(db.client, targetOf(atV110))).toVersion, '1.1.0');
  await exec(
    db.client,
    `
    INSERT INTO accounts (id, email, base_currency) VALUES (1, 'a@example.com', 'GBP'), (2, 'b@example.com', 'USD');
    INSERT INTO portfolios (id, account_id, name) VALUES (10, 1, 'main');
    INSERT INTO trades (id, portfolio_id, symbol, side, quantity, price, executed_at, notes)
      VALUES (100, 10, 'VOD', 'buy', 3, 1.2, '2024-05-01', 'first'), (101, 10, 'VOD', 'sell', 1, 1.3, '2024-05-02', NULL);
  `,
  );
  const before = await snapshot(db.client);

  const result = await syncDatabase(db.client, targetOf(registry));
  t.equal(result.outcome, 'applied');
  t.equal(result.fromVersion, '1.1.0');
  t.equal(result.toVersion, '1.2.0');
  t.ok(
    result.plan.steps.some((step) => step.kind === 'rename_column'),
    'notes is renamed in place, not dropped and added',
  );

  const after = await snapshot(db.client);
  // The data step is an UPDATE, so the updated_at trigger stamps the accounts it changes.
  const stable = (row: Record<string, unknown>) => ({ ...row, timezone: undefined, updated_at: undefined });
  t.same(after.rows['accounts']?.map(stable), before.rows['accounts']?.map(stable), 'accounts: every row');
  t.equal(after.rows['accounts']?.[1]?.['updated_at'], before.rows['accounts']?.[1]?.['updated_at'], 'untouched row');
  t.same(
    await rows(db.client, 'SELECT id, timezone FROM accounts ORDER BY id'),
    [
      { id: 1, timezone: 'Europe/London' },
      { id: 2, timezone: 'UTC' },
    ],
    'the data step back-filled GBP accounts; the others have the default',
  );
  t.same(
    after.rows['trades']?.map(({ memo, ...rest }) => ({ ...rest, notes: memo })),
    before.rows['trades'],
    'trades: every row, notes now under memo',
  );
  for (const table of ['portfolios', 'positions', 'watchlists', 'price_alerts']) {
    t.same(after.rows[table], before.rows[table], `${table} unchanged`);
  }
  t.same(planMigration(await introspect(db.client), registry.current.desired).steps, [], 'converged');
  t.ok(await integrityOk(db.client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(db.client), 0, 'foreign_key_check empty');
  t.equal((await syncDatabase(db.client, targetOf(registry))).outcome, 'up_to_date', 'a second sync changes nothing');
});
