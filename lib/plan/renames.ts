/**
 * Rename hints: a version may say a table or column was renamed from an older name. Without the
 * hint a rename looks like "drop one, add another" and the data would stay behind in the old one.
 * Renames run first; the rest of the plan is computed against the schema as renamed.
 */
import type { DatabaseSchema, Table } from '../model.js';
import type { Step } from './steps.js';
import { findByName, foldName, sameName } from '../model.js';
import { parseCreateTable } from '../sql/create-table.js';
import {
  closingParen,
  identifierOf,
  isKeyword,
  isWord,
  quoteIdentifier as q,
  tokenize,
  type Token,
} from '../sql/tokens.js';

export interface Renames {
  /** New table name → the name it had before. */
  readonly tables?: Readonly<Record<string, string>>;
  /** Table (new name) → new column name → the name it had before. */
  readonly columns?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * New index name → the name it had before. An index holds no data: SQLite has no RENAME for it,
   * so the plan drops the old one and creates the new one, and reports the pair as a rename.
   */
  readonly indexes?: Readonly<Record<string, string>>;
}

const rename = (name: string, from: string, to: string): string => (sameName(name, from) ? to : name);

/**
 * What ALTER TABLE … RENAME does to the SQL of indexes, triggers and views: references to the old
 * name follow the new one. The plan compares, and recreates after a rebuild, from these texts, so
 * they must read as SQLite will have rewritten them. Only identifier tokens from `fromOffset` on
 * are touched (a CREATE INDEX's own name comes before its column list).
 */
function renameInSql(sql: string, from: string, to: string, fromOffset = 0): string {
  return replaceTokens(
    sql,
    tokenize(sql).filter((token) => token.start >= fromOffset && isName(token, from)),
    to,
  );
}

/** Replaces the given tokens of `sql` with the quoted new name. */
function replaceTokens(sql: string, tokens: readonly Token[], to: string): string {
  let out = '';
  let last = 0;
  for (const token of tokens) {
    out += sql.slice(last, token.start) + q(to);
    last = token.end;
  }
  return out + sql.slice(last);
}

/**
 * Is the token this name? A bare keyword is read as the keyword: a column named "select" or "end"
 * is only recognised quoted, or SELECT and END themselves would be renamed.
 */
const isName = (token: Token | undefined, name: string): boolean =>
  token !== undefined &&
  (token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text))) &&
  sameName(token.value, name);

/**
 * A table rename inside a column definition or CREATE TABLE: only the table named after
 * REFERENCES (and, from `nameAt`, the created table's own name) follows; a column may share the
 * old table's name.
 */
function renameTableInDefinition(sql: string, from: string, to: string, nameAt = -1): string {
  const tokens = tokenize(sql);
  const edits = tokens.filter(
    (token, i) => isName(token, from) && (isWord(tokens[i - 1], 'REFERENCES') || token.start === nameAt),
  );
  return replaceTokens(sql, edits, to);
}

/**
 * A column rename (`table`.`from` → `to`) inside a column definition, CHECK or CREATE TABLE of
 * `owner`: every use from `fromOffset` on when owner is that table (CHECK, generated expression,
 * the column's own name), and otherwise only inside `REFERENCES table (…)`.
 */
function renameColumnInDefinition(
  sql: string,
  owner: string,
  table: string,
  from: string,
  to: string,
  fromOffset = 0,
): string {
  const tokens = tokenize(sql);
  const own = sameName(owner, table);
  const edits: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (isWord(token, 'REFERENCES') && tokens[i + 2]?.text === '(') {
      const close = closingParen(tokens, i + 2);
      const target = identifierOf(tokens[i + 1]);
      if (target !== undefined && sameName(target, table)) {
        for (let k = i + 3; k < close; k++) if (isName(tokens[k], from)) edits.push(tokens[k] as Token);
      }
      if (close > i) i = close;
    } else if (own && token.start >= fromOffset && isName(token, from)) {
      edits.push(token);
    }
  }
  return replaceTokens(sql, edits, to);
}

/** Offset of the column list of a CREATE INDEX (its first parenthesis). */
function columnListOffset(sql: string): number {
  return tokenize(sql).find((token) => token.text === '(')?.start ?? sql.length;
}

function renameTable(schema: DatabaseSchema, from: string, to: string): DatabaseSchema {
  return {
    tables: schema.tables.map((table) => ({
      ...table,
      name: rename(table.name, from, to),
      // a kept column's definition is spliced into a rebuilt table verbatim: its REFERENCES must follow
      sql: renameTableInDefinition(
        table.sql,
        from,
        to,
        sameName(table.name, from) ? parseCreateTable(table.sql).nameStart : -1,
      ),
      columns: table.columns.map((column) => ({
        ...column,
        definitionSql: renameTableInDefinition(column.definitionSql, from, to),
      })),
      foreignKeys: table.foreignKeys.map((fk) => ({ ...fk, targetTable: rename(fk.targetTable, from, to) })),
    })),
    indexes: schema.indexes.map((index) => ({
      ...index,
      table: rename(index.table, from, to),
      sql: index.sql === null ? null : renameInSql(index.sql, from, to),
    })),
    triggers: schema.triggers.map((trigger) => ({
      ...trigger,
      table: rename(trigger.table, from, to),
      sql: renameInSql(trigger.sql, from, to),
    })),
    views: schema.views.map((view) => ({ ...view, sql: renameInSql(view.sql, from, to) })),
  };
}

function renameColumn(schema: DatabaseSchema, tableName: string, from: string, to: string): DatabaseSchema {
  const inTable = (table: Table): boolean => sameName(table.name, tableName);
  return {
    ...schema,
    tables: schema.tables.map((table) => ({
      ...table,
      // CHECKs, generated expressions and REFERENCES … (column) follow, as SQLite rewrites them
      sql: renameColumnInDefinition(table.sql, table.name, tableName, from, to, parseCreateTable(table.sql).nameEnd),
      checks: inTable(table)
        ? table.checks.map((check) => renameColumnInDefinition(check, table.name, tableName, from, to))
        : table.checks,
      columns: table.columns.map((column) => ({
        ...column,
        name: inTable(table) ? rename(column.name, from, to) : column.name,
        definitionSql: renameColumnInDefinition(column.definitionSql, table.name, tableName, from, to),
        checks: inTable(table)
          ? column.checks.map((check) => renameColumnInDefinition(check, table.name, tableName, from, to))
          : column.checks,
        generated:
          inTable(table) && column.generated !== null
            ? {
                ...column.generated,
                expression: renameColumnInDefinition(column.generated.expression, table.name, tableName, from, to),
              }
            : column.generated,
      })),
      primaryKey: inTable(table) ? table.primaryKey.map((name) => rename(name, from, to)) : table.primaryKey,
      uniques: inTable(table)
        ? table.uniques.map((unique) =>
            unique.map((part) => ({ ...part, name: part.name === null ? null : rename(part.name, from, to) })),
          )
        : table.uniques,
      foreignKeys: table.foreignKeys.map((fk) => ({
        ...fk,
        columns: inTable(table) ? fk.columns.map((name) => rename(name, from, to)) : fk.columns,
        targetColumns: sameName(fk.targetTable, tableName)
          ? fk.targetColumns.map((name) => rename(name, from, to))
          : fk.targetColumns,
      })),
    })),
    indexes: schema.indexes.map((index) =>
      sameName(index.table, tableName)
        ? {
            ...index,
            columns: index.columns.map((column) => ({
              ...column,
              name: column.name === null ? null : rename(column.name, from, to),
            })),
            sql: index.sql === null ? null : renameInSql(index.sql, from, to, columnListOffset(index.sql)),
          }
        : index,
    ),
    // Triggers and views that mention the table may use the column (SQLite rewrites those uses).
    triggers: schema.triggers.map((trigger) =>
      sameName(trigger.table, tableName) || mentions(trigger.sql, tableName)
        ? { ...trigger, sql: renameInSql(trigger.sql, from, to, bodyOffset(trigger.sql)) }
        : trigger,
    ),
    views: schema.views.map((view) =>
      mentions(view.sql, tableName) ? { ...view, sql: renameInSql(view.sql, from, to, bodyOffset(view.sql)) } : view,
    ),
  };
}

function mentions(sql: string, name: string): boolean {
  return tokenize(sql).some((token) => isName(token, name));
}

/**
 * Where column uses can start in CREATE TRIGGER/VIEW: just past the trigger's name (UPDATE OF
 * lists columns), or at a view's AS (its own column list names the view's columns).
 */
function bodyOffset(sql: string): number {
  const tokens = tokenize(sql);
  let i = tokens.findIndex((token) => isWord(token, 'TRIGGER', 'VIEW'));
  if (i < 0) return 0;
  const view = isWord(tokens[i], 'VIEW');
  i++;
  if (isWord(tokens[i], 'IF')) i += 3;
  if (tokens[i + 1]?.text === '.') i += 2;
  if (!view) return tokens[i]?.end ?? 0;
  const as = tokens.findIndex((token, k) => k > i && isWord(token, 'AS'));
  return tokens[as]?.start ?? 0;
}

/** Entries ordered by key, so a plan never depends on how the hints object was built. */
function sortedEntries<T>(record: Readonly<Record<string, T>>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Applies the hints that fit this database and returns the renamed model and the steps. */
export function applyRenames(
  actual: DatabaseSchema,
  desired: DatabaseSchema,
  renames: Renames,
): { schema: DatabaseSchema; steps: Step[]; tables: ReadonlyMap<string, string> } {
  let schema = actual;
  const steps: Step[] = [];
  /** The table renames applied: old name (folded) → new name. */
  const tables = new Map<string, string>();
  for (const [to, from] of sortedEntries(renames.tables ?? {})) {
    const applies =
      findByName(schema.tables, from) !== undefined &&
      findByName(schema.tables, to) === undefined &&
      findByName(desired.tables, to) !== undefined;
    if (!applies) continue;
    steps.push({
      kind: 'rename_table',
      object: to,
      sql: `ALTER TABLE ${q(from)} RENAME TO ${q(to)}`,
      destructive: false,
      reason: `renamed from ${from}`,
      source: { kind: 'rename', object: 'table', table: to, from, to },
    });
    schema = renameTable(schema, from, to);
    tables.set(foldName(from), to);
  }
  for (const [tableName, columns] of sortedEntries(renames.columns ?? {})) {
    for (const [to, from] of sortedEntries(columns)) {
      const table = findByName(schema.tables, tableName);
      const want = findByName(desired.tables, tableName);
      const applies =
        table !== undefined &&
        want !== undefined &&
        findByName(table.columns, from) !== undefined &&
        findByName(table.columns, to) === undefined &&
        findByName(want.columns, to) !== undefined;
      if (!applies) continue;
      steps.push({
        kind: 'rename_column',
        object: `${tableName}.${to}`,
        sql: `ALTER TABLE ${q(table.name)} RENAME COLUMN ${q(from)} TO ${q(to)}`,
        destructive: false,
        reason: `renamed from ${from}`,
        source: { kind: 'rename', object: 'column', table: table.name, from, to },
      });
      schema = renameColumn(schema, tableName, from, to);
    }
  }
  return { schema, steps, tables };
}
