/**
 * Deciding views, triggers and indexes: which to drop (and why, decided once), which to create or
 * recreate after the table changes, and which unwanted ones are kept. Views and indexes whose name
 * the desired schema gives to an object of another kind are dropped in every mode.
 */
import type { DatabaseSchema, Index, Trigger, View } from '../model.js';
import { findByName, foldName } from '../model.js';
import { definitionKey, indexKey, mentionsAny } from './compare.js';
import { isKeyword, tokenize } from '../sql/tokens.js';
import type { Skipped } from './steps.js';
import { folded } from './common.js';
import { isAllowed, type PlanOptions } from './options.js';

/** Why an object is dropped: the render step words it and marks only 'unwanted' destructive. */
export type DropWhy = 'unwanted' | 'changes kind' | 'recreated' | 'changed';

export interface ObjectDrop<T> {
  readonly item: T;
  readonly why: DropWhy;
}

/** An object created after the change: from the desired schema, or a kept one recreated verbatim. */
export interface Recreate<T> {
  readonly item: T;
  readonly from: 'desired' | 'actual';
}

export interface ObjectChanges<T> {
  readonly drops: readonly ObjectDrop<T>[];
  readonly creates: readonly Recreate<T>[];
  readonly skipped: readonly Skipped[];
}

/** What the table decisions settled that views, triggers and indexes depend on. */
export interface ObjectContext {
  readonly actual: DatabaseSchema;
  readonly desired: DatabaseSchema;
  readonly options: PlanOptions;
  readonly rebuiltNames: ReadonlySet<string>;
  readonly droppedTableNames: ReadonlySet<string>;
  /** Per rebuilt table (folded), the columns the rebuild drops (folded). */
  readonly droppedColumnNames: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Views and indexes (folded names) whose name the desired schema gives to another kind of object. */
export function namesChangingKind(
  actual: DatabaseSchema,
  desired: DatabaseSchema,
): { views: Set<string>; indexes: Set<string> } {
  const tables = folded(desired.tables.map((table) => table.name));
  const views = folded(desired.views.map((view) => view.name));
  const indexes = folded(desired.indexes.filter((index) => index.origin === 'c').map((index) => index.name));
  return {
    views: folded(
      actual.views.map((view) => view.name).filter((name) => tables.has(foldName(name)) || indexes.has(foldName(name))),
    ),
    indexes: folded(
      actual.indexes
        .filter((index) => index.origin === 'c')
        .map((index) => index.name)
        .filter((name) => tables.has(foldName(name)) || views.has(foldName(name))),
    ),
  };
}

const allowAll = (options: PlanOptions): boolean => options.allowDestructive === true;

/**
 * Views: changed, unwanted, changing kind, or broken by a rebuilt or dropped table or by another
 * broken view (transitively). Returns the broken names too: triggers that mention them are redone.
 */
export function decideViews(
  context: ObjectContext,
  changingKind: ReadonlySet<string>,
  alsoBroken: Iterable<string>,
): ObjectChanges<View> & { broken: ReadonlySet<string> } {
  const { actual, desired, options } = context;
  const broken = new Set([...context.rebuiltNames, ...context.droppedTableNames, ...alsoBroken]);
  const fate = new Map<string, DropWhy>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const view of actual.views) {
      const key = foldName(view.name);
      if (fate.has(key)) continue;
      const want = findByName(desired.views, view.name);
      if (changingKind.has(key)) fate.set(key, 'changes kind');
      else if (want !== undefined && definitionKey(want.sql) !== definitionKey(view.sql)) fate.set(key, 'recreated');
      else if (want === undefined && isAllowed(options.allowDrops?.views, view.name, allowAll(options)))
        fate.set(key, 'unwanted');
      else if (mentionsAny(view.sql, broken)) fate.set(key, 'recreated');
      else continue;
      broken.add(key);
      grew = true;
    }
  }
  const drops: ObjectDrop<View>[] = [];
  const creates: Recreate<View>[] = [];
  const skipped: Skipped[] = [];
  for (const view of actual.views) {
    const why = fate.get(foldName(view.name));
    const want = findByName(desired.views, view.name);
    if (why !== undefined) drops.push({ item: view, why });
    if (why === 'recreated')
      creates.push(want !== undefined ? { item: want, from: 'desired' } : { item: view, from: 'actual' });
    if (want === undefined && why !== 'unwanted' && why !== 'changes kind')
      skipped.push({ kind: 'view', object: view.name, reason: 'not in the desired schema; kept' });
  }
  for (const view of desired.views) {
    if (findByName(actual.views, view.name) === undefined) creates.push({ item: view, from: 'desired' });
  }
  return { drops, creates, skipped, broken };
}

/** Triggers: changed, unwanted, on a rebuilt or dropped table, or mentioning a broken name. */
export function decideTriggers(context: ObjectContext, broken: ReadonlySet<string>): ObjectChanges<Trigger> {
  const { actual, desired, options } = context;
  const drops: ObjectDrop<Trigger>[] = [];
  const creates: Recreate<Trigger>[] = [];
  const skipped: Skipped[] = [];
  for (const trigger of actual.triggers) {
    const want = findByName(desired.triggers, trigger.name);
    const onDroppedTable = context.droppedTableNames.has(foldName(trigger.table));
    if (onDroppedTable && want === undefined) continue; // goes with its table
    const allowedToDrop = isAllowed(options.allowDrops?.triggers, trigger.name, allowAll(options));
    const stale = want !== undefined && definitionKey(want.sql) !== definitionKey(trigger.sql);
    const affected = context.rebuiltNames.has(foldName(trigger.table)) || mentionsAny(trigger.sql, broken);
    if (want === undefined && allowedToDrop) {
      drops.push({ item: trigger, why: 'unwanted' });
    } else if (stale || affected || onDroppedTable) {
      drops.push({ item: trigger, why: 'recreated' });
      creates.push(want !== undefined ? { item: want, from: 'desired' } : { item: trigger, from: 'actual' });
    }
    if (want === undefined && !allowedToDrop)
      skipped.push({ kind: 'trigger', object: trigger.name, reason: 'not in the desired schema; kept' });
  }
  for (const trigger of desired.triggers) {
    if (findByName(actual.triggers, trigger.name) === undefined) creates.push({ item: trigger, from: 'desired' });
  }
  return { drops, creates, skipped };
}

/** Does the index use any of these (folded) column names: as a key, in an expression or its WHERE? */
function indexUsesAny(index: Index, columns: ReadonlySet<string> | undefined): boolean {
  if (columns === undefined || columns.size === 0) return false;
  if (index.columns.some((column) => column.name !== null && columns.has(foldName(column.name)))) return true;
  // After the opening parenthesis; a bare keyword (DESC, COLLATE…) is never a column of that name.
  const tokens = tokenize(index.sql ?? '');
  const open = tokens.findIndex((token) => token.text === '(');
  return (
    open >= 0 &&
    tokens
      .slice(open)
      .some(
        (token) =>
          (token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text))) &&
          columns.has(foldName(token.value)),
      )
  );
}

/** Named indexes only: autoindexes belong to their table's constraints. */
export function decideIndexes(context: ObjectContext, changingKind: ReadonlySet<string>): ObjectChanges<Index> {
  const { actual, desired, options, rebuiltNames, droppedTableNames } = context;
  const named = (indexes: readonly Index[]): Index[] =>
    indexes.filter((index) => index.origin === 'c' && index.sql !== null);
  const desiredNamed = named(desired.indexes);
  const drops: ObjectDrop<Index>[] = [];
  const creates: Recreate<Index>[] = [];
  const skipped: Skipped[] = [];
  for (const index of named(actual.indexes)) {
    const want = findByName(desiredNamed, index.name);
    const tableKey = foldName(index.table);
    const goesWithTable = rebuiltNames.has(tableKey) || droppedTableNames.has(tableKey);
    if (want === undefined) {
      if (changingKind.has(foldName(index.name))) {
        // dropped before any table is created, even when its own table is rebuilt: a new table may take its name
        if (!droppedTableNames.has(tableKey)) drops.push({ item: index, why: 'changes kind' });
        continue;
      }
      if (droppedTableNames.has(tableKey)) continue;
      if (isAllowed(options.allowDrops?.indexes, index.name, allowAll(options))) {
        if (!goesWithTable) drops.push({ item: index, why: 'unwanted' });
        continue;
      }
      // An index over a column the rebuild drops (as a key, in an expression or in its WHERE)
      // cannot be recreated: it goes with the column.
      if (rebuiltNames.has(tableKey) && indexUsesAny(index, context.droppedColumnNames.get(tableKey))) continue;
      skipped.push({ kind: 'index', object: index.name, reason: 'not in the desired schema; kept' });
      if (rebuiltNames.has(tableKey)) creates.push({ item: index, from: 'actual' });
      continue;
    }
    const stale = indexKey(want) !== indexKey(index);
    if (stale && !goesWithTable) drops.push({ item: index, why: 'changed' });
    if (stale || goesWithTable) creates.push({ item: want, from: 'desired' });
  }
  for (const index of desiredNamed) {
    if (findByName(actual.indexes, index.name) === undefined) creates.push({ item: index, from: 'desired' });
  }
  return { drops, creates, skipped };
}
