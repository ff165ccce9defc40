/** Held-out corpus, part 3 of 4 (cases whose name hashes to 2), run in-process: see _corpus.ts. */
import t from 'tap';
import { allCases, runCases, shardOf } from './_corpus.js';
import { cliInProcess } from './_in-process.js';

runCases(
  t,
  allCases.filter((name) => shardOf(name) === 2),
  (args) => cliInProcess(args),
);
