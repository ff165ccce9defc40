// The floor for bench/fleet: the very DDL sync-all applies, replayed by hand, one client.migrate()
// batch per database, sequentially; nothing read, planned or checked. Plain JavaScript, so it
// starts like the built CLI does (no TypeScript loader). argv: <data dir> <statements.json>
//
// Run with --expose-gc: a closed connection keeps its file descriptor and native memory until the
// garbage collector finalises it, and the native finalizers run only once the loop yields. Without
// a minor collection and a yield every few databases (sync-all's workers collect as often, and
// yield between requests: lib/worker-host.ts), 20,000 databases run out of descriptors
// (SQLITE_CANTOPEN) and each open walks SQLite's growing list of open files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';

const COLLECT_EVERY = 32;
const [dir, statementsFile] = process.argv.slice(2);
if (dir === undefined || statementsFile === undefined) throw new Error('usage: floor.mjs <data dir> <statements.json>');
const statements = JSON.parse(readFileSync(statementsFile, 'utf8'));
let done = 0;
for (const name of readdirSync(dir)
  .filter((file) => file.endsWith('.db'))
  .sort()) {
  const client = createClient({ url: pathToFileURL(join(dir, name)).href });
  await client.migrate(statements);
  client.close();
  if (++done % COLLECT_EVERY === 0) {
    globalThis.gc?.({ type: 'minor' });
    await turn();
  }
}
