// The floor for bench/fleet: the very DDL sync-all applies, replayed by hand, one client.migrate()
// batch per database, sequentially; nothing read, planned or checked. Plain JavaScript, so it
// starts like the built CLI does (no TypeScript loader). argv: <data dir> <statements.json>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';

const [dir, statementsFile] = process.argv.slice(2);
if (dir === undefined || statementsFile === undefined) throw new Error('usage: floor.mjs <data dir> <statements.json>');
const statements = JSON.parse(readFileSync(statementsFile, 'utf8'));
for (const name of readdirSync(dir)
  .filter((file) => file.endsWith('.db'))
  .sort()) {
  const client = createClient({ url: pathToFileURL(join(dir, name)).href });
  await client.migrate(statements);
  client.close();
}
