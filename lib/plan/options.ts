/** What a plan may do beyond reaching the desired schema: drops, renames, data steps. */
import { foldName } from '../model.js';
import type { Renames } from './renames.js';

/** Which unwanted objects may be dropped: everything, or the ones a version names. */
export interface DropAllowance {
  readonly tables?: readonly string[];
  readonly columns?: Readonly<Record<string, readonly string[]>>;
  readonly indexes?: readonly string[];
  readonly views?: readonly string[];
  readonly triggers?: readonly string[];
}

export interface DataStep {
  readonly version: string;
  readonly sql: string;
}

export interface PlanOptions {
  readonly allowDestructive?: boolean;
  readonly allowDrops?: DropAllowance;
  readonly renames?: Renames;
  readonly dataSteps?: readonly DataStep[];
}

export function isAllowed(list: readonly string[] | undefined, name: string, allowAll: boolean): boolean {
  return allowAll || (list?.some((entry) => foldName(entry) === foldName(name)) ?? false);
}

/**
 * A version's allowance names a table as it was called in that version: when a later version
 * renames the table, the allowance follows it (the plan compares tables by their new names).
 */
export function allowanceAfterRenames(
  allowDrops: DropAllowance | undefined,
  renamedTables: ReadonlyMap<string, string>,
): DropAllowance | undefined {
  if (allowDrops?.columns === undefined || renamedTables.size === 0) return allowDrops;
  const columns: Record<string, string[]> = {};
  for (const [table, names] of Object.entries(allowDrops.columns)) {
    const name = renamedTables.get(foldName(table)) ?? table;
    const key = Object.keys(columns).find((existing) => foldName(existing) === foldName(name)) ?? name;
    columns[key] = [...(columns[key] ?? []), ...names];
  }
  return { ...allowDrops, columns };
}
