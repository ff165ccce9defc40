/**
 * Deciding views, triggers and indexes: which to drop (and why, decided once), which to create or
 * recreate after the table changes, and which unwanted ones are kept. Views and indexes whose name
 * the desired schema gives to an object of another kind are dropped in every mode.
 */
import type { DatabaseSchema, Index, Trigger, View } from '../model.js';
import { findByName, foldName } from '../model.js';
import { definitionKey, indexKey, mentionsAny } from './compare.js';
import { memoByObject } from '../sql/memo.js';
import { isKeyword, tokenize } from '../sql/tokens.js';
import type { DropCause, Skipped } from './steps.js';
import { namedIndexes } from './common.js';
import { isAllowed, type PlanOptions } from './options.js';

/**
 * Why an object is dropped: to be created again, or for good (with the cause the plan reports).
 * The render step words it; a drop for good is destructive unless only a name changes hands.
 */
export type DropWhy =
  | { readonly kind: 'recreated' }
  | { readonly kind: 'dropped'; readonly cause: DropCause }
  /** An index renamed (`@renamed` on its CREATE INDEX): SQLite drops it and creates it under the new name. */
  | { readonly kind: 'renamed'; readonly to: string };

export interface ObjectDrop<T> {
  readonly item: T;
  readonly why: DropWhy;
}

const RECREATED: DropWhy = { kind: 'recreated' };
const ALLOWED: DropWhy = { kind: 'dropped', cause: { kind: 'allowed' } };
const withTable = (table: string): DropWhy => ({ kind: 'dropped', cause: { kind: 'with table', table } });

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
  /** Per rebuilt table (folded), the columns the rebuild drops. */
  readonly droppedColumns: ReadonlyMap<string, readonly string[]>;
  /** Index renames that apply to this database: new name (folded) → the actual index renamed. */
  readonly renamedIndexes: ReadonlyMap<string, Index>;
}

/** Views and indexes (folded names) whose name the desired schema gives to another kind of object. */
export function namesChangingKind(
  actual: DatabaseSchema,
  desired: DatabaseSchema,
): { views: Set<string>; indexes: Set<string> } {
  // Each name looked up in the desired lists (their lookup maps outlive this plan), in plain loops:
  // collecting every desired name into sets first, and chains of callbacks per name, made this a
  // tenth of a 500-table plan's time.
  const views = new Set<string>();
  for (const view of actual.views) {
    if (
      findByName(desired.tables, view.name) !== undefined ||
      findByName(namedIndexes(desired.indexes), view.name) !== undefined
    )
      views.add(foldName(view.name));
  }
  const indexes = new Set<string>();
  for (const index of namedIndexes(actual.indexes)) {
    if (findByName(desired.tables, index.name) !== undefined || findByName(desired.views, index.name) !== undefined)
      indexes.add(foldName(index.name));
  }
  return { views, indexes };
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
  const takenBy = (name: string): DropWhy => ({
    kind: 'dropped',
    cause: { kind: 'name taken', by: findByName(desired.tables, name) !== undefined ? 'table' : 'index' },
  });
  let grew = true;
  while (grew) {
    grew = false;
    for (const view of actual.views) {
      const key = foldName(view.name);
      if (fate.has(key)) continue;
      const want = findByName(desired.views, view.name);
      if (changingKind.has(key)) fate.set(key, takenBy(view.name));
      else if (want !== undefined && definitionKey(want.sql) !== definitionKey(view.sql)) fate.set(key, RECREATED);
      else if (want === undefined && isAllowed(options.allowDrops?.views, view.name, allowAll(options)))
        fate.set(key, ALLOWED);
      else if (mentionsAny(view.sql, broken)) fate.set(key, RECREATED);
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
    if (why?.kind === 'recreated')
      creates.push(want !== undefined ? { item: want, from: 'desired' } : { item: view, from: 'actual' });
    if (want === undefined && why?.kind !== 'dropped')
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
    if (onDroppedTable && want === undefined) {
      // It would go with its table; dropped by name first, so the plan lists it.
      drops.push({ item: trigger, why: withTable(trigger.table) });
      continue;
    }
    const allowedToDrop = isAllowed(options.allowDrops?.triggers, trigger.name, allowAll(options));
    const stale = want !== undefined && definitionKey(want.sql) !== definitionKey(trigger.sql);
    const affected = context.rebuiltNames.has(foldName(trigger.table)) || mentionsAny(trigger.sql, broken);
    if (want === undefined && allowedToDrop) {
      drops.push({ item: trigger, why: ALLOWED });
    } else if (stale || affected || onDroppedTable) {
      drops.push({ item: trigger, why: RECREATED });
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

/** The first of these columns the index uses (as a key, in an expression or in its WHERE), if any. */
function columnUsed(index: Index, columns: readonly string[] | undefined): string | undefined {
  if (columns === undefined || columns.length === 0) return undefined;
  const byKey = new Map(columns.map((column) => [foldName(column), column]));
  const key = index.columns.find((column) => column.name !== null && byKey.has(foldName(column.name)))?.name;
  if (key !== undefined && key !== null) return byKey.get(foldName(key));
  // After the opening parenthesis; a bare keyword (DESC, COLLATE…) is never a column of that name.
  const tokens = tokenize(index.sql ?? '');
  const open = tokens.findIndex((token) => token.text === '(');
  const used =
    open < 0
      ? undefined
      : tokens
          .slice(open)
          .find(
            (token) =>
              (token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text))) &&
              byKey.has(foldName(token.value)),
          );
  return used === undefined ? undefined : byKey.get(foldName(used.value));
}

/** Named indexes with their CREATE INDEX text, one list per index list (see namedIndexes). */
const creatableIndexes = memoByObject((indexes: readonly Index[]): readonly Index[] =>
  indexes.filter((index) => index.origin === 'c' && index.sql !== null),
);

/**
 * Named indexes only: autoindexes belong to their table's constraints. Every index the apply
 * removes is dropped by name, also where DROP TABLE would take it along (its table dropped, or
 * rebuilt without it), so the plan lists it with its cause.
 */
export function decideIndexes(context: ObjectContext, changingKind: ReadonlySet<string>): ObjectChanges<Index> {
  const { actual, desired, options, rebuiltNames, droppedTableNames, renamedIndexes } = context;
  const desiredNamed = creatableIndexes(desired.indexes);
  const renamedFrom = new Map([...renamedIndexes].map(([to, from]) => [foldName(from.name), to]));
  const drops: ObjectDrop<Index>[] = [];
  const creates: Recreate<Index>[] = [];
  const skipped: Skipped[] = [];
  for (const index of creatableIndexes(actual.indexes)) {
    const want = findByName(desiredNamed, index.name);
    const tableKey = foldName(index.table);
    const goesWithTable = rebuiltNames.has(tableKey) || droppedTableNames.has(tableKey);
    if (want === undefined) {
      const renamedTo = renamedFrom.get(foldName(index.name));
      if (renamedTo !== undefined) {
        const to = findByName(desiredNamed, renamedTo) as Index;
        drops.push({ item: index, why: { kind: 'renamed', to: to.name } });
        continue;
      }
      if (droppedTableNames.has(tableKey)) {
        drops.push({ item: index, why: withTable(index.table) });
        continue;
      }
      if (changingKind.has(foldName(index.name))) {
        // dropped before any table is created, even when its own table is rebuilt: a new table may take its name
        const by = findByName(desired.tables, index.name) !== undefined ? 'table' : 'view';
        drops.push({ item: index, why: { kind: 'dropped', cause: { kind: 'name taken', by } } });
        continue;
      }
      // An index over a column the rebuild drops (as a key, in an expression or in its WHERE)
      // cannot be recreated: it goes with the column, whether or not it may go itself.
      const column = rebuiltNames.has(tableKey) ? columnUsed(index, context.droppedColumns.get(tableKey)) : undefined;
      if (column !== undefined) {
        drops.push({
          item: index,
          why: { kind: 'dropped', cause: { kind: 'with column', table: index.table, column } },
        });
        continue;
      }
      if (isAllowed(options.allowDrops?.indexes, index.name, allowAll(options))) {
        drops.push({ item: index, why: ALLOWED });
        continue;
      }
      skipped.push({ kind: 'index', object: index.name, reason: 'not in the desired schema; kept' });
      if (rebuiltNames.has(tableKey)) creates.push({ item: index, from: 'actual' });
      continue;
    }
    const stale = indexKey(want) !== indexKey(index);
    if (stale && !goesWithTable) drops.push({ item: index, why: RECREATED });
    if (stale || goesWithTable) creates.push({ item: want, from: 'desired' });
  }
  for (const index of desiredNamed) {
    if (findByName(actual.indexes, index.name) === undefined) creates.push({ item: index, from: 'desired' });
  }
  return { drops, creates, skipped };
}
