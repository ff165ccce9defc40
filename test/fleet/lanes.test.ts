/**
 * The three kinds of lanes give the same rollout, and a result callback that throws stops the
 * rollout, closes its workers and rejects with its error, leaving no work or worker behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { runRollout } from '../../lib/fleet/runner.js';
import { dirFor } from '../lib/_support.js';
import { appRows, fleetAt, runSyncAll, stateOf, withClient, writeSchemaDir } from './_fleet.js';
import { alive, childrenOf, tradingFleet } from './_lanes.js';

const COUNT = 40; // above WORKER_MIN, so worker lanes start workers

for (const lanes of ['processes', 'threads', 'async'] as const) {
  t.test(`--lanes ${lanes}: every database migrated once, rows intact`, async (t) => {
    const root = dirFor(t);
    const schemaDir = writeSchemaDir(join(root, 'schema'));
    const fleet = await fleetAt(root, schemaDir, COUNT);
    const rowsBefore = await withClient(fleet.paths[0] as string, appRows);
    const run = await runSyncAll(['--data-dir', fleet.dir, '--lanes', lanes, '--json'], { SCHEMA_DIR: schemaDir });
    t.equal(run.code, 0, run.err);
    const summary = run.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> };
    t.match(summary.outcomes, { applied: COUNT, failed: 0 });
    for (const path of fleet.paths) {
      const state = await stateOf(path, fleet.registry);
      if (!(
        state.version === '1.1.0' &&
        state.driftFromRecorded === 0 &&
        state.auditCounts['1.1.0'] === 1 &&
        state.integrity &&
        state.fkViolations === 0 &&
        JSON.stringify(state.rows) === JSON.stringify(rowsBefore)
      )) {
        t.fail(`${path} is not cleanly at 1.1.0`, { state });
      }
    }
    const again = await runSyncAll(['--data-dir', fleet.dir, '--lanes', lanes, '--json'], { SCHEMA_DIR: schemaDir });
    t.match((again.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> }).outcomes, {
      up_to_date: COUNT,
      applied: 0,
    });
  });
}

t.test('a result callback that throws stops the rollout, closes the workers and rejects with its error', async (t) => {
  const root = dirFor(t);
  const fleet = await tradingFleet(root, 80);
  const databases = fleet.paths.map((path, i) => ({ name: `db-${i}`, url: pathToFileURL(path).href }));
  let seen = 0;
  let after = 0;
  let rejected = false;
  const run = runRollout(databases, {
    versions: fleet.registry.versions,
    to: fleet.registry.current.version,
    allowDestructive: false,
    dryRun: false,
    busyTimeoutMs: 5000,
    concurrency: 2,
    mode: 'processes',
    onResult: () => {
      if (rejected) after++;
      if (++seen === 40) throw new Error('callback broke');
    },
  });
  await t.rejects(run, /callback broke/);
  rejected = true;
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(after, 0, 'no result arrives after the rejection');
  t.same(
    childrenOf(process.pid).filter(
      (pid) => alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker'),
    ),
    [],
    'no worker process is left',
  );
  t.ok(seen < 80, `dispatching stopped (${seen} results)`);
});
