/** Dependency order: tables after the tables they reference, views after the views they read. */
import type { Table, View } from '../model.js';
import { foldName } from '../model.js';
import { mentionsAny } from './compare.js';
import { folded } from './common.js';

/** Orders items so each comes after the (folded) names it depends on; cycles break by name. */
export function dependencyOrder<T extends { readonly name: string }>(
  items: readonly T[],
  dependsOn: (item: T) => Iterable<string>,
): T[] {
  const pending = new Map(items.map((item) => [foldName(item.name), item]));
  const ordered: T[] = [];
  const visiting = new Set<string>();
  const visit = (key: string): void => {
    const item = pending.get(key);
    if (item === undefined || visiting.has(key)) return;
    visiting.add(key);
    for (const dependency of [...new Set(dependsOn(item))].sort()) if (dependency !== key) visit(dependency);
    pending.delete(key);
    ordered.push(item);
  };
  for (const key of [...pending.keys()].sort()) visit(key);
  return ordered;
}

/** Tables after the tables they reference. */
export function foreignKeyOrder(tables: readonly Table[]): Table[] {
  return dependencyOrder(tables, (table) => table.foreignKeys.map((fk) => foldName(fk.targetTable)));
}

/** Views after the views they select from. */
export function viewOrder(views: readonly View[]): View[] {
  const names = [...folded(views.map((view) => view.name))];
  return dependencyOrder(views, (view) => names.filter((name) => mentionsAny(view.sql, new Set([name]))));
}
