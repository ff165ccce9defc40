/**
 * Canonical forms of model nodes: two nodes that SQLite would treat the same have equal keys,
 * however their DDL was written (whitespace, keyword case, quoting, redundant parentheses).
 */
import type { Column, ForeignKey, IndexColumn, Table } from './model.js';
import { foldName } from './model.js';
import { canonicalExpression, canonicalSql, isWord, tokenize } from './sql/tokens.js';

export function columnKey(column: Column): string {
  return JSON.stringify([
    column.type,
    column.notNull,
    column.defaultSql === null ? null : canonicalExpression(column.defaultSql),
    column.primaryKeyPosition,
    column.collate === null ? null : foldName(column.collate),
    column.generated === null ? null : [canonicalExpression(column.generated.expression), column.generated.storage],
    column.hidden,
    column.checks.map(canonicalExpression).sort(),
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
 * Canonical CREATE INDEX / VIEW / TRIGGER text. `IF NOT EXISTS` and a `main.` qualifier change
 * nothing about the object, so they are left out.
 */
export function definitionKey(sql: string): string {
  const tokens = tokenize(sql);
  const kept = tokens.filter((token, i) => {
    const ifNotExists = isWord(token, 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS');
    const afterIf = (isWord(token, 'NOT') && isWord(tokens[i - 1], 'IF'))
      || (isWord(token, 'EXISTS') && isWord(tokens[i - 1], 'NOT') && isWord(tokens[i - 2], 'IF'));
    return !ifNotExists && !afterIf;
  });
  return canonicalSql(kept.map((token) => token.text).join(' '));
}

/** Does this SQL mention any of the (folded) names as an identifier? */
export function mentionsAny(sql: string, foldedNames: ReadonlySet<string>): boolean {
  return tokenize(sql).some((token) =>
    (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string') &&
    foldedNames.has(foldName(token.kind === 'string' ? token.text.slice(1, -1) : token.value)));
}
