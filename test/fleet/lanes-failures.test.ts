/**
 * Worker processes that fail. One that dies is replaced and the database it had in hand (at one
 * version, never between) is synced again; one that cannot start is given up and the main thread
 * carries on. (A reader that goes away, and the main process killed: lanes-exit.test.ts.)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { dirFor } from '../lib/_support.js';
import { CLI, runSyncAll, spawnCli } from './_fleet.js';
import { childrenOf, cleanlyAtOneVersion, hasDatabaseOpen, tradingFleet, until } from './_lanes.js';

t.test(
  'a worker process killed mid-rollout: the database in hand is synced again, a replacement carries on, nothing fails',
  async (t) => {
    const root = dirFor(t);
    const schemaDir = '';
    const fleet = await tradingFleet(root, 300);
    const child = spawnCli(['sync-all', '--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
    const lines: Array<Record<string, unknown>> = [];
    createInterface({ input: child.stdout }).on('line', (line) =>
      lines.push(JSON.parse(line) as Record<string, unknown>),
    );
    child.stderr.resume();
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Kill a worker once it is syncing (it has a database open), so that it has work in hand.
    let victim: number | null = null;
    await until(() => {
      victim = childrenOf(child.pid as number).find((pid) => hasDatabaseOpen(pid, fleet.dir)) ?? null;
      return victim !== null;
    }, 20_000);
    const originals = new Set(childrenOf(child.pid as number));
    if (victim !== null) process.kill(victim, 'SIGKILL');
    const workersSeen = new Set<number>();
    let running = true;
    void closed.then(() => {
      running = false;
    });
    while (running) {
      for (const pid of childrenOf(child.pid as number)) workersSeen.add(pid);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const code = await closed;
    t.not(victim, null, 'a syncing worker process was found and killed');
    t.ok(
      [...workersSeen].some((pid) => !originals.has(pid)),
      'a replacement worker process started',
    );
    const perDb = lines.filter((line) => 'database' in line);
    t.equal(perDb.length, 300, 'every database is reported');
    // The database the dead worker had in hand is synced again: reported applied, or up to date
    // when the dead worker had committed it — never "failed" for the worker's death.
    t.equal(
      perDb.filter((line) => line['outcome'] === 'failed').length,
      0,
      'no database fails because its worker died',
    );
    t.equal(perDb.filter((line) => line['outcome'] === 'applied' || line['outcome'] === 'up_to_date').length, 300);
    t.equal(code, 0);
    for (const path of fleet.paths) {
      const state = await cleanlyAtOneVersion(path, fleet);
      if (!state.ok || state.version !== '1.1.0') t.fail(`${path} is not cleanly at 1.1.0`, { state });
    }
    const rerun = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
    t.equal(rerun.code, 0);
    t.match((rerun.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> }).outcomes, {
      applied: 0,
      up_to_date: 300,
    });
  },
);

t.test(
  'a worker that cannot start is given up after 3 starts; the main thread carries the rollout and says so',
  async (t) => {
    const root = dirFor(t);
    const fleet = await tradingFleet(root, 150);
    // Preloaded into every process the CLI starts, so also into its workers (which inherit the
    // flags): there it crashes at start-up.
    const crash = join(root, 'crash-in-worker.mjs');
    writeFileSync(
      crash,
      "if (typeof process.send === 'function' && /lane-worker\\.[jt]s$/.test(process.argv[1] ?? '')) process.exit(7);\n",
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', pathToFileURL(crash).href, CLI, 'sync-all', '--data-dir', fleet.dir, '--json'],
      { env: { ...process.env, SCHEMA_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    t.equal(code, 0, err);
    const summary = (
      JSON.parse(out.trim().split('\n').at(-1) as string) as { summary: { outcomes: Record<string, number> } }
    ).summary;
    t.match(summary.outcomes, { applied: 150, failed: 0 }, 'every database migrated, on the main thread');
    // Given up after its third start — or, on a slow machine, the rollout ended before that.
    t.match(
      err,
      /a sync worker process (was given up after 3 start\(s\)|failed to start \([123] time\(s\)\)): sync worker process exited \(code 7\); its databases ran on the main thread/,
    );
    t.ok(
      (err.match(/sync worker process/g) ?? []).length <= 2 * 2,
      'said once per worker, not once per start or database',
    );
  },
);
