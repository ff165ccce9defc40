/**
 * Reads the parts of a CREATE TABLE that SQLite's pragmas do not report: column COLLATE, generated
 * expressions, CHECK constraints, AUTOINCREMENT, and where each column definition sits in the text
 * (a rebuild that keeps an unwanted column splices its definition into the new table verbatim).
 */
import { closingParen, identifierOf, isKeyword, isWord, SqlSyntaxError, tokenize, type Token } from './tokens.js';
import type { Column } from '../model.js';
import { createHead } from './create-head.js';
import { memoByText } from './memo.js';

export interface ParsedColumn {
  readonly name: string;
  /** Offset into the text of the column's name (where its definition starts). */
  readonly start: number;
  readonly definitionSql: string;
  readonly collate: string | null;
  readonly generated: Column['generated'];
  readonly checks: readonly string[];
  readonly autoincrement: boolean;
}

export type TableConstraintKind = 'primary key' | 'unique' | 'check' | 'foreign key';

/** One table-level constraint clause (after the column definitions), as written. */
export interface ParsedTableConstraint {
  readonly kind: TableConstraintKind;
  /**
   * The columns a PRIMARY KEY, UNIQUE or FOREIGN KEY clause lists (its own side, not the
   * referenced one); for a CHECK, every identifier its expression mentions.
   */
  readonly columns: readonly string[];
  /** The clause's text, `CONSTRAINT name` included. */
  readonly sql: string;
  /** Offset of the clause into the CREATE TABLE text. */
  readonly start: number;
}

export interface ParsedCreateTable {
  readonly name: string;
  readonly virtual: boolean;
  readonly columns: readonly ParsedColumn[];
  readonly checks: readonly string[];
  readonly tableConstraints: readonly ParsedTableConstraint[];
  /** Offsets into the text: the table name token, and the end of the last column definition. */
  readonly nameStart: number;
  readonly nameEnd: number;
  readonly columnsEnd: number;
  /** Offsets of the parentheses around the definitions (-1 without them: a virtual table, AS SELECT). */
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

const COLUMN_CONSTRAINT_STARTS = [
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
];
const TABLE_CONSTRAINT_STARTS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

/** Splits tokens[from, to) at commas that are not inside parentheses. */
function splitTopLevel(tokens: readonly Token[], from: number, to: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let partStart = from;
  for (let i = from; i < to; i++) {
    const text = tokens[i]?.text;
    if (text === '(') depth++;
    else if (text === ')') depth--;
    else if (text === ',' && depth === 0) {
      parts.push([partStart, i]);
      partStart = i + 1;
    }
  }
  parts.push([partStart, to]);
  return parts;
}

function textBetween(sql: string, tokens: readonly Token[], from: number, toInclusive: number): string {
  const first = tokens[from];
  const last = tokens[toInclusive];
  if (first === undefined || last === undefined) return '';
  return sql.slice(first.start, last.end);
}

/** The text inside the parentheses that open at `open`, and the index of the closing one. */
function parenthesised(sql: string, tokens: readonly Token[], open: number): [string, number] {
  if (tokens[open]?.text !== '(') throw new SqlSyntaxError('expected (', tokens[open]?.start ?? sql.length);
  const close = closingParen(tokens, open);
  if (close < 0) throw new SqlSyntaxError('unbalanced parentheses', tokens[open]?.start ?? 0);
  return [textBetween(sql, tokens, open + 1, close - 1), close];
}

function parseColumn(sql: string, tokens: readonly Token[], from: number, to: number): ParsedColumn {
  const name = identifierOf(tokens[from]);
  if (name === undefined) throw new SqlSyntaxError('expected a column name', tokens[from]?.start ?? 0);
  let collate: string | null = null;
  let generated: ParsedColumn['generated'] = null;
  const checks: string[] = [];
  let autoincrement = false;
  let depth = 0;
  for (let i = from + 1; i < to; i++) {
    const token = tokens[i];
    if (token?.text === '(') depth++;
    if (token?.text === ')') depth--;
    if (depth > 0 || token?.kind !== 'word') continue;
    if (isWord(token, 'COLLATE')) {
      collate = identifierOf(tokens[i + 1]) ?? null;
      i++;
    } else if (isWord(token, 'CHECK')) {
      const [expression, close] = parenthesised(sql, tokens, i + 1);
      checks.push(expression);
      i = close;
    } else if (isWord(token, 'AS') && tokens[i + 1]?.text === '(') {
      const [expression, close] = parenthesised(sql, tokens, i + 1);
      const storage = isWord(tokens[close + 1], 'STORED') ? 'STORED' : 'VIRTUAL';
      generated = { expression, storage };
      i = close;
    } else if (isWord(token, 'AUTOINCREMENT')) {
      autoincrement = true;
    } else if (isWord(token, 'DEFAULT') && tokens[i + 1]?.text === '(') {
      i = closingParen(tokens, i + 1);
    } else if (isWord(token, 'REFERENCES') && tokens[i + 2]?.text === '(') {
      i = closingParen(tokens, i + 2);
    }
  }
  return {
    name,
    start: (tokens[from] as Token).start,
    definitionSql: textBetween(sql, tokens, from, to - 1),
    collate,
    generated,
    checks,
    autoincrement,
  };
}

/** Reads a CREATE TABLE (memoised: the result is shared). */
export const parseCreateTable: (sql: string) => ParsedCreateTable = memoByText(parseCreateTableText);

function parseCreateTableText(sql: string): ParsedCreateTable {
  const tokens = tokenize(sql);
  const head = createHead(tokens);
  if (head === null || head.type !== 'table') throw new SqlSyntaxError('expected CREATE TABLE', 0);
  const { virtual } = head;
  const i = head.nameAt;
  const nameToken = tokens[i];
  const name = identifierOf(nameToken);
  if (nameToken === undefined || name === undefined) throw new SqlSyntaxError('expected a table name', 0);
  const base = { name, nameStart: nameToken.start, nameEnd: nameToken.end };
  if (virtual || tokens[i + 1]?.text !== '(') {
    return {
      ...base,
      virtual,
      columns: [],
      checks: [],
      tableConstraints: [],
      columnsEnd: nameToken.end,
      bodyStart: -1,
      bodyEnd: -1,
    };
  }
  const open = i + 1;
  const close = closingParen(tokens, open);
  if (close < 0) throw new SqlSyntaxError('unbalanced parentheses', tokens[open]?.start ?? 0);
  const columns: ParsedColumn[] = [];
  const checks: string[] = [];
  const tableConstraints: ParsedTableConstraint[] = [];
  let inConstraints = false;
  let columnsEnd = tokens[open]?.end ?? 0;
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    if (from >= to) continue;
    if (!inConstraints && tokens[from]?.kind === 'word' && isWord(tokens[from], ...TABLE_CONSTRAINT_STARTS)) {
      // `CONSTRAINT` could also be a column named so only when quoted; bare, it starts constraints.
      inConstraints = true;
    }
    if (!inConstraints) {
      columns.push(parseColumn(sql, tokens, from, to));
      columnsEnd = tokens[to - 1]?.end ?? columnsEnd;
      continue;
    }
    for (let k = from; k < to; k++) {
      if (isWord(tokens[k], 'CHECK')) {
        const [expression, closeAt] = parenthesised(sql, tokens, k + 1);
        checks.push(expression);
        k = closeAt;
      }
    }
    const constraint = tableConstraint(sql, tokens, from, to);
    if (constraint !== null) tableConstraints.push(constraint);
  }
  return {
    ...base,
    virtual,
    columns,
    checks,
    tableConstraints,
    columnsEnd,
    bodyStart: (tokens[open] as Token).start,
    bodyEnd: (tokens[close] as Token).start,
  };
}

function tableConstraint(
  sql: string,
  tokens: readonly Token[],
  from: number,
  to: number,
): ParsedTableConstraint | null {
  let i = from;
  if (isWord(tokens[i], 'CONSTRAINT')) i += 2;
  const text = textBetween(sql, tokens, from, to - 1);
  if (isWord(tokens[i], 'CHECK')) {
    const close = closingParen(tokens, i + 1);
    const columns = tokens
      .slice(i + 2, close < 0 ? to : close)
      .filter((token) => token.kind === 'quoted' || (token.kind === 'word' && !isKeyword(token.text)))
      .map((token) => token.value);
    return { kind: 'check', columns, sql: text, start: (tokens[from] as Token).start };
  }
  const kind: TableConstraintKind | null = isWord(tokens[i], 'PRIMARY')
    ? 'primary key'
    : isWord(tokens[i], 'UNIQUE')
      ? 'unique'
      : isWord(tokens[i], 'FOREIGN')
        ? 'foreign key'
        : null;
  if (kind === null) return null;
  const open = kind === 'unique' ? i + 1 : i + 2;
  if (tokens[open]?.text !== '(') return null;
  const close = closingParen(tokens, open);
  const columns = splitTopLevel(tokens, open + 1, close < 0 ? to : close)
    .map(([a]) => identifierOf(tokens[a]))
    .filter((name): name is string => name !== undefined);
  return { kind, columns, sql: text, start: (tokens[from] as Token).start };
}

export type ColumnConstraintKind =
  'primary key' | 'not null' | 'null' | 'unique' | 'check' | 'default' | 'collate' | 'references' | 'generated';

export interface ColumnDefinitionParts {
  /** The name and declared type, as written (`"price" DECIMAL(10, 2)`). */
  readonly name: string;
  readonly type: string;
  readonly constraints: ReadonlyArray<{ readonly kind: ColumnConstraintKind; readonly sql: string }>;
}

const CONSTRAINT_KINDS: ReadonlyArray<[string, ColumnConstraintKind]> = [
  ['PRIMARY', 'primary key'],
  ['NOT', 'not null'],
  ['NULL', 'null'],
  ['UNIQUE', 'unique'],
  ['CHECK', 'check'],
  ['DEFAULT', 'default'],
  ['COLLATE', 'collate'],
  ['REFERENCES', 'references'],
  ['GENERATED', 'generated'],
  ['AS', 'generated'],
];

/**
 * Does the constraint keyword at `i` start a new column constraint, rather than continue the one
 * before it (`SET NULL` / `SET DEFAULT` / `NOT DEFERRABLE` of a REFERENCES, `GENERATED ALWAYS AS`)?
 */
function startsConstraint(tokens: readonly Token[], i: number): boolean {
  const token = tokens[i];
  if (!isColumnConstraintStart(token)) return false;
  if (isWord(token, 'NULL', 'DEFAULT') && isWord(tokens[i - 1], 'SET', 'NOT')) return false;
  if (isWord(token, 'NULL') && isWord(tokens[i - 1], 'DEFAULT')) return false;
  if (isWord(token, 'NOT') && isWord(tokens[i + 1], 'DEFERRABLE')) return false;
  if (isWord(token, 'AS') && isWord(tokens[i - 1], 'ALWAYS')) return false;
  return true;
}

/** Splits one column definition into its name, its type and its constraints, each as written. */
export const columnDefinitionParts: (definitionSql: string) => ColumnDefinitionParts =
  memoByText(columnDefinitionPartsText);

function columnDefinitionPartsText(definitionSql: string): ColumnDefinitionParts {
  const tokens = tokenize(definitionSql);
  const slice = (a: number, b: number): string => (a < b ? textBetween(definitionSql, tokens, a, b - 1) : '');
  let i = 1;
  while (i < tokens.length && !startsConstraint(tokens, i)) {
    if (tokens[i]?.text === '(') i = Math.max(i, closingParen(tokens, i));
    i++;
  }
  const parts: Array<{ kind: ColumnConstraintKind; sql: string }> = [];
  const typeEnd = i;
  while (i < tokens.length) {
    const start = i;
    if (isWord(tokens[i], 'CONSTRAINT')) i += 2;
    const keyword = tokens[i];
    const kind = CONSTRAINT_KINDS.find(([word]) => isWord(keyword, word))?.[1] ?? 'check';
    i++;
    while (i < tokens.length && !startsConstraint(tokens, i)) {
      if (tokens[i]?.text === '(') i = Math.max(i, closingParen(tokens, i));
      i++;
    }
    parts.push({ kind, sql: slice(start, i) });
  }
  return { name: slice(0, 1), type: slice(1, typeEnd), constraints: parts };
}

/** True when the token list of a column definition starts a constraint (used by the renderer). */
export function isColumnConstraintStart(token: Token | undefined): boolean {
  return isWord(token, ...COLUMN_CONSTRAINT_STARTS);
}
