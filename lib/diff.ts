/**
 * The planner: `plan(actual, desired, options)` turns two introspected schemas into ordered DDL.
 * Pure — no I/O, no clock, no randomness — so the same inputs always give the same plan.
 *
 * Order: renames → drop stale triggers/views/indexes → drop unwanted tables (when allowed) →
 * create tables in foreign-key order → add columns → rebuild tables → indexes → views → triggers
 * → assertions (foreign keys really off, row counts unchanged, no new foreign-key violations)
 * → data steps.
 */
import type { DatabaseSchema, Index, Trigger, View } from './model.js';
import { findByName, foldName } from './model.js';
import { definitionKey, indexKey, mentionsAny } from './compare.js';
import { isKeyword, quoteIdentifier as q, tokenize } from './sql/tokens.js';
import { applyRenames } from './renames.js';
import type { Plan, Skipped, Step } from './steps.js';
import { folded, step } from './plan/common.js';
import { allowanceAfterRenames, isAllowed, type PlanOptions } from './plan/options.js';
import { foreignKeyOrder, viewOrder } from './plan/order.js';
import { rebuildGuards, rebuildSteps } from './plan/rebuild.js';
import { compareTable, type TableChange } from './plan/table-change.js';

export type { ObjectKind, Plan, Skipped, Step, StepKind } from './steps.js';
export type { DataStep, DropAllowance, PlanOptions } from './plan/options.js';
export { ASSERT_TABLE, COUNTS_TABLE } from './plan/common.js';

/** Does the index use any of these (folded) column names: as a key, in an expression or its WHERE? */
function indexUsesAny(index: Index, columns: ReadonlySet<string> | undefined): boolean {
  if (columns === undefined || columns.size === 0) return false;
  if (index.columns.some((column) => column.name !== null && columns.has(foldName(column.name)))) return true;
  // After the opening parenthesis; a bare keyword (DESC, COLLATE…) is never a column of that name.
  const tokens = tokenize(index.sql ?? '');
  const open = tokens.findIndex((token) => token.text === '(');
  return open >= 0 && tokens.slice(open).some((token) => (token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text)))
    && columns.has(foldName(token.value)));
}

/** The SQL of a kept object whose table is rebuilt or which depends on it: recreate it verbatim. */
interface Recreate<T> { readonly item: T; readonly from: 'desired' | 'actual' }

export function plan(actualSchema: DatabaseSchema, desired: DatabaseSchema, options: PlanOptions = {}): Plan {
  const allowAll = options.allowDestructive === true;
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const renamed = applyRenames(actualSchema, desired, options.renames ?? {});
  const actual = renamed.schema;
  const renameSteps = renamed.steps;
  const columnOptions: PlanOptions = { ...options, allowDrops: allowanceAfterRenames(options.allowDrops, renamed.tables) };

  // ---- tables
  const createdTables = desired.tables.filter((table) => findByName(actual.tables, table.name) === undefined);
  const changes: TableChange[] = [];
  for (const want of desired.tables) {
    const have = findByName(actual.tables, want.name);
    if (have !== undefined) changes.push(compareTable(have, want, columnOptions, { actual, desired }));
  }
  const unwantedTables = actual.tables.filter((table) => findByName(desired.tables, table.name) === undefined);
  const droppedTables = unwantedTables.filter((table) => isAllowed(options.allowDrops?.tables, table.name, allowAll));
  for (const table of unwantedTables) {
    if (!droppedTables.includes(table)) {
      skipped.push({ kind: 'table', object: table.name, reason: 'not in the desired schema; kept with its rows (dropping needs an explicit allowance)' });
    }
  }
  const rebuilt = changes.filter((change) => change.rebuildCauses.length > 0);
  const altered = changes.filter((change) => change.rebuildCauses.length === 0 && change.added.length > 0);
  for (const change of changes) {
    for (const column of change.kept) {
      skipped.push({ kind: 'column', object: `${change.desired.name}.${column.name}`, reason: 'not in the desired schema; kept with its data (dropping needs an explicit allowance)' });
      if (column.notNull && column.defaultSql === null && column.generated === null) {
        warnings.push(`kept column ${change.desired.name}.${column.name} is NOT NULL without a default: inserts that omit it will fail`);
      }
      if (change.desired.strict && !change.actual.strict && column.type !== 'ANY' && change.rebuildCauses.length > 0) {
        warnings.push(`kept column ${change.desired.name}.${column.name} (type ${column.type === '' ? '(none)' : column.type}) is kept as ANY in the STRICT table, so every value it holds fits unchanged`);
      }
    }
    if (change.actual.virtual && definitionKey(change.actual.sql) !== definitionKey(change.desired.sql)) {
      warnings.push(`virtual table ${change.desired.name} differs from the desired definition; virtual tables are not rebuilt`);
    }
  }
  const rebuiltNames = folded(rebuilt.map((change) => change.desired.name));
  const droppedTableNames = folded(droppedTables.map((table) => table.name));
  const droppedColumnNames = new Map(rebuilt.map((change) => [foldName(change.desired.name), folded(change.dropped.map((c) => c.name))]));

  // ---- names that change kind: a view or index whose name the desired schema gives to an object
  // of another kind is dropped first, whatever the mode (neither holds data, so the drop is not
  // destructive; creating the new object would fail on the name). What mentions the name is
  // recreated after.
  const desiredTableNames = folded(desired.tables.map((table) => table.name));
  const desiredViewNames = folded(desired.views.map((view) => view.name));
  const desiredIndexNames = folded(desired.indexes.filter((index) => index.origin === 'c').map((index) => index.name));
  const viewsChangingKind = folded(actual.views.map((view) => view.name)
    .filter((name) => desiredTableNames.has(foldName(name)) || desiredIndexNames.has(foldName(name))));
  const indexesChangingKind = folded(actual.indexes.filter((index) => index.origin === 'c').map((index) => index.name)
    .filter((name) => desiredTableNames.has(foldName(name)) || desiredViewNames.has(foldName(name))));
  for (const table of unwantedTables) {
    if (!droppedTables.includes(table) && (desiredViewNames.has(foldName(table.name)) || desiredIndexNames.has(foldName(table.name)))) {
      warnings.push(`table ${table.name} is kept with its rows, so the desired ${desiredViewNames.has(foldName(table.name)) ? 'view' : 'index'} of that name cannot be created (dropping the table needs an explicit allowance)`);
    }
  }

  // ---- views: changed, unwanted, or broken by a rebuild/drop (transitively through other views)
  const broken = new Set([...rebuiltNames, ...droppedTableNames, ...viewsChangingKind, ...indexesChangingKind]);
  const viewsToDrop: View[] = [];
  const viewsToCreate: Recreate<View>[] = [];
  let grew = true;
  const viewFate = new Map<string, 'drop' | 'recreate'>();
  while (grew) {
    grew = false;
    for (const view of actual.views) {
      const key = foldName(view.name);
      if (viewFate.has(key)) continue;
      const want = findByName(desired.views, view.name);
      const allowedToDrop = isAllowed(options.allowDrops?.views, view.name, allowAll) || viewsChangingKind.has(key);
      if (want !== undefined && definitionKey(want.sql) !== definitionKey(view.sql)) viewFate.set(key, 'recreate');
      else if (want === undefined && allowedToDrop) viewFate.set(key, 'drop');
      else if (mentionsAny(view.sql, broken)) viewFate.set(key, 'recreate');
      else continue;
      broken.add(key);
      grew = true;
    }
  }
  for (const view of actual.views) {
    const fate = viewFate.get(foldName(view.name));
    const want = findByName(desired.views, view.name);
    if (fate !== undefined) viewsToDrop.push(view);
    if (fate === 'recreate') viewsToCreate.push(want !== undefined ? { item: want, from: 'desired' } : { item: view, from: 'actual' });
    if (want === undefined && fate !== 'drop') skipped.push({ kind: 'view', object: view.name, reason: 'not in the desired schema; kept' });
  }
  for (const view of desired.views) {
    if (findByName(actual.views, view.name) === undefined) viewsToCreate.push({ item: view, from: 'desired' });
  }

  // ---- triggers: changed, unwanted, on a rebuilt/dropped table, or mentioning a broken name
  const triggersToDrop: Trigger[] = [];
  const triggersToCreate: Recreate<Trigger>[] = [];
  for (const trigger of actual.triggers) {
    const want = findByName(desired.triggers, trigger.name);
    const onDroppedTable = droppedTableNames.has(foldName(trigger.table));
    const allowedToDrop = isAllowed(options.allowDrops?.triggers, trigger.name, allowAll);
    const stale = want !== undefined && definitionKey(want.sql) !== definitionKey(trigger.sql);
    const affected = rebuiltNames.has(foldName(trigger.table)) || mentionsAny(trigger.sql, broken);
    if (onDroppedTable) {
      if (want === undefined) continue; // goes with its table
    }
    if (want === undefined && allowedToDrop) {
      triggersToDrop.push(trigger);
    } else if (stale || affected || onDroppedTable) {
      triggersToDrop.push(trigger);
      triggersToCreate.push(want !== undefined ? { item: want, from: 'desired' } : { item: trigger, from: 'actual' });
    }
    if (want === undefined && !allowedToDrop) skipped.push({ kind: 'trigger', object: trigger.name, reason: 'not in the desired schema; kept' });
  }
  for (const trigger of desired.triggers) {
    if (findByName(actual.triggers, trigger.name) === undefined) triggersToCreate.push({ item: trigger, from: 'desired' });
  }

  // ---- indexes (named ones only: autoindexes belong to their table's constraints)
  const named = (indexes: readonly Index[]): Index[] => indexes.filter((index) => index.origin === 'c' && index.sql !== null);
  const desiredNamedIndexes = named(desired.indexes);
  const indexesToDrop: Index[] = [];
  const indexesToCreate: Recreate<Index>[] = [];
  for (const index of named(actual.indexes)) {
    const want = findByName(desiredNamedIndexes, index.name);
    const tableKey = foldName(index.table);
    const goesWithTable = rebuiltNames.has(tableKey) || droppedTableNames.has(tableKey);
    const allowedToDrop = isAllowed(options.allowDrops?.indexes, index.name, allowAll) || indexesChangingKind.has(foldName(index.name));
    if (want === undefined) {
      if (droppedTableNames.has(tableKey)) continue;
      if (allowedToDrop) {
        // dropped before any table is created: a new table may take its name
        if (!goesWithTable || indexesChangingKind.has(foldName(index.name))) indexesToDrop.push(index);
        continue;
      }
      // An index over a column the rebuild drops (as a key, in an expression or in its WHERE)
      // cannot be recreated: it goes with the column.
      if (rebuiltNames.has(tableKey) && indexUsesAny(index, droppedColumnNames.get(tableKey))) continue;
      skipped.push({ kind: 'index', object: index.name, reason: 'not in the desired schema; kept' });
      if (rebuiltNames.has(tableKey)) indexesToCreate.push({ item: index, from: 'actual' });
      continue;
    }
    const stale = indexKey(want) !== indexKey(index);
    if (stale && !goesWithTable) indexesToDrop.push(index);
    if (stale || goesWithTable) indexesToCreate.push({ item: want, from: 'desired' });
  }
  for (const index of desiredNamedIndexes) {
    if (findByName(actual.indexes, index.name) === undefined) indexesToCreate.push({ item: index, from: 'desired' });
  }

  // ---- assemble, in dependency order
  const steps: Step[] = [...renameSteps];
  for (const trigger of triggersToDrop) {
    const unwanted = findByName(desired.triggers, trigger.name) === undefined && !triggersToCreate.some((r) => r.item === trigger);
    steps.push(step('drop_trigger', trigger.name, `DROP TRIGGER ${q(trigger.name)}`,
      unwanted ? 'not in the desired schema (drop allowed)' : 'recreated after the change', unwanted));
  }
  for (const view of viewOrder(viewsToDrop).reverse()) {
    const unwanted = viewFate.get(foldName(view.name)) === 'drop';
    const why = viewsChangingKind.has(foldName(view.name)) ? 'the desired schema gives its name to a table or index (a view holds no data)'
      : unwanted ? 'not in the desired schema (drop allowed)' : 'recreated after the change';
    steps.push(step('drop_view', view.name, `DROP VIEW ${q(view.name)}`, why, unwanted && !viewsChangingKind.has(foldName(view.name))));
  }
  for (const index of indexesToDrop) {
    const unwanted = findByName(desired.indexes, index.name) === undefined;
    const why = indexesChangingKind.has(foldName(index.name)) ? 'the desired schema gives its name to a table or view (an index holds no data)'
      : unwanted ? 'not in the desired schema (drop allowed)' : 'definition changed';
    steps.push(step('drop_index', index.name, `DROP INDEX ${q(index.name)}`, why, unwanted && !indexesChangingKind.has(foldName(index.name))));
  }
  // Guards (foreign keys off, row counts and foreign-key violations unchanged) wrap every rebuild,
  // and every drop of a table that surviving tables reference: with foreign keys on, DROP TABLE
  // would cascade into their rows; with them off, it could leave those rows pointing at nothing.
  // Counts are taken before the first drop, since a drop is what could change them.
  const orphaning = droppedTables.some((table) => actual.tables.some((other) => !droppedTableNames.has(foldName(other.name))
    && other.foreignKeys.some((fk) => foldName(fk.targetTable) === foldName(table.name))));
  const guarded = rebuilt.length > 0 || orphaning ? rebuildGuards(rebuilt, actual, droppedTableNames) : { before: [], after: [] };
  if (droppedTables.length > 0) steps.push(...guarded.before);
  for (const table of droppedTables) {
    steps.push(step('drop_table', table.name, `DROP TABLE ${q(table.name)}`, 'not in the desired schema (drop allowed): its rows are deleted', true));
    if (actual.tables.some((other) => !droppedTableNames.has(foldName(other.name))
      && other.foreignKeys.some((fk) => foldName(fk.targetTable) === foldName(table.name)))) {
      warnings.push(`dropped table ${table.name} is still referenced by a foreign key`);
    }
  }
  for (const table of foreignKeyOrder(createdTables)) {
    steps.push(step('create_table', table.name, table.sql, 'new table'));
  }
  for (const change of altered) {
    for (const column of change.added) {
      steps.push(step('add_column', `${change.desired.name}.${column.name}`,
        `ALTER TABLE ${q(change.desired.name)} ADD COLUMN ${column.definitionSql}`, 'new column'));
    }
  }
  const steppedRebuilds = rebuilt.flatMap((change) => rebuildSteps(change, [actual, desired]));
  if (droppedTables.length === 0) steps.push(...guarded.before);
  steps.push(...steppedRebuilds);
  for (const { item: index, from } of indexesToCreate) {
    steps.push(step('create_index', index.name, index.sql ?? '', from === 'desired' ? 'new or changed index' : 'kept index recreated after the rebuild'));
  }
  for (const view of viewOrder(viewsToCreate.map((r) => r.item))) {
    const from = viewsToCreate.find((r) => r.item === view)?.from;
    steps.push(step('create_view', view.name, view.sql, from === 'desired' ? 'new, changed or dependent view' : 'kept view recreated after the change'));
  }
  for (const { item: trigger, from } of triggersToCreate) {
    steps.push(step('create_trigger', trigger.name, trigger.sql, from === 'desired' ? 'new, changed or dependent trigger' : 'kept trigger recreated after the change'));
  }
  steps.push(...guarded.after);
  for (const data of options.dataSteps ?? []) {
    steps.push(step('data', `version ${data.version}`, data.sql, `data step of version ${data.version}`));
  }
  return { steps, skipped, warnings };
}
