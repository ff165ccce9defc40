/**
 * SIGKILL `sync-all` (the real CLI process) at random moments while it migrates 600 databases,
 * over several rounds. After every kill each database is at the old version or the new one —
 * schema exactly that version's, one audit row per version, rows unchanged, integrity_check ok, no
 * foreign-key violation — and a final re-run completes the rollout, touching only what was left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { appRows, fleetAt, quickState, referenceSchemas, spawnCli, withClient, writeSchemaDir } from './_fleet.js';

const COUNT = 500;
const ROUNDS = 3;

const root = mkdtempSync(join(tmpdir(), 'schema-sync-fleet-kill-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const schemaDir = writeSchemaDir(join(root, 'schema'));
const { dir, paths, registry } = await fleetAt(root, schemaDir, COUNT);
const expectedRows = JSON.stringify(await withClient(paths[0] as string, appRows));
const reference = await referenceSchemas(join(root, 'template', 'template-1.0.0.db'), registry, root);

/** Runs sync-all and SIGKILLs it once it has reported `after` applied databases. */
function runAndKill(after: number): Promise<{ reported: number; killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['sync-all', '--data-dir', dir, '--json'], { SCHEMA_DIR: schemaDir });
    let reported = 0;
    let killed = false;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('{"database"') || !line.includes('"outcome":"applied"')) return;
      reported++;
      if (reported >= after && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ reported, killed, code }));
  });
}

async function checkEveryDatabase(t: Test): Promise<Record<string, number>> {
  const versions: Record<string, number> = {};
  let bad = 0;
  for (const path of paths) {
    const state = await quickState(path);
    const key = state.version ?? 'none';
    versions[key] = (versions[key] ?? 0) + 1;
    const ok =
      (state.version === '1.0.0' || state.version === '1.1.0') &&
      state.schema === reference.get(state.version) &&
      Object.values(state.auditCounts).every((n) => n === 1) &&
      state.integrity &&
      state.fkViolations === 0 &&
      state.rows === expectedRows;
    if (!ok && bad++ < 3) t.fail(`${path} is not cleanly at one version`, { state });
  }
  t.equal(bad, 0, 'every database is at 1.0.0 or 1.1.0 exactly, rows unchanged, integrity ok');
  return versions;
}

let migrated = 0;
for (let round = 1; round <= ROUNDS; round++) {
  await t.test(`round ${round}: SIGKILL mid-rollout`, async (t) => {
    // Kill somewhere in the next stretch of work: after 20–100 more databases are applied.
    const after = 20 + Math.floor(Math.random() * 80);
    const run = await runAndKill(after);
    t.ok(run.killed, `killed after ${run.reported} applied database(s)`);
    t.equal(run.code, null, 'the process died of the signal');
    const versions = await checkEveryDatabase(t);
    const now = versions['1.1.0'] ?? 0;
    t.ok(now >= migrated + after, `progress is kept across kills (${migrated} → ${now} at 1.1.0)`);
    t.ok(now < COUNT, 'the kill came before the rollout finished');
    migrated = now;
  });
}

await t.test('a re-run completes the rollout, applying only what is left', async (t) => {
  const child = spawnCli(['sync-all', '--data-dir', dir, '--json'], { SCHEMA_DIR: schemaDir });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  const summary = (
    JSON.parse(out.trim().split('\n').at(-1) as string) as { summary: { outcomes: Record<string, number> } }
  ).summary;
  t.equal(summary.outcomes['applied'], COUNT - migrated, 'applied exactly the databases the kills left behind');
  t.equal(summary.outcomes['up_to_date'], migrated);
  const versions = await checkEveryDatabase(t);
  t.same(versions, { '1.1.0': COUNT });
});
