/**
 * A rollout on worker processes when what surrounds it goes away: a reader that closes the pipe
 * does not stop the rollout, and when the main process is killed, its workers stop.
 */
import { createInterface } from 'node:readline';
import t from 'tap';
import { dirFor } from '../lib/_support.js';
import { spawnCli } from './_fleet.js';
import { alive, childrenOf, cleanlyAtOneVersion, tradingFleet, until } from './_lanes.js';

t.test('a reader that goes away does not stop the rollout', async (t) => {
  const root = dirFor(t);
  const fleet = await tradingFleet(root, 60);
  const child = spawnCli(['sync-all', '--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: '' });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // Like `| head -1`: read one line, then close the pipe.
  await new Promise<void>((resolve) =>
    child.stdout.once('data', () => {
      child.stdout.destroy();
      resolve();
    }),
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, 'exit 0: every database reached the target');
  t.match(err, /standard output failed \(EPIPE\); carrying on without it/);
  let unclean = 0;
  for (const path of fleet.paths) {
    const state = await cleanlyAtOneVersion(path, fleet);
    if (!state.ok || state.version !== '1.1.0') unclean++;
  }
  t.equal(unclean, 0, 'the whole fleet migrated');
});

t.test('when the main process is killed, its worker processes stop', async (t) => {
  const root = dirFor(t);
  const schemaDir = '';
  const fleet = await tradingFleet(root, 300);
  const child = spawnCli(['sync-all', '--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  let workers: number[] = [];
  let seen = 0;
  createInterface({ input: child.stdout }).on('line', () => {
    seen++;
    if (workers.length === 0 && seen >= 40) {
      workers = childrenOf(child.pid as number);
      if (workers.length > 0) child.kill('SIGKILL');
    }
  });
  child.stderr.resume();
  await new Promise((resolve) => child.on('exit', resolve));
  t.ok(workers.length >= 1, `worker processes were running (${workers.length})`);
  t.ok(
    await until(() => workers.every((pid) => !alive(pid)), 10_000),
    'every worker process exited after the main one died',
  );
  let unclean = 0;
  for (const path of fleet.paths) if (!(await cleanlyAtOneVersion(path, fleet)).ok) unclean++;
  t.equal(unclean, 0, 'every database cleanly at 1.0.0 or 1.1.0');
});
