/**
 * A tokenizer for SQLite's SQL dialect, enough to split DDL into statements, find the parts of a
 * CREATE TABLE that the pragmas do not report, and compare two texts that differ only in
 * whitespace, comments, keyword case or quoting style.
 */

import { memoByText } from './memo.js';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'blob' | 'variable' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written. */
  readonly text: string;
  /** For `quoted`: the identifier without its quotes; for `word`: the text itself. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const KEYWORDS = new Set(
  `ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN
  BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT
  CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC
  DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER
  FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN
  INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE
  LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS
  OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP
  REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET
  TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM
  VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`.split(/\s+/),
);

export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase());
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

const MULTI_CHAR_OPERATORS = ['->>', '||', '<=', '>=', '<>', '!=', '==', '<<', '>>', '->'];

function isWordStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch) || ch.charCodeAt(0) > 127;
}

function isWordPart(ch: string): boolean {
  return /[A-Za-z0-9_$]/.test(ch) || ch.charCodeAt(0) > 127;
}

/** Reads a quoted run starting at `start` whose closing quote is doubled to escape it. */
function readQuoted(sql: string, start: number, close: string): number {
  let i = start + 1;
  for (;;) {
    const at = sql.indexOf(close, i);
    if (at < 0) throw new SqlSyntaxError(`unterminated ${sql[start]}…${close}`, start);
    if (close !== ']' && sql[at + 1] === close) {
      i = at + 2;
      continue;
    }
    return at + 1;
  }
}

/** Splits SQL into tokens, dropping whitespace and comments (memoised: the result is shared). */
export const tokenize: (sql: string) => readonly Token[] = memoByText(tokenizeText);

function tokenizeText(sql: string): readonly Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number, value?: string): void => {
    const text = sql.slice(i, end);
    tokens.push({ kind, text, value: value ?? text, start: i, end });
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (ch === "'") {
      push('string', readQuoted(sql, i, "'"));
    } else if ((ch === 'x' || ch === 'X') && next === "'") {
      const end = readQuoted(sql, i + 1, "'");
      push('blob', end);
    } else if (ch === '"' || ch === '`') {
      const end = readQuoted(sql, i, ch);
      push(
        'quoted',
        end,
        sql
          .slice(i + 1, end - 1)
          .split(ch + ch)
          .join(ch),
      );
    } else if (ch === '[') {
      const end = readQuoted(sql, i, ']');
      push('quoted', end, sql.slice(i + 1, end - 1));
    } else if (/[0-9]/.test(ch) || (ch === '.' && next !== undefined && /[0-9]/.test(next))) {
      const match = /^(0[xX][0-9a-fA-F]+|(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?)/.exec(sql.slice(i));
      push('number', i + Math.max(1, match?.[0].length ?? 1));
    } else if (isWordStart(ch)) {
      let end = i + 1;
      while (end < sql.length && isWordPart(sql[end] as string)) end++;
      push('word', end);
    } else if (ch === '?' || ((ch === ':' || ch === '@' || ch === '$') && next !== undefined)) {
      // `?` alone is a parameter too, also as the text's last character.
      let end = i + 1;
      while (end < sql.length && isWordPart(sql[end] as string)) end++;
      push('variable', end);
    } else {
      const op = MULTI_CHAR_OPERATORS.find((candidate) => sql.startsWith(candidate, i));
      push('punct', i + (op?.length ?? 1));
    }
  }
  return tokens;
}

/** Would this text tokenize as one bare word? */
function isBareWord(text: string): boolean {
  return text.length > 0 && isWordStart(text[0] as string) && [...text.slice(1)].every(isWordPart);
}

/** ASCII lower case: SQLite folds identifiers and keywords only in the ASCII range. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const INT64_MAX = 9223372036854775807n;

/**
 * A number by its value: `1`, `01` and `0x1` are the integer 1; `1.0`, `1.00` and `1e0` the real
 * 1 (not the integer: the two store differently). A decimal integer past 64 bits is a real.
 */
function canonicalNumber(text: string): string {
  try {
    if (/^0x/i.test(text)) return BigInt.asIntN(64, BigInt(text)).toString();
    if (!/[.eE]/.test(text) && BigInt(text) <= INT64_MAX) return BigInt(text).toString();
  } catch {
    return foldAscii(text);
  }
  return `${String(Number(text))}r`;
}

/** One token in a canonical spelling: the same identifier quoted any way spells the same. */
function canonicalToken(token: Token): string {
  switch (token.kind) {
    case 'word':
      return foldAscii(token.text);
    case 'quoted':
      // A name that would read as a bare word (the tokenizer's rule: non-ASCII letters included)
      // spells the same quoted or not.
      return isBareWord(token.value) && !isKeyword(token.value)
        ? foldAscii(token.value)
        : `"${foldAscii(token.value).replaceAll('"', '""')}"`;
    case 'number':
      return canonicalNumber(token.text);
    case 'blob':
      return foldAscii(token.text);
    default:
      return token.text;
  }
}

/** A canonical spelling of a SQL fragment, for comparing two texts for meaning, not layout. */
export function canonicalSql(sql: string): string {
  return canonicalTokens(tokenize(sql));
}

/** Operators SQLite spells two ways. */
const OPERATOR_SPELLINGS: Readonly<Record<string, string>> = { '==': '=', '<>': '!=' };

/**
 * `ASC` is every ordering's default, so it is left out where it is an ordering (after a term, not
 * where it stands for a column called asc: at the start of a term).
 */
function isRedundantAsc(tokens: readonly Token[], i: number): boolean {
  const before = tokens[i - 1]?.text;
  return isWord(tokens[i], 'ASC') && before !== undefined && before !== '(' && before !== ',' && before !== '.';
}

/** A unary `+` changes nothing in SQLite (not even the type): after an operator, a keyword or nothing. */
function isUnaryPlus(tokens: readonly Token[], i: number): boolean {
  if (tokens[i]?.text !== '+') return false;
  const before = tokens[i - 1];
  return (
    before === undefined ||
    (before.kind === 'punct' && before.text !== ')') ||
    (before.kind === 'word' && isKeyword(before.text))
  );
}

/**
 * Parentheses around one token (`(a) > (1)`), unless they are a call's (`f(x)`), a type's
 * (`VARCHAR(10)`) or an IN list's (`IN (t)` is a list of one, `IN t` a table).
 */
function isRedundantParen(tokens: readonly Token[], i: number): boolean {
  const text = tokens[i]?.text;
  const open = text === '(' ? i : text === ')' ? i - 2 : -1;
  if (open < 0 || tokens[open]?.text !== '(' || tokens[open + 2]?.text !== ')') return false;
  const inner = tokens[open + 1];
  const before = tokens[open - 1];
  if (inner === undefined || inner.kind === 'punct') return false;
  return !(
    before !== undefined &&
    (before.kind === 'quoted' || (before.kind === 'word' && (!isKeyword(before.text) || isWord(before, 'IN'))))
  );
}

/** `x ISNULL`, `x NOTNULL`, `x NOT NULL` are `x IS NULL` / `x IS NOT NULL`. */
function nullTestSpelling(tokens: readonly Token[], i: number): string | null {
  const token = tokens[i];
  if (isWord(token, 'ISNULL')) return 'is null';
  if (isWord(token, 'NOTNULL')) return 'is not null';
  if (isWord(token, 'NOT') && isWord(tokens[i + 1], 'NULL') && !isWord(tokens[i - 1], 'IS')) return 'is not';
  return null;
}

export function canonicalTokens(tokens: readonly Token[]): string {
  const out: string[] = [];
  tokens.forEach((token, i) => {
    if (isRedundantAsc(tokens, i) || isUnaryPlus(tokens, i) || isRedundantParen(tokens, i)) return;
    out.push(
      nullTestSpelling(tokens, i) ??
        (token.kind === 'punct' ? (OPERATOR_SPELLINGS[token.text] ?? token.text) : canonicalToken(token)),
    );
  });
  return out.join(' ');
}

/** A canonical expression: as canonicalSql, with redundant enclosing parentheses removed. */
export const canonicalExpression: (sql: string) => string = memoByText(canonicalExpressionText);

function canonicalExpressionText(sql: string): string {
  let tokens = tokenize(sql);
  while (tokens.length >= 2 && tokens[0]?.text === '(' && closingParen(tokens, 0) === tokens.length - 1) {
    tokens = tokens.slice(1, -1);
  }
  return canonicalTokens(tokens);
}

/** Index of the `)` matching the `(` at `open`, or -1. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.text;
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The token's identifier value if it can name something (a bare word or a quoted name). */
export function identifierOf(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'word' || token.kind === 'quoted') return token.value;
  if (token.kind === 'string') return token.text.slice(1, -1).replaceAll("''", "'");
  return undefined;
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.some((word) => word.toUpperCase() === token.text.toUpperCase());
}

/** Quotes an identifier for SQLite; always quoting keeps keywords, spaces and case safe. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
