/** Held-out corpus, part 1 of 4 (cases whose name hashes to 0), run in-process: see _corpus.ts. */
import t from 'tap';
import { allCases, runCases, shardOf } from './_corpus.js';
import { cliInProcess } from './_in-process.js';

runCases(
  t,
  allCases.filter((name) => shardOf(name) === 0),
  (args) => cliInProcess(args),
);
