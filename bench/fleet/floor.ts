/**
 * The floor: the very DDL sync-all applies, replayed by hand, one client.migrate() batch per
 * database, sequentially, nothing read, planned or checked. argv: <data dir> <statements.json>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { fileUrl } from './fixture.js';

const [dir, statementsFile] = process.argv.slice(2);
if (dir === undefined || statementsFile === undefined) throw new Error('usage: floor.ts <data dir> <statements.json>');
const statements = JSON.parse(readFileSync(statementsFile, 'utf8')) as string[];
for (const name of readdirSync(dir).filter((file) => file.endsWith('.db')).sort()) {
  const client = createClient({ url: fileUrl(join(dir, name)) });
  await client.migrate(statements);
  client.close();
}
