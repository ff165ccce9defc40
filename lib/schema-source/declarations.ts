/**
 * What a version declares besides its schema (renames and drop allowances), in one form whether it
 * was written as a `-- @…` annotation of a SQL version or as a field of a TypeScript version.
 */
import type { DropAllowance } from '../plan/options.js';
import type { Renames } from '../plan/renames.js';

export type DropKind = 'table' | 'index' | 'view' | 'trigger';

/** One thing a version declares besides its schema, with where it was written. */
export type Declaration =
  | {
      readonly kind: 'rename_table';
      readonly table: string;
      readonly from: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'rename_column';
      readonly table: string;
      readonly column: string;
      readonly from: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'rename_index';
      readonly index: string;
      readonly from: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'allow_drop';
      readonly object: DropKind;
      readonly name: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'allow_drop_column';
      readonly table: string;
      readonly column: string;
      readonly line: number | null;
      readonly label: string;
    };

/** The renames and drop allowances a list of declarations makes. */
export function declared(declarations: readonly Declaration[]): { renames: Renames; allowDrops: DropAllowance } {
  const tables: Record<string, string> = {};
  const columns: Record<string, Record<string, string>> = {};
  const indexes: Record<string, string> = {};
  const drops: Record<DropKind, string[]> = { table: [], index: [], view: [], trigger: [] };
  const dropColumns: Record<string, string[]> = {};
  for (const declaration of declarations) {
    if (declaration.kind === 'rename_table') tables[declaration.table] = declaration.from;
    else if (declaration.kind === 'rename_column')
      columns[declaration.table] = { ...columns[declaration.table], [declaration.column]: declaration.from };
    else if (declaration.kind === 'rename_index') indexes[declaration.index] = declaration.from;
    else if (declaration.kind === 'allow_drop') drops[declaration.object].push(declaration.name);
    else dropColumns[declaration.table] = [...(dropColumns[declaration.table] ?? []), declaration.column];
  }
  const renames: Renames = {
    ...(Object.keys(tables).length > 0 ? { tables } : {}),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
    ...(Object.keys(indexes).length > 0 ? { indexes } : {}),
  };
  const allowDrops: DropAllowance = {
    ...(drops.table.length > 0 ? { tables: drops.table } : {}),
    ...(Object.keys(dropColumns).length > 0 ? { columns: dropColumns } : {}),
    ...(drops.index.length > 0 ? { indexes: drops.index } : {}),
    ...(drops.view.length > 0 ? { views: drops.view } : {}),
    ...(drops.trigger.length > 0 ? { triggers: drops.trigger } : {}),
  };
  return { renames, allowDrops };
}

/** The declarations a TypeScript version makes in its fields (no line; the field path instead). */
export function declarationsOf(renames: Renames, allowDrops: DropAllowance): Declaration[] {
  const out: Declaration[] = [];
  const key = JSON.stringify;
  for (const [table, from] of Object.entries(renames.tables ?? {})) {
    out.push({ kind: 'rename_table', table, from, line: null, label: `renames.tables[${key(table)}]` });
  }
  for (const [table, renamed] of Object.entries(renames.columns ?? {})) {
    for (const [column, from] of Object.entries(renamed)) {
      out.push({
        kind: 'rename_column',
        table,
        column,
        from,
        line: null,
        label: `renames.columns[${key(table)}][${key(column)}]`,
      });
    }
  }
  for (const [index, from] of Object.entries(renames.indexes ?? {})) {
    out.push({ kind: 'rename_index', index, from, line: null, label: `renames.indexes[${key(index)}]` });
  }
  const lists: Array<[DropKind, readonly string[] | undefined, string]> = [
    ['table', allowDrops.tables, 'tables'],
    ['index', allowDrops.indexes, 'indexes'],
    ['view', allowDrops.views, 'views'],
    ['trigger', allowDrops.triggers, 'triggers'],
  ];
  for (const [object, names, field] of lists) {
    for (const name of names ?? [])
      out.push({ kind: 'allow_drop', object, name, line: null, label: `allowDrops.${field} ${key(name)}` });
  }
  for (const [table, names] of Object.entries(allowDrops.columns ?? {})) {
    for (const column of names)
      out.push({
        kind: 'allow_drop_column',
        table,
        column,
        line: null,
        label: `allowDrops.columns[${key(table)}] ${key(column)}`,
      });
  }
  return out;
}
