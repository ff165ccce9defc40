/**
 * Exactly once under contention: two `sync-all` processes and a stream of live sign-ins (the real
 * service, in-process, on the same DATA_DIR) all bring the same 300 databases to 1.1.0 at once.
 * Every database ends with exactly one 1.1.0 audit row, and the appliers' own accounts add up:
 * the databases applied by the two runs plus those applied by sign-ins are exactly the fleet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { dirFor } from '../lib/_support.js';
import { appRows, fleetAt, quickState, referenceSchemas, spawnCli, withClient, writeSchemaDir } from './_fleet.js';

const COUNT = 300;

t.test('two sync-all runs and live sign-ins apply each database once', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'));
  const { dir, paths, registry } = await fleetAt(root, schemaDir, COUNT);
  const expectedRows = JSON.stringify(await withClient(paths[0] as string, appRows));
  const reference = await referenceSchemas(join(root, 'template', 'template-1.0.0.db'), registry, root);
  const service = await buildTestApp(t, { dataDir: dir, env: { SCHEMA_DIR: schemaDir }, logLevel: 'warn' });

  const runs = [0, 1].map((i) => {
    const report = join(root, `report-${i}.json`);
    const child = spawnCli(['sync-all', '--data-dir', dir, '--json', '--report', report], { SCHEMA_DIR: schemaDir });
    child.stdout.resume();
    child.stderr.resume();
    return { report, exit: new Promise<number | null>((resolve) => child.on('close', resolve)) };
  });

  // Sign-ins walk the fleet from the other end, four at a time, while both runs are going.
  const users = paths.map((_, i) => `db-${String(i).padStart(5, '0')}`).reverse();
  let signInApplied = 0;
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < users.length) {
        const userId = users[next++] as string;
        const response = await service.call({
          method: 'POST',
          url: '/api/user/initialize',
          token: service.token(userId),
          body: { email: `${userId}@example.com`, user_id: userId },
        });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (/synced from 1\.0\.0 to 1\.1\.0/.test(response.json<{ message: string }>().message)) signInApplied++;
      }
    }),
  );
  t.same([...statuses.entries()], [[200, COUNT]], 'every sign-in succeeded');
  const codes = await Promise.all(runs.map((run) => run.exit));
  t.same(codes, [0, 0], 'both runs exit 0');

  const appliedBy = runs.map((run) => {
    const doc = JSON.parse(readFileSync(run.report, 'utf8')) as { summary: { outcomes: Record<string, number> } };
    t.equal(doc.summary.outcomes['failed'], 0);
    return doc.summary.outcomes['applied'] ?? 0;
  });
  t.equal(
    (appliedBy[0] ?? 0) + (appliedBy[1] ?? 0) + signInApplied,
    COUNT,
    `applied by run A ${appliedBy[0]}, run B ${appliedBy[1]}, sign-ins ${signInApplied}: each database exactly once`,
  );

  let bad = 0;
  for (const path of paths) {
    const state = await quickState(path);
    const ok =
      state.version === '1.1.0' &&
      state.auditCounts['1.1.0'] === 1 &&
      state.schema === reference.get('1.1.0') &&
      state.integrity &&
      state.fkViolations === 0 &&
      state.rows === expectedRows;
    if (!ok && bad++ < 3) t.fail(`${path}`, { state });
  }
  t.equal(bad, 0, 'every database: one 1.1.0 audit row, the 1.1.0 schema, rows unchanged, integrity ok');
});
