/**
 * What sync-all decides before it changes anything: dry-run plans grouped by schema, a shard split
 * that is disjoint and complete, staged --to targets, the exit codes for ahead databases and usage.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { applyPlan } from '../../lib/apply.js';
import { inShard, parseShard, shardOf } from '../../lib/fleet/shard.js';
import { listAll, localDirectorySource } from '../../lib/fleet/source.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetOf } from '../../lib/target.js';
import { dirFor } from '../lib/_support.js';
import { fleetAt, runSyncAll, stateOf, V1, V2, V3, withClient, writeSchemaDir } from './_fleet.js';

const VERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['1.0.0', V1],
  ['1.1.0', V2],
  ['1.2.0', V3],
];

const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

t.test('--dry-run groups databases by plan and changes nothing', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 10);
  // Three databases drifted the same way (an extra index); two are already at the target.
  for (const path of fleet.paths.slice(0, 3))
    await withClient(path, (c) => c.execute('CREATE INDEX users_email ON users (email)'));
  for (const path of fleet.paths.slice(8)) await withClient(path, (c) => syncDatabase(c, targetOf(fleet.registry)));
  const hashes = fleet.paths.map(fileHash);
  const run = await runSyncAll(['--data-dir', fleet.dir, '--dry-run'], { SCHEMA_DIR: schemaDir });
  t.equal(run.code, 0);
  t.same(fleet.paths.map(fileHash), hashes, 'no database file changed');
  const last = run.lines.at(-1) as {
    summary: Record<string, unknown>;
    groups: Array<{ from: string; databases: number; examples: string[]; statements: Array<{ sql: string }> }>;
  };
  t.match(last.summary, { outcomes: { planned: 8, up_to_date: 2, applied: 0 } });
  t.same(
    last.groups.map((g) => g.databases),
    [5, 3],
    'two distinct schemas: 5 identical databases, 3 drifted ones',
  );
  t.same(last.groups[1]?.examples, ['db-00000', 'db-00001', 'db-00002']);
  t.ok(
    last.groups[1]?.statements.some((s) => /users_email/.test(s.sql)) !==
      last.groups[0]?.statements.some((s) => /users_email/.test(s.sql)),
    "only the drifted group's plan deals with the extra index",
  );
  t.ok(last.groups.every((g) => g.from === '1.0.0' && g.statements.length > 0));
  t.notSame(last.groups[0]?.statements, last.groups[1]?.statements, 'the groups have different plans');
});

t.test('a database whose schema differs gets its own plan, not the shared one', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 9);
  // Three databases already have 1.1.0's index (created early, by hand): a different schema.
  const early = [1, 4, 7];
  for (const i of early)
    await withClient(fleet.paths[i] as string, (c) => c.execute('CREATE INDEX notes_user ON notes (user_id)'));
  const dry = await runSyncAll(['--data-dir', fleet.dir, '--to', '1.1.0', '--dry-run', '--lanes', 'async'], {
    SCHEMA_DIR: schemaDir,
  });
  const groups = (dry.lines.at(-1) as { groups: Array<{ databases: number; examples: string[] }> }).groups;
  t.same(
    groups.map((g) => [g.databases, g.examples]),
    [
      [6, ['db-00000', 'db-00002', 'db-00003', 'db-00005', 'db-00006', 'db-00008']],
      [3, ['db-00001', 'db-00004', 'db-00007']],
    ],
  );
  // One lane on one thread, so one plan cache serves every database: only fingerprints keep them apart.
  const run = await runSyncAll(['--data-dir', fleet.dir, '--to', '1.1.0', '--lanes', 'async', '--concurrency', '1'], {
    SCHEMA_DIR: schemaDir,
  });
  t.equal(run.code, 0);
  t.match(run.lines.at(-1), { summary: { outcomes: { applied: 9, failed: 0 }, plansComputed: 2 } });
  for (const path of fleet.paths) {
    const state = await stateOf(path, fleet.registry);
    t.equal(state.version, '1.1.0');
    t.equal(state.driftFromRecorded, 0);
    t.ok(state.integrity && state.fkViolations === 0);
  }
});

t.test('the local source lists *.db files recursively, named by relative path', async (t) => {
  const root = dirFor(t);
  mkdirSync(join(root, 'eu', 'west'), { recursive: true });
  for (const file of ['a.db', 'eu/b.db', 'eu/west/c.db', 'notes.txt', 'a.db-journal', 'eu/b.db-wal'])
    writeFileSync(join(root, file), '');
  const listed = await listAll(localDirectorySource(root));
  t.same(
    listed.map((db) => db.name),
    ['a', 'eu/b', 'eu/west/c'],
  );
  t.match(listed[2]?.url, /^file:\/\/.*\/eu\/west\/c\.db$/);
});

t.test('--dry-run counts databases already at the target as up to date', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 6);
  t.equal(
    (
      await runSyncAll(
        ['--data-dir', fleet.dir, '--to', '1.1.0', '--canary', '2', '--concurrency', '1', '--lanes', 'async'],
        { SCHEMA_DIR: schemaDir },
      )
    ).code,
    0,
  );
  const run = await runSyncAll(['--data-dir', fleet.dir, '--dry-run', '--to', '1.1.0'], { SCHEMA_DIR: schemaDir });
  t.match(run.lines.at(-1), { summary: { outcomes: { up_to_date: 6, planned: 0 } }, groups: [] });
});

t.test('shards are stable, disjoint and complete', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 40);
  const seen = new Map<string, number>();
  for (let i = 0; i < 3; i++) {
    const report = join(root, `shard-${i}.json`);
    const run = await runSyncAll(['--data-dir', fleet.dir, '--shard', `${i}/3`, '--report', report], {
      SCHEMA_DIR: schemaDir,
    });
    t.equal(run.code, 0);
    const doc = JSON.parse(readFileSync(report, 'utf8')) as { databases: Array<{ name: string; outcome: string }> };
    t.ok(doc.databases.length > 0 && doc.databases.length < 40, `shard ${i}/3 holds ${doc.databases.length}`);
    for (const db of doc.databases) {
      t.equal(db.outcome, 'applied');
      t.notOk(seen.has(db.name), `${db.name} is in one shard only`);
      seen.set(db.name, i);
      t.equal(shardOf(db.name, 3), i);
    }
  }
  t.equal(seen.size, 40, 'every database is in some shard');
  for (const path of fleet.paths) t.equal((await stateOf(path, fleet.registry)).version, '1.2.0');
  t.same(parseShard('2/5'), { index: 2, count: 5 });
  t.ok(inShard('anything', parseShard('0/1')));
  // Pinned: a name's shard must not change between releases, or a rollout split across versions
  // of this tool would skip or repeat databases.
  t.same(
    ['alice', 'bob', 'carol', 'dave', 'erin'].map((name) => shardOf(name, 4)),
    [1, 0, 3, 3, 0],
  );
  const spread = [0, 0, 0, 0];
  for (let i = 0; i < 1000; i++) spread[shardOf(`user-${i}`, 4)] = (spread[shardOf(`user-${i}`, 4)] ?? 0) + 1;
  t.ok(
    spread.every((n) => n > 200 && n < 300),
    `1,000 names spread evenly over 4 shards: ${spread.join(', ')}`,
  );
});

t.test('--to stages a version short of the current one; later runs go on from there', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 8);
  let run = await runSyncAll(['--data-dir', fleet.dir, '--to', '1.1.0'], { SCHEMA_DIR: schemaDir });
  t.equal(run.code, 0);
  t.match(run.lines.at(-1), { summary: { target: '1.1.0', outcomes: { applied: 8 } } });
  for (const path of fleet.paths) {
    const state = await stateOf(path, fleet.registry);
    t.equal(state.version, '1.1.0');
    t.equal(state.driftFromRecorded, 0, 'exactly the 1.1.0 schema, not the current one');
  }
  run = await runSyncAll(['--data-dir', fleet.dir], { SCHEMA_DIR: schemaDir });
  t.match(run.lines.at(-1), { summary: { target: '1.2.0', outcomes: { applied: 8 } } });
  run = await runSyncAll(['--data-dir', fleet.dir, '--to', '1.1.0'], { SCHEMA_DIR: schemaDir });
  t.equal(run.code, 0, 'databases past a staged target are left alone, not an error');
  t.match(run.lines.at(-1), { summary: { outcomes: { beyond_target: 8, applied: 0 } } });
  for (const path of fleet.paths) t.equal((await stateOf(path, fleet.registry)).version, '1.2.0');
});

t.test('exit 3 when a database is ahead of the application; the others still migrate', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 5);
  await withClient(fleet.paths[1] as string, (client) =>
    applyPlan(
      client,
      { steps: [], skipped: [], warnings: [] },
      {
        version: '9.0.0',
        description: 'from the future',
        createdAt: '2030-01-01T00:00:00.000Z',
        appliedAt: '2030-01-01T00:00:00.000Z',
        checksum: 'x',
        previousVersion: '1.0.0',
      },
      { tableExists: true, latestId: 1 },
    ),
  );
  const run = await runSyncAll(['--data-dir', fleet.dir], { SCHEMA_DIR: schemaDir });
  t.equal(run.code, 3);
  t.match(
    run.lines.find((l) => l['database'] === 'db-00001'),
    { outcome: 'ahead', error: { code: 'DATABASE_AHEAD' } },
  );
  t.match(run.lines.at(-1), { summary: { outcomes: { ahead: 1, applied: 4 }, exitCode: 3 } });
});

t.test('usage errors exit 2', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), VERSIONS);
  const fleet = await fleetAt(root, schemaDir, 1);
  for (const argv of [
    [],
    ['--data-dir', fleet.dir, '--shard', '3/3'],
    ['--data-dir', fleet.dir, '--shard', 'x'],
    ['--data-dir', fleet.dir, '--to', '7.0.0'],
    ['--data-dir', fleet.dir, '--to', 'latest'],
    ['--data-dir', join(root, 'missing')],
    ['--data-dir', fleet.dir, '--concurrency', '0'],
    ['--data-dir', fleet.dir, '--lanes', 'fibers'],
    ['--data-dir', fleet.dir, '--bogus'],
  ]) {
    const run = await runSyncAll(argv, { SCHEMA_DIR: schemaDir });
    t.equal(run.code, 2, `exit 2 for ${argv.join(' ') || '(no arguments)'}`);
  }
  const missing = await runSyncAll(['--data-dir', join(root, 'missing')], { SCHEMA_DIR: schemaDir });
  t.match(missing.err, `--data-dir: no directory at ${join(root, 'missing')}`, 'a missing path: no directory there');
  const file = await runSyncAll(['--data-dir', fleet.paths[0] as string], { SCHEMA_DIR: schemaDir });
  t.equal(file.code, 2, 'exit 2 for a --data-dir that names a file');
  t.match(file.err, `--data-dir: ${fleet.paths[0]} is a file, not a directory`, 'saying it is a file');
  t.notMatch(file.err, /no directory at/, 'not that nothing is there');
  t.equal((await stateOf(fleet.paths[0] as string, fleet.registry)).version, '1.0.0', 'nothing was touched');
  const turso = await runSyncAll([], { SCHEMA_DIR: schemaDir, DB_PROVIDER: 'turso' });
  t.equal(turso.code, 2);
  t.match(turso.err, /DB_PROVIDER=turso needs TURSO_API_TOKEN/);
});
