/**
 * Canonical forms of model nodes: two nodes that SQLite would treat the same have equal keys,
 * however their DDL was written (whitespace, keyword case, quoting, redundant parentheses).
 */
import type { Column, ForeignKey, Index, IndexColumn, Table } from '../model.js';
import { foldName } from '../model.js';
import { memoByObject, memoByText } from '../sql/memo.js';
import {
  canonicalExpression,
  canonicalTokens,
  closingParen,
  isKeyword,
  isWord,
  quoteString,
  tokenize,
  type Token,
} from '../sql/tokens.js';

/**
 * A default by its value: in a default nothing can name a column, so `"x"` is the string 'x'
 * (SQLite's fallback for a double-quoted name it cannot resolve), and TRUE / FALSE are 1 / 0.
 */
function canonicalDefault(sql: string): string {
  const tokens = tokenize(sql);
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only?.kind === 'quoted' && only.text.startsWith('"')) return canonicalExpression(quoteString(only.value));
  if (isWord(only, 'TRUE')) return '1';
  if (isWord(only, 'FALSE')) return '0';
  return canonicalExpression(sql);
}

/**
 * A column apart from its CHECKs (compared per table: inline or table-level, a CHECK is the same
 * constraint). `DEFAULT NULL` is no default, `COLLATE BINARY` the default collation.
 */
export const columnKey: (column: Column) => string = memoByObject(columnKeyOf);

function columnKeyOf(column: Column): string {
  const defaultSql = column.defaultSql === null ? null : canonicalDefault(column.defaultSql);
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

/** Memoised by object: a rebuilt table's keys are compared several times per plan, and again in every later plan. */
export const foreignKeyKey: (foreignKey: ForeignKey) => string = memoByObject(foreignKeyKeyOf);

function foreignKeyKeyOf(foreignKey: ForeignKey): string {
  return JSON.stringify([
    foreignKey.columns.map(foldName),
    foldName(foreignKey.targetTable),
    foreignKey.targetColumns.map(foldName),
    foreignKey.onDelete,
    foreignKey.onUpdate,
  ]);
}

export const indexColumnsKey: (columns: readonly IndexColumn[]) => string = memoByObject(indexColumnsKeyOf);

function indexColumnsKeyOf(columns: readonly IndexColumn[]): string {
  return JSON.stringify(
    columns.map((column) => [
      column.name === null ? null : foldName(column.name),
      column.desc,
      foldName(column.collate),
    ]),
  );
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
export const definitionKey: (sql: string) => string = memoByText(definitionKeyText);

function definitionKeyText(sql: string): string {
  const tokens = tokenize(sql);
  const drop = new Set<number>();
  const kind = tokens.findIndex((token) => isWord(token, 'INDEX', 'VIEW', 'TRIGGER'));
  let at = kind + 1;
  if (kind >= 0 && isWord(tokens[at], 'IF') && isWord(tokens[at + 1], 'NOT') && isWord(tokens[at + 2], 'EXISTS')) {
    for (const i of [at, at + 1, at + 2]) drop.add(i);
    at += 3;
  }
  const qualifier = tokens[at];
  if (
    kind >= 0 &&
    tokens[at + 1]?.text === '.' &&
    qualifier !== undefined &&
    (qualifier.kind === 'word' || qualifier.kind === 'quoted') &&
    foldName(qualifier.value) === 'main'
  ) {
    drop.add(at);
    drop.add(at + 1);
  }
  if (isWord(tokens[kind], 'TRIGGER')) {
    tokens.forEach((token, i) => {
      if (isWord(token, 'FOR') && isWord(tokens[i + 1], 'EACH') && isWord(tokens[i + 2], 'ROW'))
        for (const k of [i, i + 1, i + 2]) drop.add(k);
    });
  }
  let kept = tokens.filter((_, i) => !drop.has(i));
  if (isWord(tokens[kind], 'VIEW', 'TRIGGER')) kept = withImpliedAs(kept);
  // A trigger without BEFORE / AFTER / INSTEAD OF fires BEFORE.
  const timing = tokens[at + (tokens[at + 1]?.text === '.' ? 3 : 1)];
  if (isWord(tokens[kind], 'TRIGGER') && timing !== undefined && isWord(timing, 'INSERT', 'UPDATE', 'DELETE')) {
    kept.splice(kept.indexOf(timing), 0, {
      kind: 'word',
      text: 'BEFORE',
      value: 'BEFORE',
      start: timing.start,
      end: timing.start,
    });
  }
  return canonicalTokens(kept);
}

/** Ends an operand: a name, a literal, a parameter or a closing parenthesis. */
function endsOperand(token: Token | undefined): boolean {
  if (token === undefined) return false;
  if (token.kind === 'word') return !isKeyword(token.text);
  return token.kind !== 'punct' || token.text === ')';
}

/**
 * `AS` where SQLite lets it out: an alias written right after a result column or a table
 * (`SELECT a x FROM t u`) is `a AS x … t AS u`. Nowhere else in SQL does a name directly follow an
 * operand, so a name there is an alias and both spellings read the same.
 */
function withImpliedAs(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  tokens.forEach((token, i) => {
    const isName = token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text));
    if (isName && endsOperand(tokens[i - 1]))
      out.push({ kind: 'word', text: 'AS', value: 'AS', start: token.start, end: token.start });
    out.push(token);
  });
  return out;
}

/** Does this SQL mention any of the (folded) names as an identifier? */
export function mentionsAny(sql: string, foldedNames: ReadonlySet<string>): boolean {
  return tokenize(sql).some(
    (token) =>
      (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string') &&
      foldedNames.has(foldName(token.kind === 'string' ? token.text.slice(1, -1) : token.value)),
  );
}

/**
 * A CREATE INDEX by what SQLite made of it: its table, uniqueness, each key column's name, order
 * and collation as the pragmas report them (so `ASC`, a `COLLATE` equal to the column's own and
 * quoting change nothing) and its WHERE clause. An index over expressions is compared by its text.
 */
export const indexKey: (index: Index) => string = memoByObject(indexKeyOf);

function indexKeyOf(index: Index): string {
  if (index.sql === null) return '';
  const tokens = tokenize(index.sql);
  const open = tokens.findIndex((token) => token.text === '(');
  const close = open < 0 ? -1 : closingParen(tokens, open);
  if (close < 0) return definitionKey(index.sql);
  const where = canonicalTokens(tokens.slice(close + 1));
  const columns = indexColumnsKey(index.columns);
  if (index.columns.every((column) => column.name !== null))
    return JSON.stringify([foldName(index.table), index.unique, columns, where]);
  // Expression terms by their text, without the COLLATE and ASC / DESC the pragma columns report.
  const terms = tokens
    .slice(open + 1, close)
    .filter((token, i, list) => !isWord(token, 'COLLATE', 'ASC', 'DESC') && !isWord(list[i - 1], 'COLLATE'));
  return JSON.stringify([foldName(index.table), index.unique, columns, canonicalTokens(terms), where]);
}
