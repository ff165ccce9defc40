/**
 * The state file (lib/fleet/file-state.ts) through the real command: a re-run over files nobody
 * touched settles them without opening them, and every way a file can change under it — a write,
 * an older copy put back with its modification time, a new version in the registry, WAL mode, a
 * crashed writer's journal — sends that database back to the normal read. It is never written on a
 * dry run or with --state none, one file per shard, and a damaged one costs only the shortcut.
 */
import { copyFileSync, existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fileAt, FleetState, identityOf, readKnownState } from '../../lib/fleet/file-state.js';
import { dirFor } from '../lib/_support.js';
import { fleetAt, runSyncAll, stateOf, V1, V2, V3, withClient, writeSchemaDir } from './_fleet.js';

const COUNT = 40;

type Line = Record<string, unknown>;
const perDatabase = (lines: readonly Line[]): Line[] => lines.filter((line) => 'database' in line);
const summaryOf = (lines: readonly Line[]) =>
  lines.at(-1)?.['summary'] as { outcomes: Record<string, number>; fromState: number };
const lineFor = (lines: readonly Line[], name: string): Line | undefined =>
  perDatabase(lines).find((line) => line['database'] === name);

async function migratedFleet(t: Test, versions?: ReadonlyArray<readonly [string, string]>) {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), versions);
  const fleet = await fleetAt(root, schemaDir, COUNT);
  const first = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(first.code, 0, first.err);
  return { ...fleet, root, schemaDir, stateFile: join(fleet.dir, '.schema-sync', 'fleet-state.json'), first };
}

t.test("a re-run settles untouched files from the state file, and their outcome is the version row's", async (t) => {
  const fleet = await migratedFleet(t);
  t.equal(summaryOf(fleet.first.lines).fromState, 0, 'the first run had no state to use');
  t.ok(existsSync(fleet.stateFile), 'the state file is written in the data directory');
  const again = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(again.code, 0);
  t.match(summaryOf(again.lines), { outcomes: { up_to_date: COUNT, applied: 0 }, fromState: COUNT });
  t.ok(
    perDatabase(again.lines).every((line) => line['from_state'] === true && line['from'] === '1.1.0'),
    'each line says so',
  );
  // What the state file claimed is what the databases say.
  for (const path of fleet.paths) t.equal((await stateOf(path, fleet.registry)).version, '1.1.0');
});

t.test('a database written to since is read again', async (t) => {
  const fleet = await migratedFleet(t);
  await withClient(fleet.paths[3] as string, (c) =>
    c.execute("INSERT INTO users (id, email) VALUES (99, 'z@example.com')"),
  );
  const again = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(summaryOf(again.lines).fromState, COUNT - 1);
  t.match(lineFor(again.lines, 'db-00003'), { outcome: 'up_to_date', from: '1.1.0' });
  t.notOk(
    lineFor(again.lines, 'db-00003')?.['from_state'],
    'the written database was read, not taken from the state file',
  );
  const third = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(summaryOf(third.lines).fromState, COUNT, 'and remembered again after that read');
});

t.test('an older copy put back over a database, modification time and all, is migrated again', async (t) => {
  const fleet = await migratedFleet(t);
  const target = fleet.paths[5] as string;
  const before = statSync(target);
  copyFileSync(join(fleet.root, 'template', 'template-1.0.0.db'), target);
  utimesSync(target, before.atime, before.mtime);
  const again = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(again.code, 0);
  t.match(lineFor(again.lines, 'db-00005'), { outcome: 'applied', from: '1.0.0' });
  const state = await stateOf(target, fleet.registry);
  t.equal(state.version, '1.1.0');
  t.equal(state.driftFromRecorded, 0);
});

t.test('a new registry version is decided afresh: the state file only says where a database is', async (t) => {
  const fleet = await migratedFleet(t);
  const schemaDir = writeSchemaDir(join(fleet.root, 'schema-1.2'), [
    ['1.0.0', V1],
    ['1.1.0', V2],
    ['1.2.0', V3],
  ]);
  const again = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(again.code, 0, again.err);
  t.match(summaryOf(again.lines), { outcomes: { applied: COUNT }, fromState: 0 });
  const registry = (await import('../../schema/registry.js')).loadRegistry;
  const withV3 = await registry({ schemaDir });
  for (const path of fleet.paths.slice(0, 5)) t.equal((await stateOf(path, withV3)).version, '1.2.0');
});

t.test('the identity is of the file SQLite read: one renamed over the path meanwhile is not remembered', async (t) => {
  const fleet = await migratedFleet(t);
  const path = fleet.paths[4] as string;
  // Untouched: the identity read through SQLite equals the one read from the file.
  const opened = fileAt(path);
  const client = createClient({ url: `file:${path}` });
  t.teardown(() => client.close());
  const read = await readKnownState(client, path, opened as NonNullable<typeof opened>);
  t.same(read.known?.identity, identityOf(path), "SQLite's view of the header and the file's agree");
  t.equal(read.known?.recorded.version, '1.1.0');
  // A 1.0.0 copy renamed over the path after the connection opened the 1.1.0 file.
  const older = join(fleet.root, 'older.db');
  copyFileSync(join(fleet.root, 'template', 'template-1.0.0.db'), older);
  const openedBefore = fileAt(path);
  const stale = createClient({ url: `file:${path}` });
  t.teardown(() => stale.close());
  await stale.execute('SELECT 1');
  renameSync(older, path);
  const swapped = await readKnownState(stale, path, openedBefore as NonNullable<typeof openedBefore>);
  t.equal(swapped.state.recorded?.version, '1.1.0', 'the connection still reads the file it opened');
  t.equal(swapped.known, null, 'so nothing is remembered for the file now at the path');
  const again = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.match(
    lineFor(again.lines, 'db-00004'),
    { outcome: 'applied', from: '1.0.0' },
    'the next run reads it and migrates it',
  );
});

t.test('files the header cannot vouch for are never taken from the state file', async (t) => {
  const fleet = await migratedFleet(t);
  const wal = fleet.paths[1] as string;
  await withClient(wal, (c) => c.execute('PRAGMA journal_mode=WAL'));
  const journalled = fleet.paths[2] as string;
  const run = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: fleet.schemaDir });
  t.equal(run.code, 0);
  t.notOk(lineFor(run.lines, 'db-00001')?.['from_state'], 'a WAL database is read');
  t.equal(identityOf(wal), null, 'and has no identity to remember');
  // A crashed writer's journal beside the file (the next open rolls it back): read, not trusted.
  writeFileSync(`${journalled}-journal`, Buffer.alloc(512, 1));
  t.equal(identityOf(journalled), null, 'a file with a non-empty journal has no identity');
  const state = FleetState.load(fleet.stateFile);
  t.equal(state.recordedFor('db-00002', journalled), null, 'so the state file does not vouch for it');
  t.equal(state.recordedFor('db-00001', wal), null);
  t.not(state.recordedFor('db-00003', fleet.paths[3] as string), null, 'while an untouched one is vouched for');
});

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
