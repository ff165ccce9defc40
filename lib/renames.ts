/**
 * Rename hints: a version may say a table or column was renamed from an older name. Without the
 * hint a rename looks like "drop one, add another" and the data would stay behind in the old one.
 * Renames run first; the rest of the plan is computed against the schema as renamed.
 */
import type { DatabaseSchema, Table } from './model.js';
import type { Step } from './steps.js';
import { findByName, sameName } from './model.js';
import { quoteIdentifier as q } from './sql/tokens.js';

export interface Renames {
  /** New table name → the name it had before. */
  readonly tables?: Readonly<Record<string, string>>;
  /** Table (new name) → new column name → the name it had before. */
  readonly columns?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const rename = (name: string, from: string, to: string): string => (sameName(name, from) ? to : name);

function renameTable(schema: DatabaseSchema, from: string, to: string): DatabaseSchema {
  return {
    tables: schema.tables.map((table) => ({
      ...table,
      name: rename(table.name, from, to),
      foreignKeys: table.foreignKeys.map((fk) => ({ ...fk, targetTable: rename(fk.targetTable, from, to) })),
    })),
    indexes: schema.indexes.map((index) => ({ ...index, table: rename(index.table, from, to) })),
    triggers: schema.triggers.map((trigger) => ({ ...trigger, table: rename(trigger.table, from, to) })),
    views: schema.views,
  };
}

function renameColumn(schema: DatabaseSchema, tableName: string, from: string, to: string): DatabaseSchema {
  const inTable = (table: Table): boolean => sameName(table.name, tableName);
  return {
    ...schema,
    tables: schema.tables.map((table) => ({
      ...table,
      columns: inTable(table) ? table.columns.map((column) => ({ ...column, name: rename(column.name, from, to) })) : table.columns,
      primaryKey: inTable(table) ? table.primaryKey.map((name) => rename(name, from, to)) : table.primaryKey,
      uniques: inTable(table)
        ? table.uniques.map((unique) => unique.map((part) => ({ ...part, name: part.name === null ? null : rename(part.name, from, to) })))
        : table.uniques,
      foreignKeys: table.foreignKeys.map((fk) => ({
        ...fk,
        columns: inTable(table) ? fk.columns.map((name) => rename(name, from, to)) : fk.columns,
        targetColumns: sameName(fk.targetTable, tableName) ? fk.targetColumns.map((name) => rename(name, from, to)) : fk.targetColumns,
      })),
    })),
    indexes: schema.indexes.map((index) => (sameName(index.table, tableName)
      ? { ...index, columns: index.columns.map((column) => ({ ...column, name: column.name === null ? null : rename(column.name, from, to) })) }
      : index)),
  };
}

/** Applies the hints that fit this database and returns the renamed model and the steps. */
export function applyRenames(actual: DatabaseSchema, desired: DatabaseSchema, renames: Renames): { schema: DatabaseSchema; steps: Step[] } {
  let schema = actual;
  const steps: Step[] = [];
  for (const [to, from] of Object.entries(renames.tables ?? {}).sort()) {
    const applies = findByName(schema.tables, from) !== undefined && findByName(schema.tables, to) === undefined
      && findByName(desired.tables, to) !== undefined;
    if (!applies) continue;
    steps.push({ kind: 'rename_table', object: to, sql: `ALTER TABLE ${q(from)} RENAME TO ${q(to)}`, destructive: false, reason: `renamed from ${from}` });
    schema = renameTable(schema, from, to);
  }
  for (const [tableName, columns] of Object.entries(renames.columns ?? {}).sort()) {
    for (const [to, from] of Object.entries(columns).sort()) {
      const table = findByName(schema.tables, tableName);
      const want = findByName(desired.tables, tableName);
      const applies = table !== undefined && want !== undefined && findByName(table.columns, from) !== undefined
        && findByName(table.columns, to) === undefined && findByName(want.columns, to) !== undefined;
      if (!applies) continue;
      steps.push({ kind: 'rename_column', object: `${tableName}.${to}`, sql: `ALTER TABLE ${q(table.name)} RENAME COLUMN ${q(from)} TO ${q(to)}`, destructive: false, reason: `renamed from ${from}` });
      schema = renameColumn(schema, tableName, from, to);
    }
  }
  return { schema, steps };
}
