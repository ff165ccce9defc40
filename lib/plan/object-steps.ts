/**
 * Rendering the decisions about views, triggers and indexes as steps: the statement, its wording
 * and its source. Every drop names why the object goes (lib/plan/steps.ts DropCause).
 */
import { findByName } from '../model.js';
import { quoteIdentifier as q } from '../sql/tokens.js';
import { step } from './common.js';
import type { DropWhy, Recreate } from './objects.js';
import type { DropCause, Step, StepKind, StepSource } from './steps.js';

type ObjectType = 'index' | 'view' | 'trigger';

const DROP_KIND: Readonly<Record<ObjectType, StepKind>> = {
  index: 'drop_index',
  view: 'drop_view',
  trigger: 'drop_trigger',
};
const CREATE_KIND: Readonly<Record<ObjectType, StepKind>> = {
  index: 'create_index',
  view: 'create_view',
  trigger: 'create_trigger',
};
const SQL_WORD: Readonly<Record<ObjectType, string>> = { index: 'INDEX', view: 'VIEW', trigger: 'TRIGGER' };

/** How a drop for good is worded. */
function dropReason(type: ObjectType, cause: DropCause): string {
  switch (cause.kind) {
    case 'allowed':
      return 'not in the desired schema (drop allowed)';
    case 'name taken':
      return type === 'view'
        ? 'the desired schema gives its name to a table or index (a view holds no data)'
        : 'the desired schema gives its name to a table or view (an index holds no data)';
    case 'with column':
      return `uses column ${cause.table}.${cause.column}, which this plan drops (SQLite cannot keep the ${type} without it)`;
    case 'with table':
      return `belongs to table ${cause.table}, which this plan drops`;
  }
}

/**
 * The DROP of an index, view or trigger. Destructive when it goes for good, unless only its name
 * changes hands (it holds no data, and the name's new owner is in the desired schema).
 */
export function dropStep(
  type: ObjectType,
  item: { readonly name: string; readonly table?: string },
  why: DropWhy,
): Step {
  const sql = `DROP ${SQL_WORD[type]} ${q(item.name)}`;
  switch (why.kind) {
    case 'recreated':
      return step(
        DROP_KIND[type],
        item.name,
        sql,
        type === 'index' ? 'definition changed' : 'recreated after the change',
        { kind: type, name: item.name, change: 'recreate' },
      );
    case 'renamed':
      return step(
        DROP_KIND[type],
        item.name,
        sql,
        `renamed to ${why.to} (an index holds no data: SQLite drops it and creates it under its new name)`,
        { kind: 'rename', object: 'index', table: item.table ?? '', from: item.name, to: why.to },
      );
    case 'dropped':
      return step(
        DROP_KIND[type],
        item.name,
        sql,
        dropReason(type, why.cause),
        { kind: type, name: item.name, change: 'drop', cause: why.cause },
        why.cause.kind !== 'name taken',
      );
  }
}

/**
 * The CREATE of an index, view or trigger: new, created again (it exists under that name now), an
 * index's new name (`renamedFrom`: the name it had), or one that cannot be created because a kept
 * table holds its name (`heldBy`: the apply fails on it, changing nothing; the reason says why).
 */
export function createStep(
  type: ObjectType,
  { item, from }: Recreate<{ readonly name: string; readonly sql: string | null; readonly table?: string }>,
  existing: readonly { readonly name: string }[],
  { renamedFrom, heldBy }: { readonly renamedFrom?: string | undefined; readonly heldBy?: string | undefined } = {},
): Step {
  const sql = item.sql ?? '';
  if (renamedFrom !== undefined) {
    const source: StepSource = {
      kind: 'rename',
      object: 'index',
      table: item.table ?? '',
      from: renamedFrom,
      to: item.name,
    };
    return step(CREATE_KIND[type], item.name, sql, `renamed from ${renamedFrom}`, source);
  }
  const change = findByName(existing, item.name) === undefined ? 'create' : 'recreate';
  const reason =
    heldBy !== undefined
      ? `new ${type}, which cannot be created: table ${heldBy} holds the name, kept with its rows because dropping it needs an explicit allowance; allow dropping table ${heldBy} or give the ${type} another name`
      : from === 'desired'
        ? type === 'index'
          ? 'new or changed index'
          : `new, changed or dependent ${type}`
        : type === 'index'
          ? 'kept index recreated after the rebuild'
          : `kept ${type} recreated after the change`;
  return step(CREATE_KIND[type], item.name, sql, reason, { kind: type, name: item.name, change });
}
