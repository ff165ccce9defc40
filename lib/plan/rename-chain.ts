/**
 * Rename hints of several versions, composed for a database that crosses them all in one sync.
 * Each version names a table or column after the previous version's name; a database at 1.0.0
 * going to 1.2.0 through `b ← a` (1.1.0) and `c ← b` (1.2.0) needs `c ← a`. Merging the hints
 * instead would match neither (the database has no `b`, the schema no `b`) and leave the rows in
 * `a` while `c` is created empty.
 */
import { foldName } from '../model.js';
import type { Renames } from './renames.js';

interface Renamed {
  /** The name as the latest version spells it. */
  readonly name: string;
  /** The name before the first of these versions. */
  readonly origin: string;
}

/** Each version's hints in ascending version order → one set of hints from the first to the last. */
export function composeRenames(versions: readonly Renames[]): Renames {
  const tables = new Map<string, Renamed>();
  const indexes = new Map<string, Renamed>();
  /** By the table's current (folded) name: its columns' renames. */
  const columns = new Map<string, { table: string; renamed: Map<string, Renamed> }>();
  for (const renames of versions) {
    for (const [to, from] of Object.entries(renames.tables ?? {})) {
      const earlier = tables.get(foldName(from));
      tables.delete(foldName(from));
      tables.set(foldName(to), { name: to, origin: earlier?.origin ?? from });
      const own = columns.get(foldName(from));
      if (own !== undefined) {
        columns.delete(foldName(from));
        columns.set(foldName(to), { table: to, renamed: own.renamed });
      }
    }
    for (const [to, from] of Object.entries(renames.indexes ?? {})) {
      const earlier = indexes.get(foldName(from));
      indexes.delete(foldName(from));
      indexes.set(foldName(to), { name: to, origin: earlier?.origin ?? from });
    }
    for (const [table, renamed] of Object.entries(renames.columns ?? {})) {
      const own = columns.get(foldName(table)) ?? { table, renamed: new Map<string, Renamed>() };
      columns.set(foldName(table), own);
      for (const [to, from] of Object.entries(renamed)) {
        const earlier = own.renamed.get(foldName(from));
        own.renamed.delete(foldName(from));
        own.renamed.set(foldName(to), { name: to, origin: earlier?.origin ?? from });
      }
    }
  }
  const changed = (entry: Renamed): boolean => foldName(entry.name) !== foldName(entry.origin);
  const tableHints = Object.fromEntries(
    [...tables.values()].filter(changed).map((entry) => [entry.name, entry.origin]),
  );
  const columnHints: Record<string, Record<string, string>> = {};
  for (const { table, renamed } of columns.values()) {
    const hints = Object.fromEntries([...renamed.values()].filter(changed).map((entry) => [entry.name, entry.origin]));
    if (Object.keys(hints).length > 0) columnHints[table] = hints;
  }
  const indexHints = Object.fromEntries(
    [...indexes.values()].filter(changed).map((entry) => [entry.name, entry.origin]),
  );
  return {
    tables: tableHints,
    columns: columnHints,
    ...(Object.keys(indexHints).length > 0 ? { indexes: indexHints } : {}),
  };
}
