/**
 * Shared driver of the fuzz test files: a fixed seed and run count per file (CI repeats exactly
 * the same cases), FUZZ_SEED / FUZZ_RUNS to explore further, outcome counts in the tap output.
 */
import fc from 'fast-check';
import type { Test } from 'tap';
import { dirFor } from '../_support.js';
import { describeCase, FuzzFailure, runCase, type FuzzCase, type Outcome } from './_check.js';
import {
  desiredArb,
  openFindings,
  rowsArb,
  sanitize,
  schemaArb,
  spellingArb,
  withoutOpenPairs,
  type ColumnSpec,
  type GenConfig,
  type GeneratedKind,
  type TableSpec,
} from './_gen.js';

/** Current schema, desired schema (edited or drawn anew), rows, mode and a respelling. */
export function caseArb(config: GenConfig, maxRows = 6): fc.Arbitrary<FuzzCase> {
  const open = openFindings();
  return schemaArb(config)
    .chain((current) =>
      fc.record({
        current: fc.constant(current),
        desired: desiredArb(config, current),
        rows: rowsArb(maxRows),
        destructive: fc.boolean(),
        spelling: spellingArb,
      }),
    )
    .map((c) => ({ ...c, ...withoutOpenPairs(c, open) }));
}

/**
 * The desired schema IS the current one, synced to in a random respelling: nothing may change
 * (and the row checks still run). The respelling check then tries a second spelling.
 */
export function respellArb(config: GenConfig, maxRows = 6): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      current: schemaArb(config),
      rows: rowsArb(maxRows),
      destructive: fc.boolean(),
      spelling: spellingArb,
      desiredSpelling: spellingArb,
    })
    .map((c) => ({ ...c, desired: c.current }));
}

/**
 * A generated column (VIRTUAL or STORED, of any type) that becomes a plain column of any type, in a
 * drawn schema: the rebuild's copy must store what a SELECT of the old column showed, as the new
 * column stores it (fuzz finding F12: a VIRTUAL REAL column was copied as its raw integer).
 */
export function generatedToPlainArb(config: GenConfig, maxRows = 6): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      current: schemaArb(config),
      kind: fc.constantFrom<GeneratedKind>('len', 'mul', 'cat'),
      stored: fc.boolean(),
      oldType: fc.constantFrom(...config.types),
      newType: fc.constantFrom(...config.types),
      rows: rowsArb(maxRows),
      destructive: fc.boolean(),
      spelling: spellingArb,
    })
    .map(({ current, kind, stored, oldType, newType, ...rest }) => {
      const [first, ...others] = current.tables as [TableSpec, ...TableSpec[]];
      const column: ColumnSpec = {
        name: 'gen',
        type: oldType,
        notNull: false,
        defaultSql: null,
        unique: false,
        check: null,
        collate: null,
        generated: { kind, stored },
      };
      const withColumn = (spec: ColumnSpec): typeof current => ({
        ...current,
        tables: [{ ...first, columns: [...first.columns, spec] }, ...others],
      });
      return {
        ...rest,
        current: sanitize(withColumn(column)),
        desired: sanitize(withColumn({ ...column, type: newType, generated: null })),
      };
    });
}

export interface Tally {
  runs: number;
  applied: number;
  inSync: number;
  refused: Record<string, number>;
  rows: number;
}

export async function fuzz(
  t: Test,
  name: string,
  arb: fc.Arbitrary<FuzzCase>,
  seed: number,
  runs: number,
): Promise<Tally> {
  const tally: Tally = { runs: 0, applied: 0, inSync: 0, refused: {}, rows: 0 };
  const envSeed = process.env['FUZZ_SEED'];
  const envRuns = process.env['FUZZ_RUNS'];
  const dir = dirFor(t);
  const record = (outcome: Outcome): void => {
    tally.runs++;
    tally.rows += outcome.rows;
    if (outcome.kind === 'applied') tally.applied++;
    else if (outcome.kind === 'in sync') tally.inSync++;
    else tally.refused[outcome.reason ?? '?'] = (tally.refused[outcome.reason ?? '?'] ?? 0) + 1;
  };
  const started = performance.now();
  // FUZZ_COLLECT=1: do not stop at the first failure; group failures by their first problem line
  const collect = process.env['FUZZ_COLLECT'] === '1';
  const buckets = new Map<string, { count: number; smallest: string }>();
  // FUZZ_MATCH=regex: only failures whose message matches count (to shrink one class at a time)
  const match = process.env['FUZZ_MATCH'] === undefined ? null : new RegExp(process.env['FUZZ_MATCH']);
  const result = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      try {
        record(await runCase(dir, c));
      } catch (error) {
        if (match !== null && !match.test(error instanceof Error ? error.message : String(error))) return;
        if (!collect) throw error;
        const message =
          error instanceof FuzzFailure
            ? error.message
            : error instanceof Error
              ? `${error.message}\n${error.stack ?? ''}`
              : String(error);
        const lines = message.split('\n');
        const signature = `${lines[0]} | ${(lines[1] ?? '')
          .replace(/[0-9]+/g, 'N')
          .replace(/"[^"]*"|'[^']*'/g, 'S')
          .slice(0, 160)}`;
        const bucket = buckets.get(signature) ?? { count: 0, smallest: message };
        bucket.count++;
        if (message.length < bucket.smallest.length) bucket.smallest = message;
        buckets.set(signature, bucket);
      }
    }),
    {
      seed: envSeed === undefined ? seed : Number(envSeed),
      numRuns: envRuns === undefined ? runs : Number(envRuns),
      endOnFailure: process.env['FUZZ_NO_SHRINK'] === '1',
    },
  );
  t.comment(
    `${name}: ${tally.runs} cases in ${Math.round(performance.now() - started)} ms: applied ${tally.applied}, already in sync ${tally.inSync}, refused ${JSON.stringify(tally.refused)}, ${tally.rows} rows compared`,
  );
  for (const [signature, bucket] of buckets) t.comment(`FAILURE x${bucket.count}: ${signature}\n${bucket.smallest}\n`);
  if (buckets.size > 0) t.fail(`${name}: ${buckets.size} kinds of failure`);
  if (result.failed) {
    t.fail(
      `${name}: seed ${result.seed}, path ${result.counterexamplePath ?? ''}\n${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
    );
  } else {
    t.pass(`${name}: every case converged or failed cleanly for a reason the rows give`);
  }
  return tally;
}

export { describeCase };
