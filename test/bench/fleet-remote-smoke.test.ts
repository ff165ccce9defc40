/**
 * bench/fleet-remote cannot rot silently: its whole code path on 20 databases (stand-in process,
 * floor, sync-all from source against the stand-ins), and the stand-in knobs it relies on —
 * latency and request counting — checked on their own.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import t from 'tap';
import { runFleetRemote, type Phase } from '../../bench/fleet-remote/bench.js';
import { startHranaServer } from '../support/hrana-server.js';
import { startTursoPlatform } from '../support/turso-platform.js';
import { tempDir } from '../helpers/app.js';

const N = 20;

t.test('the floor and sync-all each converge every database; requests are counted per database', async (t) => {
  const result = await runFleetRemote({
    counts: [N],
    latencyMs: 2,
    concurrencies: [4],
    cli: 'source',
    integrityEvery: 1,
    log: () => undefined,
  });
  t.match(result, { from: '1.0.0', to: '1.1.0' }, 'the built-in 1.0.0 → 1.1.0');
  t.ok(
    result.floorStatements > 0 && result.floorStatements < result.planStatements,
    'the floor sends the plan less its checks',
  );
  const run = result.fleets[0]?.runs[0];
  if (run === undefined) return t.fail('no run');
  t.equal(run.idealS, (N * 2) / 4 / 1000, 'ideal: N × latency ÷ concurrency');

  const everyDatabase = {
    databases: N,
    atVersion: N,
    schemaMatches: N,
    rowsIntact: N,
    integrityChecked: N,
    integrityOk: N,
  };
  t.match(run.floor.migrate.verified, { ...everyDatabase, problems: [] }, 'the floor converged every database');
  t.match(run.cli.migrate.verified, { ...everyDatabase, problems: [] }, 'sync-all converged every database');

  const exactlyOne = (phase: Phase, label: string): void => {
    t.equal(phase.hranaRequests, N, `${label}: N requests counted at the stand-in`);
    t.same(phase.perDatabase, { mean: 1, min: 1, max: 1 }, `${label}: one per database`);
    t.same(phase.apiRequests, {}, `${label}: no Platform API request`);
  };
  exactlyOne(run.floor.migrate, 'floor migrate');
  exactlyOne(run.floor.noop, 'floor no-op');

  t.equal(run.cli.migrate.summary.outcomes['applied'], N, 'sync-all applied every database');
  t.ok(run.cli.migrate.perDatabase.min >= 1, 'sync-all reached every database');
  t.equal(
    run.cli.migrate.hranaRequests,
    Math.round(run.cli.migrate.perDatabase.mean * N),
    'the mean is the total over N',
  );
  t.equal(run.cli.noop.summary.outcomes['up_to_date'], N, 'the re-run found every database up to date');
  t.ok(run.cli.noop.perDatabase.min >= 1, 'the re-run read every database');
  for (const phase of [run.cli.migrate, run.cli.noop]) {
    t.ok((phase.apiRequests['GET databases'] ?? 0) >= 1, 'the fleet listed through the Platform API');
    t.equal(phase.openStreamsAfter, 0, 'no stream left open');
  }
  t.ok(run.cli.migrate.wallS > 0 && run.floor.migrate.wallS > 0, 'both timed');
  t.ok(run.migrateVsFloor > 0 && run.noopVsFloor > 0, 'ratios to the floor');
});

t.test(
  'stand-in knobs: latency holds each request, served() counts with the log off, register adopts a file',
  async (t) => {
    const dir = tempDir(t, 'schema-sync-knobs-');
    const template = join(dir, 'template.db');
    const seed = createClient({ url: `file:${template}` });
    await seed.execute('CREATE TABLE t (x INTEGER)');
    await seed.execute('INSERT INTO t VALUES (42)');
    seed.close();

    const hrana = await startHranaServer({ file: template, authorize: () => true, latencyMs: 60, keepLog: false });
    t.teardown(() => hrana.close());
    const client = createClient({ url: hrana.url });
    t.teardown(() => client.close());
    const started = performance.now();
    t.same(
      (await client.execute('SELECT x FROM t')).rows.map((r) => r[0]),
      [42],
    );
    t.ok(performance.now() - started >= 55, 'the answer waited for the latency');
    t.equal(hrana.served(), 1, 'one request counted');
    t.same([hrana.requests.length, hrana.statements.length], [0, 0], 'nothing logged');
    hrana.resetServed();
    t.equal(hrana.served(), 0, 'reset');

    const platformDir = tempDir(t, 'schema-sync-knobs-platform-');
    copyFileSync(template, join(platformDir, 'adopted.db'));
    const platform = await startTursoPlatform({ dir: platformDir, groups: ['users'], latencyMs: 30 });
    t.teardown(() => platform.close());
    const db = await platform.register('adopted');
    t.equal(db.group, 'users', 'the first group by default');
    await t.rejects(platform.register('adopted'), /already exists/, 'a name once');
    await t.rejects(platform.register('missing'), /no file/, 'only an existing file');
    const apiStarted = performance.now();
    const listed = await fetch(`${platform.url}/v1/organizations/${platform.org}/databases?group=users`, {
      headers: { authorization: `Bearer ${platform.apiToken}` },
    });
    t.ok(performance.now() - apiStarted >= 25, 'the Platform API waited for the latency');
    t.match(await listed.json(), { databases: [{ Name: 'adopted', Hostname: db.Hostname }] }, 'listed');
    t.equal(db.hrana.latencyMs, 30, 'the database has the latency too');
    const remote = createClient({
      url: `http://${db.Hostname}`,
      authToken: platform.sign({ a: 'rw', gid: 'users' }),
    });
    t.teardown(() => remote.close());
    t.same(
      (await remote.execute('SELECT x FROM t')).rows.map((r) => r[0]),
      [42],
      'served from the adopted file',
    );
    t.equal(db.hrana.served(), 1, 'counted at the database');
    platform.latencyMs = 0;
    t.equal(db.hrana.latencyMs, 0, 'setting the latency reaches every database');
  },
);
