/**
 * One model of a database schema, produced by introspection for both the actual database and the
 * desired one (loaded into an in-memory libSQL first), so the two are compared in the same form.
 * Every node is plain, immutable data: it serialises to JSON as-is for `inspect --json`.
 */

export type GeneratedStorage = 'VIRTUAL' | 'STORED';

export interface Column {
  readonly name: string;
  /** Declared type as written, normalised to upper case with single spaces ('' when untyped). */
  readonly type: string;
  readonly notNull: boolean;
  /** Default expression as SQLite reports it (e.g. `'x'`, `0`, `CURRENT_TIMESTAMP`), or null. */
  readonly defaultSql: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly primaryKeyPosition: number;
  readonly collate: string | null;
  readonly generated: { readonly expression: string; readonly storage: GeneratedStorage } | null;
  /** Hidden columns exist only in virtual tables; kept so nothing is lost in a round trip. */
  readonly hidden: boolean;
  readonly unique: boolean;
  /** Inline CHECK constraints of this column, as written. */
  readonly checks: readonly string[];
  /** The column's definition as written in CREATE TABLE: reused verbatim when a rebuild keeps it. */
  readonly definitionSql: string;
}

export type ForeignKeyAction = 'NO ACTION' | 'RESTRICT' | 'SET NULL' | 'SET DEFAULT' | 'CASCADE';

export interface ForeignKey {
  readonly columns: readonly string[];
  readonly targetTable: string;
  /** Empty when the REFERENCES clause names no columns (the target's primary key). */
  readonly targetColumns: readonly string[];
  readonly onDelete: ForeignKeyAction;
  readonly onUpdate: ForeignKeyAction;
}

export interface Table {
  readonly name: string;
  readonly sql: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly autoincrement: boolean;
  readonly foreignKeys: readonly ForeignKey[];
  /** Table-level CHECK constraints, as written. */
  readonly checks: readonly string[];
  /** UNIQUE constraints, inline or table-level, as SQLite indexes them. */
  readonly uniques: readonly (readonly IndexColumn[])[];
  readonly strict: boolean;
  readonly withoutRowid: boolean;
  /** Virtual tables (FTS and friends) are compared by their SQL only. */
  readonly virtual: boolean;
}

export interface IndexColumn {
  /** Column name, or null for an expression column. */
  readonly name: string | null;
  readonly desc: boolean;
  readonly collate: string;
}

export interface Index {
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  /** 'c' created by CREATE INDEX, 'u' by a UNIQUE constraint, 'pk' by a PRIMARY KEY constraint. */
  readonly origin: 'c' | 'u' | 'pk';
  readonly partial: boolean;
  readonly columns: readonly IndexColumn[];
  /** CREATE INDEX text; null for the indexes SQLite makes for constraints (autoindexes). */
  readonly sql: string | null;
}

export interface Trigger {
  readonly name: string;
  readonly table: string;
  readonly sql: string;
}

export interface View {
  readonly name: string;
  readonly sql: string;
}

/** A database schema; every list is sorted by name so models compare and print deterministically. */
export interface DatabaseSchema {
  readonly tables: readonly Table[];
  readonly indexes: readonly Index[];
  readonly triggers: readonly Trigger[];
  readonly views: readonly View[];
}

/** Names compare the way SQLite compares them: ASCII case-insensitively. */
export function sameName(a: string, b: string): boolean {
  return foldName(a) === foldName(b);
}

const foldedNames = new Map<string, string>();

/** ASCII lower case, memoised: the planner folds the same few thousand names over and over. */
export function foldName(name: string): string {
  let folded = foldedNames.get(name);
  if (folded === undefined) {
    folded = /[A-Z]/.test(name) ? name.replace(/[A-Z]/g, (c) => c.toLowerCase()) : name;
    if (foldedNames.size >= 50_000) foldedNames.clear();
    foldedNames.set(name, folded);
  }
  return folded;
}

/** Lookup maps per list: model lists are immutable, so one map per list serves every lookup. */
const nameIndexes = new WeakMap<readonly { readonly name: string }[], Map<string, { readonly name: string }>>();

/** Finds an item by name as SQLite would (ASCII case-insensitively). Lists must not be mutated. */
export function findByName<T extends { readonly name: string }>(items: readonly T[], name: string): T | undefined {
  if (items.length === 0) return undefined;
  let index = nameIndexes.get(items);
  if (index === undefined) {
    index = new Map();
    for (const item of items) {
      const key = foldName(item.name);
      if (!index.has(key)) index.set(key, item);
    }
    nameIndexes.set(items, index);
  }
  // The keys are folded, so a name found as it is was folded already (most names are written in
  // lower case): the planner's thousands of lookups per plan mostly skip folding.
  const found = index.get(name);
  if (found !== undefined) return found as T;
  const key = foldName(name);
  return key === name ? undefined : (index.get(key) as T | undefined);
}

export const emptySchema: DatabaseSchema = { tables: [], indexes: [], triggers: [], views: [] };
