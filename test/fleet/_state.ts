/**
 * What the state-file tests share (test/fleet/state*.test.ts): a fleet of COUNT databases, one
 * first run of the real command over it, and readers for its JSON lines.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { dirFor } from '../lib/_support.js';
import { fleetAt, runSyncAll, writeSchemaDir } from './_fleet.js';

export const COUNT = 40;

export type Line = Record<string, unknown>;
export const perDatabase = (lines: readonly Line[]): Line[] => lines.filter((line) => 'database' in line);
export const summaryOf = (lines: readonly Line[]) =>
  lines.at(-1)?.['summary'] as { outcomes: Record<string, number>; fromState: number };
export const lineFor = (lines: readonly Line[], name: string): Line | undefined =>
  perDatabase(lines).find((line) => line['database'] === name);

export async function migratedFleet(t: Test, versions?: ReadonlyArray<readonly [string, string]>) {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'), versions);
  const fleet = await fleetAt(root, schemaDir, COUNT);
  const first = await runSyncAll(['--data-dir', fleet.dir, '--json'], { SCHEMA_DIR: schemaDir });
  t.equal(first.code, 0, first.err);
  return { ...fleet, root, schemaDir, stateFile: join(fleet.dir, '.schema-sync', 'fleet-state.json'), first };
}
