/**
 * Replays a hand-written repro (for fuzz-findings.md): node --import tsx test/lib/fuzz/repro.ts
 * <current.sql incl. INSERTs> <desired.sql> [destructive]. Prints the plan, the outcome, the
 * re-plan and the checks every apply must pass.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { loadDesiredSchema } from '../../../lib/desired.js';
import { planMigration } from '../../../lib/plan/planner.js';
import { introspect } from '../../../lib/introspect.js';
import { splitStatements } from '../../../lib/sql/statements.js';
import { syncToSchema } from '../../../lib/sync.js';

const [currentPath, desiredPath, mode] = process.argv.slice(2);
const client = createClient({ url: `file:${join(mkdtempSync(join(tmpdir(), 'fuzz-repro-')), 'db.db')}` });
for (const statement of splitStatements(readFileSync(currentPath as string, 'utf8'))) await client.execute(statement);
const desired = await loadDesiredSchema(readFileSync(desiredPath as string, 'utf8'));
const options = { allowDestructive: mode === 'destructive' };
const show = (label: string, steps: ReadonlyArray<{ kind: string; sql: string }>): void => {
  console.log(
    `${label}:\n${
      steps
        .filter((s) => s.kind !== 'assert')
        .map((s) => `  ${s.sql}`)
        .join('\n') || '  (nothing)'
    }`,
  );
};
show('plan', planMigration(await introspect(client), desired, options).steps);
try {
  await syncToSchema(client, desired, options);
  console.log('applied');
} catch (error) {
  console.log(`FAILED: ${(error as Error).message}`);
}
show('plan again', planMigration(await introspect(client), desired, options).steps);
console.log('integrity', (await client.execute('PRAGMA integrity_check')).rows.map((r) => r[0]).join(','));
console.log('fk', JSON.stringify((await client.execute('PRAGMA foreign_key_check')).rows));
for (const row of (await client.execute("SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite%'")).rows) {
  console.log(`  ${String(row['sql'])}`);
  if (String(row['sql']).startsWith('CREATE TABLE')) {
    console.log(
      `    rows: ${JSON.stringify((await client.execute(`SELECT * FROM "${String(row['name']).replaceAll('"', '""')}"`)).rows, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
  }
}
