/**
 * The planner: `planMigration(actual, desired, options)` turns two introspected schemas into ordered DDL.
 * Pure — no I/O, no clock, no randomness — so the same inputs always give the same plan.
 *
 * Order: renames → drop stale triggers/views/indexes → drop unwanted tables (when allowed) →
 * create tables in foreign-key order → add columns → rebuild tables → indexes → views → triggers
 * → assertions (foreign keys really off, row counts unchanged, no new foreign-key violations)
 * → data steps.
 */
import type { DatabaseSchema, Index, Table, View } from '../model.js';
import { findByName, foldName } from '../model.js';
import { definitionKey } from './compare.js';
import { quoteIdentifier as q } from '../sql/tokens.js';
import { applyRenames } from './renames.js';
import type { Plan, Skipped, Step } from './steps.js';
import { createStep, dropStep } from './object-steps.js';
import { folded, namedIndexes, step } from './common.js';
import { allowanceAfterRenames, isAllowed, type PlanOptions } from './options.js';
import { foreignKeyOrder, viewOrder } from './order.js';
import { rebuildGuards, rebuildSteps } from './rebuild.js';
import { compareTable, type TableChange } from './table-change.js';
import {
  decideIndexes,
  decideTriggers,
  decideViews,
  namesChangingKind,
  type DropWhy,
  type Recreate,
  type ObjectContext,
} from './objects.js';

export type { DropCause, ObjectKind, Plan, Skipped, Step, StepKind, StepSource } from './steps.js';
export type { DataStep, DropAllowance, PlanOptions } from './options.js';
export { ASSERT_TABLE, COUNTS_TABLE } from './common.js';

export function planMigration(actualSchema: DatabaseSchema, desired: DatabaseSchema, options: PlanOptions = {}): Plan {
  const allowAll = options.allowDestructive === true;
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const renamed = applyRenames(actualSchema, desired, options.renames ?? {});
  const actual = renamed.schema;
  const renameSteps = renamed.steps;
  const columnOptions: PlanOptions = {
    ...options,
    allowDrops: allowanceAfterRenames(options.allowDrops, renamed.tables),
  };

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
      skipped.push({
        kind: 'table',
        object: table.name,
        reason: 'not in the desired schema; kept with its rows (dropping needs an explicit allowance)',
      });
    }
  }
  const rebuilt = changes.filter((change) => change.rebuildCauses.length > 0);
  const altered = changes.filter((change) => change.rebuildCauses.length === 0 && change.added.length > 0);
  for (const change of changes) {
    for (const column of change.kept) {
      skipped.push({
        kind: 'column',
        object: `${change.desired.name}.${column.name}`,
        reason: 'not in the desired schema; kept with its data (dropping needs an explicit allowance)',
      });
      if (column.notNull && column.defaultSql === null && column.generated === null) {
        warnings.push(
          `kept column ${change.desired.name}.${column.name} is NOT NULL without a default: inserts that omit it will fail`,
        );
      }
      if (change.desired.strict && !change.actual.strict && column.type !== 'ANY' && change.rebuildCauses.length > 0) {
        warnings.push(
          `kept column ${change.desired.name}.${column.name} (type ${column.type === '' ? '(none)' : column.type}) is kept as ANY in the STRICT table, so every value it holds fits unchanged`,
        );
      }
    }
    if (change.actual.virtual && definitionKey(change.actual.sql) !== definitionKey(change.desired.sql)) {
      warnings.push(
        `virtual table ${change.desired.name} differs from the desired definition; virtual tables are not rebuilt`,
      );
    }
  }
  const rebuiltNames = folded(rebuilt.map((change) => change.desired.name));
  const droppedTableNames = folded(droppedTables.map((table) => table.name));
  const droppedColumns = new Map(
    rebuilt.map((change) => [foldName(change.desired.name), change.dropped.map((column) => column.name)]),
  );
  const renamedIndexes = indexRenames(actual, desired, options.renames?.indexes ?? {});

  // ---- names that change kind, views, triggers, indexes
  const changingKind = namesChangingKind(actual, desired);
  // A kept table holds its name: a desired view or index of that name cannot be created, and the
  // apply fails on its CREATE (database unchanged). The plan says so, naming the table and the way out.
  const heldByKeptTable = new Map<string, string>();
  for (const table of unwantedTables) {
    const kind =
      findByName(desired.views, table.name) !== undefined
        ? 'view'
        : findByName(namedIndexes(desired.indexes), table.name) !== undefined
          ? 'index'
          : null;
    if (droppedTables.includes(table) || kind === null) continue;
    heldByKeptTable.set(foldName(table.name), table.name);
    warnings.push(
      `table ${table.name} is kept with its rows, so the desired ${kind} of that name cannot be created (dropping the table needs an explicit allowance): ` +
        `the apply will fail and change nothing; allow dropping table ${table.name} (-- @allow-drop table ${table.name}, allowDrops.tables or --allow-destructive) or give the ${kind} another name`,
    );
  }
  const context: ObjectContext = {
    actual,
    desired,
    options,
    rebuiltNames,
    droppedTableNames,
    droppedColumns,
    renamedIndexes,
  };
  const views = decideViews(context, changingKind.views, changingKind.indexes);
  const triggers = decideTriggers(context, views.broken);
  const indexes = decideIndexes(context, changingKind.indexes);
  skipped.push(...views.skipped, ...triggers.skipped, ...indexes.skipped);

  // ---- assemble, in dependency order
  const steps: Step[] = [...renameSteps];
  for (const { item: trigger, why } of triggers.drops) steps.push(dropStep('trigger', trigger, why));
  const viewDrops = new Map(views.drops.map((drop) => [drop.item, drop.why]));
  for (const view of viewOrder([...viewDrops.keys()]).reverse())
    steps.push(dropStep('view', view, viewDrops.get(view) as DropWhy));
  for (const { item: index, why } of indexes.drops) steps.push(dropStep('index', index, why));
  // Guards (foreign keys off, row counts and foreign-key violations unchanged) wrap every rebuild,
  // and every drop of a table that surviving tables reference: with foreign keys on, DROP TABLE
  // would cascade into their rows; with them off, it could leave those rows pointing at nothing.
  // Counts are taken before the first drop, since a drop is what could change them.
  /** Does a table that survives this plan reference the dropped table? */
  const isReferencedBySurvivor = (table: Table): boolean =>
    actual.tables.some(
      (other) =>
        !droppedTableNames.has(foldName(other.name)) &&
        other.foreignKeys.some((fk) => foldName(fk.targetTable) === foldName(table.name)),
    );
  const orphaning = droppedTables.some(isReferencedBySurvivor);
  const guarded =
    rebuilt.length > 0 || orphaning ? rebuildGuards(rebuilt, actual, droppedTableNames) : { before: [], after: [] };
  if (droppedTables.length > 0) steps.push(...guarded.before);
  for (const table of droppedTables) {
    steps.push(
      step(
        'drop_table',
        table.name,
        `DROP TABLE ${q(table.name)}`,
        'not in the desired schema (drop allowed): its rows are deleted',
        { kind: 'table', table: table.name, change: 'drop', cause: { kind: 'allowed' } },
        true,
      ),
    );
    if (isReferencedBySurvivor(table)) {
      warnings.push(`dropped table ${table.name} is still referenced by a foreign key`);
    }
  }
  for (const table of foreignKeyOrder(createdTables)) {
    steps.push(
      step('create_table', table.name, table.sql, 'new table', { kind: 'table', table: table.name, change: 'create' }),
    );
  }
  for (const change of altered) {
    for (const column of change.added) {
      steps.push(
        step(
          'add_column',
          `${change.desired.name}.${column.name}`,
          `ALTER TABLE ${q(change.desired.name)} ADD COLUMN ${column.definitionSql}`,
          'new column',
          { kind: 'column', table: change.desired.name, column: column.name, change: 'add' },
        ),
      );
    }
  }
  const steppedRebuilds = rebuilt.flatMap((change) => rebuildSteps(change, [actual, desired]));
  if (droppedTables.length === 0) steps.push(...guarded.before);
  steps.push(...steppedRebuilds);
  for (const create of indexes.creates) {
    const renamedFrom = renamedIndexes.get(foldName(create.item.name));
    steps.push(
      createStep('index', create, namedIndexes(actual.indexes), {
        renamedFrom: create.from === 'desired' ? renamedFrom?.name : undefined,
        heldBy: heldByKeptTable.get(foldName(create.item.name)),
      }),
    );
  }
  const viewCreates = new Map(views.creates.map((create) => [create.item, create]));
  for (const view of viewOrder([...viewCreates.keys()]))
    steps.push(
      createStep('view', viewCreates.get(view) as Recreate<View>, actual.views, {
        heldBy: heldByKeptTable.get(foldName(view.name)),
      }),
    );
  for (const create of triggers.creates) steps.push(createStep('trigger', create, actual.triggers));
  steps.push(...guarded.after);
  for (const data of options.dataSteps ?? []) {
    steps.push(
      step('data', `version ${data.version}`, data.sql, `data step of version ${data.version}`, {
        kind: 'data',
        version: data.version,
      }),
    );
  }
  return { steps, skipped, warnings };
}

/**
 * The index renames that apply to this database (new name, folded → the index renamed): its old
 * name is a named index here, its new name is free here and a named index of the desired schema.
 * A database already renamed (only the new name exists) needs none, so a re-run changes nothing.
 */
function indexRenames(
  actual: DatabaseSchema,
  desired: DatabaseSchema,
  renames: Readonly<Record<string, string>>,
): ReadonlyMap<string, Index> {
  const named = (schema: DatabaseSchema): readonly Index[] => namedIndexes(schema.indexes);
  const out = new Map<string, Index>();
  for (const [to, from] of Object.entries(renames)) {
    const old = findByName(named(actual), from);
    if (
      old !== undefined &&
      findByName(actual.indexes, to) === undefined &&
      findByName(named(desired), to) !== undefined &&
      findByName(desired.indexes, from) === undefined
    )
      out.set(foldName(to), old);
  }
  return out;
}
