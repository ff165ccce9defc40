/**
 * The state file only vouches for the very file a run read: a new version in the registry is
 * decided afresh, a file renamed over the path after SQLite opened the old one is not remembered,
 * and files whose header cannot vouch for them (WAL mode, a crashed writer's journal) are read.
 */
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { join } from 'node:path';
import t from 'tap';
import { fileAt, FleetState, identityOf, readKnownState } from '../../lib/fleet/file-state.js';
import { runSyncAll, stateOf, V1, V2, V3, withClient, writeSchemaDir } from './_fleet.js';
import { COUNT, lineFor, migratedFleet, summaryOf } from './_state.js';

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
