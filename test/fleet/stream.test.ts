/**
 * A streamed listing: sync-all with DB_PROVIDER=turso starts databases while the Platform API's
 * later pages are still being served (against the local stand-ins, real libSQL files), and the
 * rollout's contracts hold on a stream: results by name, a name listed twice fails the run (what
 * was started finishes), a stop leaves the databases listed after it not_attempted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import t from 'tap';
import { runRollout } from '../../lib/fleet/runner.js';
import type { FleetDatabase } from '../../lib/fleet/source.js';
import { schemaDir } from '../helpers/app.js';
import { dirFor } from '../lib/_support.js';
import { buildTursoApp, initialize, startPlatform, tursoEnv } from '../support/turso-app.js';
import { appRows, fleetAt, runSyncAll, stateOf, withClient, writeSchemaDir } from './_fleet.js';

const V1 = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);';
const V2 = `${V1}\nCREATE INDEX notes_body ON notes (body);`;
const USERS = ['ada', 'grace', 'linus', 'barbara', 'edsger'];

async function versionOf(file: string): Promise<string | null> {
  const client = createClient({ url: pathToFileURL(file).href });
  try {
    const rows = (await client.execute('SELECT version FROM schema_version ORDER BY id DESC LIMIT 1')).rows;
    return rows[0] === undefined ? null : String(rows[0][0]);
  } finally {
    client.close();
  }
}

t.test('the first page of the listing syncs before the last page is served', async (t) => {
  // Two databases a page: three pages for five databases.
  const platform = await startPlatform(t, { groups: ['users'], maxPageSize: 2 });
  const v1 = schemaDir(t, { '1.0.0.sql': V1 });
  const v2 = schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 });
  const old = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v1, TURSO_GROUP: 'users' } });
  for (const user of USERS) t.equal((await initialize(old, user)).statusCode, 200, `${user} at 1.0.0`);
  const names = [...platform.databases.keys()].sort((a, b) => a.localeCompare(b));
  const firstPage = names.slice(0, 2).map((name) => platform.databases.get(name)?.file as string);

  // The last page waits until the first page's databases are at 2.0.0, or 7 s (which fails below):
  // less than the Platform API client's 8 s per attempt, so the held page is never retried.
  let listings = 0;
  let syncedFirst: boolean | null = null;
  const gate = (async () => {
    const deadline = Date.now() + 7_000;
    while (Date.now() < deadline) {
      const versions = await Promise.all(firstPage.map(versionOf));
      if (versions.every((v) => v === '2.0.0')) return (syncedFirst = true);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return (syncedFirst = false);
  })();
  platform.faults.push({
    match: ({ method, path }) => method === 'GET' && path === 'databases' && ++listings === 3,
    until: gate,
    times: 1,
  });

  const report = join(dirFor(t), 'report.json');
  // The replica above read the listing at its start (TURSO_WARM_HOSTNAMES): count sync-all's own.
  const listedBefore = platform.count('GET', /^databases$/);
  const run = await runSyncAll(
    ['--json', '--concurrency', '2', '--report', report],
    tursoEnv(platform, { SCHEMA_DIR: v2 }),
  );
  t.equal(run.code, 0, run.err);
  t.equal(syncedFirst, true, 'the first page was synced while the last page was held');
  t.equal(platform.count('GET', /^databases$/) - listedBefore, 3, 'three listing pages, none retried');
  const doc = JSON.parse(readFileSync(report, 'utf8')) as { databases: { name: string; outcome: string }[] };
  t.same(
    doc.databases.map((db) => db.name),
    names,
    'the report lists every database, by name',
  );
  t.ok(
    doc.databases.every((db) => db.outcome === 'applied'),
    'each applied',
  );
  for (const name of names) t.equal(await versionOf(platform.databases.get(name)?.file as string), '2.0.0');
});

/** Local files through a stream: the runner's contracts do not depend on where a stream comes from. */
async function* streamOf(databases: readonly FleetDatabase[], onEnd?: () => void): AsyncGenerator<FleetDatabase> {
  for (const db of databases) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield db;
  }
  onEnd?.();
}

t.test('a name listed twice fails the rollout; the databases already started finish', async (t) => {
  const root = dirFor(t);
  const schema = writeSchemaDir(join(root, 'schema'));
  const fleet = await fleetAt(root, schema, 3);
  const rowsBefore = await withClient(fleet.paths[0] as string, appRows);
  const dbs = fleet.paths.map((path, i) => ({ name: `db-${i}`, url: pathToFileURL(path).href }));
  const listing = [dbs[0], dbs[1], { ...(dbs[0] as FleetDatabase) }, dbs[2]] as FleetDatabase[];
  const results: string[] = [];
  await t.rejects(
    runRollout(streamOf(listing), {
      versions: fleet.registry.versions,
      to: fleet.registry.current.version,
      allowDestructive: false,
      dryRun: false,
      busyTimeoutMs: 5000,
      // Two lanes: both databases are in hand when the duplicate arrives.
      concurrency: 2,
      mode: 'async',
      onResult: (r) => results.push(`${r.name} ${r.outcome}`),
    }),
    { message: 'database name "db-0" is listed twice' },
  );
  t.same(results.sort(), ['db-0 applied', 'db-1 applied'], 'the two in hand when the duplicate arrived finished');
  for (const path of fleet.paths.slice(0, 2)) {
    const state = await stateOf(path, fleet.registry);
    t.equal(state.version, '1.1.0');
    t.ok(state.integrity && state.fkViolations === 0);
    t.same(state.rows, rowsBefore, 'rows kept');
  }
  t.equal((await stateOf(fleet.paths[2] as string, fleet.registry)).version, '1.0.0', 'nothing after it started');
});

t.test('a stream: canary first by arrival, results by name, not_attempted after a stop', async (t) => {
  const root = dirFor(t);
  const schema = writeSchemaDir(join(root, 'schema'));
  const fleet = await fleetAt(root, schema, 6);
  // Arrival order is not name order; the third to arrive cannot be opened (not a database).
  const broken = join(root, 'broken.db');
  writeFileSync(broken, 'not a database, '.repeat(512));
  const dbs = fleet.paths.map((path, i) => ({ name: `db-${i}`, url: pathToFileURL(path).href }));
  const listing: FleetDatabase[] = [
    dbs[5] as FleetDatabase,
    dbs[3] as FleetDatabase,
    { name: 'db-x', url: pathToFileURL(broken).href },
    dbs[0] as FleetDatabase,
    dbs[4] as FleetDatabase,
    dbs[1] as FleetDatabase,
    dbs[2] as FleetDatabase,
  ];
  let ended = false;
  const started: string[] = [];
  const rollout = await runRollout(
    streamOf(listing, () => (ended = true)),
    {
      versions: fleet.registry.versions,
      to: fleet.registry.current.version,
      allowDestructive: false,
      dryRun: false,
      busyTimeoutMs: 5000,
      concurrency: 1,
      mode: 'async',
      canary: 3,
      onResult: (r) => started.push(r.name),
    },
  );
  t.same(started, ['db-5', 'db-3', 'db-x'], 'the canary is the first three to arrive');
  t.equal(rollout.stopped, 'canary_failed');
  t.ok(ended, 'the listing was read to its end');
  t.same(
    rollout.results.map((r) => [r.name, r.outcome]),
    [
      ['db-0', 'not_attempted'],
      ['db-1', 'not_attempted'],
      ['db-2', 'not_attempted'],
      ['db-3', 'applied'],
      ['db-4', 'not_attempted'],
      ['db-5', 'applied'],
      ['db-x', 'failed'],
    ],
    'every listed database reported, by name',
  );
  for (const i of [0, 1, 2, 4]) t.equal((await stateOf(fleet.paths[i] as string, fleet.registry)).version, '1.0.0');
});

t.test('a stream is read only a bounded distance ahead of the lanes', async (t) => {
  const root = dirFor(t);
  const schema = writeSchemaDir(join(root, 'schema'));
  const { registry } = await fleetAt(root, schema, 1);
  let yielded = 0;
  let done = 0;
  let most = 0;
  // Databases that cannot be opened (no such directory): each fails at once, and only the
  // distance between what was listed and what has finished is looked at.
  async function* many(): AsyncGenerator<FleetDatabase> {
    for (let i = 0; i < 1000; i++) {
      most = Math.max(most, yielded - done);
      yielded++;
      yield { name: `db-${String(i).padStart(4, '0')}`, url: pathToFileURL(join(root, 'missing', `${i}.db`)).href };
    }
  }
  const rollout = await runRollout(many(), {
    versions: registry.versions,
    to: registry.current.version,
    allowDestructive: false,
    dryRun: false,
    busyTimeoutMs: 5000,
    concurrency: 2,
    mode: 'async',
    onResult: () => done++,
  });
  t.equal(rollout.results.length, 1000);
  t.ok(
    rollout.results.every((r) => r.outcome === 'failed'),
    'each failed',
  );
  t.ok(most <= 256 + 2, `at most 256 listed beyond those in hand (${most})`);
  t.ok(most >= 200, `and the listing did run ahead (${most})`);
});
