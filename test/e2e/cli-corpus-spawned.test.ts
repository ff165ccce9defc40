/**
 * A few corpus cases through the real CLI in a child process (compiled as `npm run build` ships it),
 * so the in-process runs of cli-corpus-<i>.test.ts cannot drift from what a user gets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cli } from './_cli.js';
import { allCases, runCases, SHARDS } from './_corpus.js';

const SPAWNED = [
  'drop-column-allowed-through-rebuild',
  'fail-added-column-default-violates-check',
  'index-removed-kept',
];

t.ok(allCases.length > 100, `the corpus has its cases (${allCases.length})`);
for (const name of SPAWNED) t.ok(allCases.includes(name), `${name} is a corpus case`);
for (let i = 0; i < SHARDS; i++)
  t.ok(
    existsSync(join(import.meta.dirname, `cli-corpus-${i}.test.ts`)),
    `cli-corpus-${i}.test.ts runs its share of the corpus`,
  );

runCases(t, SPAWNED, (args) => cli(args));
