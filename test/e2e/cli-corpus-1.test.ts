/** Held-out corpus, part 2 of 4 (cases whose name hashes to 1), run in-process: see _corpus.ts. */
import t from 'tap';
import { allCases, runCases, shardOf } from './_corpus.js';
import { cliInProcess } from './_in-process.js';

runCases(
  t,
  allCases.filter((name) => shardOf(name) === 1),
  (args) => cliInProcess(args),
);
