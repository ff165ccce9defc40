/**
 * Canonical forms of model nodes: two nodes that SQLite would treat the same have equal keys,
 * however their DDL was written (whitespace, keyword case, quoting, redundant parentheses).
 */
import type { Column, ForeignKey, IndexColumn, Table } from './model.js';
import { foldName } from './model.js';
import { canonicalExpression, canonicalTokens, isWord, tokenize } from './sql/tokens.js';

/**
 * A column apart from its CHECKs (compared per table: inline or table-level, a CHECK is the same
 * constraint). `DEFAULT NULL` is no default, `COLLATE BINARY` the default collation.
 */
export function columnKey(column: Column): string {
  const defaultSql = column.defaultSql === null ? null : canonicalExpression(column.defaultSql);
  const collate = column.collate === null ? null : foldName(column.collate);
  return JSON.stringify([
    column.type,
    column.notNull,
    defaultSql === 'null' ? null : defaultSql,
    column.primaryKeyPosition,
    collate === 'binary' ? null : collate,
    column.generated === null ? null : [canonicalExpression(column.generated.expression), column.generated.storage],
    column.hidden,
  ]);
}

export function foreignKeyKey(foreignKey: ForeignKey): string {
  return JSON.stringify([
    foreignKey.columns.map(foldName),
    foldName(foreignKey.targetTable),
    foreignKey.targetColumns.map(foldName),
    foreignKey.onDelete,
    foreignKey.onUpdate,
  ]);
}

export function indexColumnsKey(columns: readonly IndexColumn[]): string {
  return JSON.stringify(columns.map((column) => [
    column.name === null ? null : foldName(column.name), column.desc, foldName(column.collate),
  ]));
}

/** What a table's definition is, apart from its columns: compared as sets where order is free. */
export function tableConstraintsKey(table: Table): string {
  return JSON.stringify({
    primaryKey: table.primaryKey.map(foldName),
    autoincrement: table.autoincrement,
    foreignKeys: table.foreignKeys.map(foreignKeyKey).sort(),
    checks: table.checks.map(canonicalExpression).sort(),
    uniques: table.uniques.map(indexColumnsKey).sort(),
    strict: table.strict,
    withoutRowid: table.withoutRowid,
  });
}

/**
 * Canonical CREATE INDEX / VIEW / TRIGGER text. What changes nothing about the object is left
 * out: `IF NOT EXISTS`, a `main.` qualifier on the object's name, a trigger's `FOR EACH ROW` (the
 * only kind SQLite has); operator spellings and `ASC` are canonical in canonicalTokens.
 */
export function definitionKey(sql: string): string {
  const tokens = tokenize(sql);
  const drop = new Set<number>();
  const kind = tokens.findIndex((token) => isWord(token, 'INDEX', 'VIEW', 'TRIGGER'));
  let at = kind + 1;
  if (kind >= 0 && isWord(tokens[at], 'IF') && isWord(tokens[at + 1], 'NOT') && isWord(tokens[at + 2], 'EXISTS')) {
    for (const i of [at, at + 1, at + 2]) drop.add(i);
    at += 3;
  }
  const qualifier = tokens[at];
  if (kind >= 0 && tokens[at + 1]?.text === '.' && qualifier !== undefined && (qualifier.kind === 'word' || qualifier.kind === 'quoted')
    && foldName(qualifier.value) === 'main') {
    drop.add(at);
    drop.add(at + 1);
  }
  if (isWord(tokens[kind], 'TRIGGER')) {
    tokens.forEach((token, i) => {
      if (isWord(token, 'FOR') && isWord(tokens[i + 1], 'EACH') && isWord(tokens[i + 2], 'ROW')) for (const k of [i, i + 1, i + 2]) drop.add(k);
    });
  }
  return canonicalTokens(tokens.filter((_, i) => !drop.has(i)));
}

/** Does this SQL mention any of the (folded) names as an identifier? */
export function mentionsAny(sql: string, foldedNames: ReadonlySet<string>): boolean {
  return tokenize(sql).some((token) =>
    (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string') &&
    foldedNames.has(foldName(token.kind === 'string' ? token.text.slice(1, -1) : token.value)));
}
