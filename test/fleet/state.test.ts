/**
 * The state file (lib/fleet/file-state.ts) through the real command: a re-run over files nobody
 * touched settles them without opening them, and a database written to, or an older copy put back
 * with its modification time, is read again. (The other ways a file changes under the state file:
 * state-identity.test.ts; where the file is written and a damaged one: state-file.test.ts.)
 */
import { copyFileSync, existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runSyncAll, stateOf, withClient } from './_fleet.js';
import { COUNT, lineFor, migratedFleet, perDatabase, summaryOf } from './_state.js';

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
