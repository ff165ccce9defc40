/**
 * SIGKILL mid-apply: an applier process is killed at random moments while its batch rebuilds
 * tables full of rows. Afterwards the database is exactly the old one or exactly the new one —
 * never in between — integrity_check is ok, no foreign key is broken, every row is there, and a
 * re-run completes the change.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import fc from 'fast-check';
import t from 'tap';
import { loadDesiredSchema } from '../../lib/desired.js';
import { syncToSchema } from '../../lib/sync.js';
import { dirFor, dumpSchema, exec, foreignKeyViolations, integrityOk, planTo, rows, tempDb } from './_support.js';

const ROWS = 10_000;
const BEFORE = `CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, tier TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, total REAL);
CREATE INDEX orders_account ON orders (account_id);`;
/** Every table rebuilt (new NOT NULL, CHECK, COLLATE): the batch is long enough to be killed inside. */
const AFTER = `CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE, tier TEXT NOT NULL DEFAULT 'free' CHECK (tier <> ''));
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, total REAL NOT NULL DEFAULT 0 CHECK (total >= 0));
CREATE INDEX orders_account ON orders (account_id);
CREATE INDEX orders_total ON orders (total);`;
const WORKER = fileURLToPath(new URL('./_apply-worker.ts', import.meta.url));

function runWorker(
  url: string,
  ddlFile: string,
  killAfterMs: number | null,
): Promise<{ killed: boolean; sawApplying: boolean; applyMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, ddlFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let applyingAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (applyingAt === 0 && output.includes('applying\n')) {
        applyingAt = performance.now();
        if (killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`worker exited with ${code}: ${output}`));
      else
        resolve({ killed: signal === 'SIGKILL', sawApplying: applyingAt > 0, applyMs: performance.now() - applyingAt });
    });
  });
}

t.test('killed at random moments mid-apply: old or new, never between; nothing lost; a re-run completes', async (t) => {
  const dir = dirFor(t);
  const ddlFile = join(dir, 'after.sql');
  writeFileSync(ddlFile, AFTER);
  const seed = tempDb(dir);
  await exec(seed.client, BEFORE);
  await seed.client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO accounts (id, email, tier) SELECT i, 'user' || i || '@example.com', CASE i % 3 WHEN 0 THEN 'gold' ELSE 'free' END FROM n`,
    args: [ROWS],
  });
  await seed.client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO orders (id, account_id, total) SELECT i, 1 + (i * 7) % ?, i % 500 FROM n`,
    args: [ROWS * 2, ROWS],
  });
  const oldSchema = await dumpSchema(seed.client);
  const accounts = await rows(seed.client, 'SELECT id, email, tier FROM accounts ORDER BY id');
  const orders = await rows(seed.client, 'SELECT id, account_id, total FROM orders ORDER BY id');
  seed.client.close();

  // One undisturbed run says how long the batch takes on this machine, now.
  const calibration = join(dir, 'calibration.db');
  copyFileSync(seed.path, calibration);
  const { applyMs } = await runWorker(pathToFileURL(calibration).href, ddlFile, null);
  t.comment(`an undisturbed apply takes ${Math.round(applyMs)} ms`);

  // Spread over the batch and a little past it (the commit itself), with a seeded jitter.
  const jitter = fc.sample(fc.integer({ min: 0, max: 1000 }), { numRuns: 6, seed: 7 });
  const delays = [0.05, 0.25, 0.5, 0.75, 0.95, 1.2].map((fraction, i) =>
    Math.round(applyMs * fraction * (0.9 + (jitter[i] ?? 0) / 5000)),
  );
  const outcomes: string[] = [];
  for (const [round, delay] of delays.entries()) {
    const path = join(dir, `round-${round}.db`);
    copyFileSync(seed.path, path);
    const url = pathToFileURL(path).href;
    const run = await runWorker(url, ddlFile, delay);
    t.ok(run.sawApplying, `round ${round}: the worker reached its batch`);
    const client = createClient({ url });
    try {
      const schema = await dumpSchema(client);
      const isOld = JSON.stringify(schema) === JSON.stringify(oldSchema);
      const isNew = (await planTo(client, AFTER)).steps.length === 0;
      outcomes.push(`${delay} ms: ${run.killed ? 'killed' : 'finished'}, ${isOld ? 'old' : isNew ? 'new' : 'BETWEEN'}`);
      t.ok(
        isOld !== isNew,
        `round ${round} (kill after ${delay} ms): the schema is exactly the old or exactly the new one`,
      );
      t.ok(await integrityOk(client), 'integrity_check ok');
      t.equal(await foreignKeyViolations(client), 0, 'no foreign-key violations');
      t.same(
        await rows(client, 'SELECT id, email, tier FROM accounts ORDER BY id'),
        accounts,
        'every account row, unchanged',
      );
      t.same(
        await rows(client, 'SELECT id, account_id, total FROM orders ORDER BY id'),
        orders,
        'every order row, unchanged',
      );
      await syncToSchema(client, await loadDesiredSchema(AFTER));
      t.equal((await planTo(client, AFTER)).steps.length, 0, 'a re-run completes the change');
      t.same(await rows(client, 'SELECT count(*) AS n FROM orders'), [{ n: ROWS * 2 }]);
    } finally {
      client.close();
    }
  }
  t.comment(outcomes.join('; '));
});
