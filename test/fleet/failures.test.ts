/**
 * A database whose rows violate the new version fails alone: reported with the failing statement,
 * left exactly as it was; the rollout carries on below --max-failures, stops at it, and a failing
 * canary stops the rollout before the rest. The --report file and the --metrics-file say the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { dirFor, snapshot } from '../lib/_support.js';
import { fleetAt, runSyncAll, stateOf, V1, V2, V3, withClient, writeSchemaDir } from './_fleet.js';

const VERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['1.0.0', V1],
  ['1.1.0', V2],
  ['1.2.0', V3],
];
const BAD = [2, 5, 9];

/** 12 databases at 1.1.0; db-00002, db-00005 and db-00009 hold a NULL nick that 1.2.0 forbids. */
async function fleetWithBadRows(t: Test) {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 12, '1.1.0');
  for (const i of BAD)
    await withClient(fleet.paths[i] as string, (c) => c.execute('UPDATE users SET nick = NULL WHERE id = 2'));
  return { ...fleet, schemaDir, root };
}

type Line = Record<string, unknown> & { error?: { statement?: string; message: string; code: string } };

t.test('failing databases are reported with their statement and left unchanged; the rest migrate', async (t) => {
  const fleet = await fleetWithBadRows(t);
  const before = await Promise.all(BAD.map((i) => withClient(fleet.paths[i] as string, snapshot)));
  const report = join(fleet.root, 'report.json');
  const metrics = join(fleet.root, 'fleet.prom');
  const run = await runSyncAll(
    ['--data-dir', fleet.dir, '--max-failures', '10', '--report', report, '--metrics-file', metrics],
    { SCHEMA_DIR: fleet.schemaDir },
  );
  t.equal(run.code, 1, 'exit 1: some databases failed');
  const perDb = run.lines.filter((line) => 'database' in line) as Line[];
  t.equal(perDb.length, 12, 'one JSON line per database');
  const failed = perDb
    .filter((line) => line['outcome'] === 'failed')
    .map((line) => line['database'])
    .sort();
  t.same(
    failed,
    BAD.map((i) => `db-0000${i}`),
  );
  for (const line of perDb.filter((l) => l['outcome'] === 'failed')) {
    t.match(line.error?.statement, /users/, 'the failing statement is named');
    t.equal(line.error?.code, 'APPLY_FAILED');
  }
  for (const [k, i] of BAD.entries()) {
    t.same(
      await withClient(fleet.paths[i] as string, snapshot),
      before[k],
      `db-0000${i} is unchanged (schema, rows, audit)`,
    );
  }
  for (const [i, path] of fleet.paths.entries()) {
    const state = await stateOf(path, fleet.registry);
    t.equal(state.version, BAD.includes(i) ? '1.1.0' : '1.2.0');
    t.equal(state.driftFromRecorded, 0, 'schema is exactly the recorded version');
    t.ok(state.integrity && state.fkViolations === 0);
  }
  const summary = run.lines.at(-1)?.['summary'] as { outcomes: Record<string, number>; exitCode: number };
  t.match(summary, { outcomes: { applied: 9, failed: 3, not_attempted: 0 }, exitCode: 1 });

  const doc = JSON.parse(readFileSync(report, 'utf8')) as {
    databases: Array<Record<string, unknown> & { error?: { statement?: string } }>;
  };
  t.equal(doc.databases.length, 12);
  const bad = doc.databases.find((d) => d['name'] === 'db-00005');
  t.match(bad, { from: '1.1.0', to: '1.2.0', outcome: 'failed', error: { code: 'APPLY_FAILED' } });
  t.type(bad?.['duration_ms'], 'number');
  t.equal(bad?.error?.statement, (perDb.find((l) => l['database'] === 'db-00005') as Line).error?.statement);
  const good = doc.databases.find((d) => d['name'] === 'db-00000');
  t.match(good, { from: '1.1.0', to: '1.2.0', outcome: 'applied' });
  t.ok(Number(good?.['statements']) > 0);

  const text = readFileSync(metrics, 'utf8');
  t.match(text, /schema_sync_syncs_total\{trigger="fleet",outcome="applied"\} 9/);
  t.match(text, /schema_sync_syncs_total\{trigger="fleet",outcome="failed"\} 3/);
  t.match(text, /schema_sync_fleet_databases\{outcome="failed",target="1.2.0"\} 3/);
});

t.test('--max-failures stops dispatching once reached', async (t) => {
  const fleet = await fleetWithBadRows(t);
  // One lane, so the order is the listing order: db-00002 fails, then db-00005 (the 2nd) stops it.
  const run = await runSyncAll(
    ['--data-dir', fleet.dir, '--max-failures', '2', '--concurrency', '1', '--lanes', 'async'],
    { SCHEMA_DIR: fleet.schemaDir },
  );
  t.equal(run.code, 1);
  const outcomes = Object.fromEntries(
    run.lines.filter((l) => 'database' in l).map((l) => [l['database'], l['outcome']]),
  );
  t.same(Object.keys(outcomes).length, 6, 'db-00000 … db-00005 were attempted');
  t.equal(outcomes['db-00005'], 'failed');
  const summary = run.lines.at(-1)?.['summary'] as Record<string, unknown>;
  t.match(summary, { stopped: 'max_failures', outcomes: { applied: 4, failed: 2, not_attempted: 6 } });
  t.equal(
    (await stateOf(fleet.paths[11] as string, fleet.registry)).version,
    '1.1.0',
    'databases after the stop are untouched',
  );
});

t.test('a failing canary stops the rollout before the rest', async (t) => {
  const fleet = await fleetWithBadRows(t);
  const run = await runSyncAll(['--data-dir', fleet.dir, '--canary', '3', '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(run.code, 1);
  const summary = run.lines.at(-1)?.['summary'] as Record<string, unknown>;
  t.match(summary, { stopped: 'canary_failed', outcomes: { applied: 2, failed: 1, not_attempted: 9 } });
  for (const path of fleet.paths.slice(3)) t.equal((await stateOf(path, fleet.registry)).version, '1.1.0');
});

t.test('a healthy canary lets the rollout continue', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 12, '1.1.0');
  const run = await runSyncAll(['--data-dir', fleet.dir, '--canary', '4'], { SCHEMA_DIR: schemaDir });
  t.equal(run.code, 0);
  const summary = run.lines.at(-1)?.['summary'] as { plansComputed: number };
  t.match(summary, { stopped: null, outcomes: { applied: 12, failed: 0 } });
  // Twelve identical databases: one plan per worker thread at most, not one per database.
  t.ok(summary.plansComputed >= 1 && summary.plansComputed <= 2, `${summary.plansComputed} plan(s) for 12 databases`);
});
