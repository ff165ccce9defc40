/**
 * Where the state file is written: never on a dry run or with --state none, a named --state file
 * instead of the default, one file per shard; and a damaged one costs only the shortcut.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { dirFor } from '../lib/_support.js';
import { fleetAt, runSyncAll, writeSchemaDir } from './_fleet.js';
import { COUNT, lineFor, migratedFleet, summaryOf } from './_state.js';

t.test('--dry-run and --state none write no state file; a named --state file is used instead', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'));
  const fleet = await fleetAt(root, schemaDir, COUNT);
  const defaultFile = join(fleet.dir, '.schema-sync', 'fleet-state.json');
  t.equal((await runSyncAll(['--data-dir', fleet.dir, '--dry-run', '--json'], { SCHEMA_DIR: schemaDir })).code, 0);
  t.notOk(existsSync(defaultFile), 'a dry run changes nothing, the state file included');
  t.equal(
    (await runSyncAll(['--data-dir', fleet.dir, '--state', 'none', '--json'], { SCHEMA_DIR: schemaDir })).code,
    0,
  );
  t.notOk(existsSync(defaultFile), '--state none writes none');
  const named = join(root, 'elsewhere', 'state.json');
  const run = await runSyncAll(['--data-dir', fleet.dir, '--state', named, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(summaryOf(run.lines).fromState, 0);
  t.ok(existsSync(named) && !existsSync(defaultFile), 'the named file is written, the default one is not');
  const again = await runSyncAll(['--data-dir', fleet.dir, '--state', named, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(summaryOf(again.lines).fromState, COUNT);
  const empty = await runSyncAll(['--data-dir', fleet.dir, '--state', ''], { SCHEMA_DIR: schemaDir });
  t.equal(empty.code, 2, 'an empty --state is a usage error');
  t.match(empty.err, /--state needs a file path, or none/);
});

t.test('shards keep a state file each', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'));
  const fleet = await fleetAt(root, schemaDir, COUNT);
  for (const shard of ['0/2', '1/2'])
    t.equal(
      (await runSyncAll(['--data-dir', fleet.dir, '--shard', shard, '--json'], { SCHEMA_DIR: schemaDir })).code,
      0,
    );
  const files = ['fleet-state.shard-0-of-2.json', 'fleet-state.shard-1-of-2.json'].map((name) =>
    join(fleet.dir, '.schema-sync', name),
  );
  const sizes = files.map(
    (file) => Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { databases: object }).databases).length,
  );
  t.equal(sizes[0]! + sizes[1]!, COUNT, 'between them, every database once');
  const again = await runSyncAll(['--data-dir', fleet.dir, '--shard', '1/2', '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(summaryOf(again.lines).fromState, sizes[1]);
});

t.test('a damaged state file is reported, every database is read, and the file is rewritten', async (t) => {
  const fleet = await migratedFleet(t);
  writeFileSync(fleet.stateFile, '{"format": 1, "databases": ');
  const run = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(run.code, 0);
  t.match(run.err, /state file .* is not JSON; reading every database instead/);
  t.match(summaryOf(run.lines), { outcomes: { up_to_date: COUNT }, fromState: 0 });
  t.equal(
    summaryOf((await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir })).lines).fromState,
    COUNT,
  );
  // An entry of the wrong shape is skipped, not trusted.
  const document = JSON.parse(readFileSync(fleet.stateFile, 'utf8')) as {
    databases: Record<string, { recorded: { version: unknown } }>;
  };
  (document.databases['db-00007'] as { recorded: { version: unknown } }).recorded.version = 7;
  writeFileSync(fleet.stateFile, JSON.stringify(document));
  const skipped = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(summaryOf(skipped.lines).fromState, COUNT - 1);
  t.notOk(lineFor(skipped.lines, 'db-00007')?.['from_state']);
});
