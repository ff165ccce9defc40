/**
 * A script split into statements and comments, each with the line it starts on, so a refusal can
 * say where ("line 12: ATTACH …"). Comments are kept because annotations live in them
 * (`-- @renamed from=old`), and the tokenizer drops them.
 */
import { isWord, tokenize, type Token } from './tokens.js';

export interface Statement {
  /** The statement's text, without its terminating semicolon. */
  readonly text: string;
  /** Its tokens, with offsets into the whole script. */
  readonly tokens: readonly Token[];
  /** Offsets into the whole script: first token's start, last token's end. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of its first token. */
  readonly line: number;
  /** 1-based column of its first token on that line. */
  readonly column: number;
}

export interface Comment {
  /** The comment's text without its markers (`--`, or `/*` and `*\/`). */
  readonly body: string;
  readonly kind: 'line' | 'block';
  readonly start: number;
  readonly line: number;
  /** Nothing but whitespace before it on its line. */
  readonly ownLine: boolean;
}

export interface Script {
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  /** 1-based line of an offset into the script. */
  lineAt(offset: number): number;
}

/** Line starts of a text, for offset → line by binary search. */
function lineIndex(sql: string): (offset: number) => number {
  const starts = [0];
  for (let i = sql.indexOf('\n'); i >= 0; i = sql.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** The comments in a gap between tokens (which holds only whitespace and comments). */
function commentsIn(sql: string, from: number, to: number, lineAt: (offset: number) => number, out: Comment[]): void {
  let i = from;
  while (i < to) {
    if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i);
      const end = eol < 0 || eol > to ? to : eol;
      out.push(comment(sql, i, 'line', sql.slice(i + 2, end).replace(/\r$/, ''), lineAt));
      i = end;
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 || close + 2 > to ? to : close + 2;
      out.push(comment(sql, i, 'block', sql.slice(i + 2, close < 0 ? end : close), lineAt));
      i = end;
    } else {
      i++;
    }
  }
}

function comment(
  sql: string,
  start: number,
  kind: Comment['kind'],
  body: string,
  lineAt: (offset: number) => number,
): Comment {
  const lineStart = sql.lastIndexOf('\n', start - 1) + 1;
  return { body, kind, start, line: lineAt(start), ownLine: sql.slice(lineStart, start).trim() === '' };
}

/**
 * Splits a script at top-level semicolons (a trigger body's semicolons sit between BEGIN and END), keeping each statement's tokens, offsets and line. Throws
 * SqlSyntaxError (with its offset) when the text does not tokenize.
 */
export function splitScript(sql: string): Script {
  const tokens = tokenize(sql);
  const lineAt = lineIndex(sql);
  const statements: Statement[] = [];
  const comments: Comment[] = [];
  let last = 0;
  for (const token of tokens) {
    commentsIn(sql, last, token.start, lineAt, comments);
    last = token.end;
  }
  commentsIn(sql, last, sql.length, lineAt, comments);

  let first: number | undefined;
  let isTrigger = false;
  let inTriggerBody = false;
  let caseDepth = 0;
  const close = (endIndex: number): void => {
    if (first === undefined) return;
    const own = tokens.slice(first, endIndex);
    const head = own[0] as Token;
    const tail = own[own.length - 1] as Token;
    statements.push({
      text: sql.slice(head.start, tail.end),
      tokens: own,
      start: head.start,
      end: tail.end,
      line: lineAt(head.start),
      column: head.start - sql.lastIndexOf('\n', head.start - 1),
    });
    first = undefined;
  };
  for (const [i, token] of tokens.entries()) {
    if (first === undefined) {
      if (token.text === ';') continue;
      first = i;
      isTrigger = false;
      inTriggerBody = false;
      caseDepth = 0;
    }
    if (isWord(token, 'TRIGGER') && isWord(tokens[i - 1], 'CREATE', 'TEMP', 'TEMPORARY')) isTrigger = true;
    if (isTrigger && isWord(token, 'BEGIN')) inTriggerBody = true;
    if (inTriggerBody && isWord(token, 'CASE')) caseDepth++;
    if (inTriggerBody && isWord(token, 'END')) {
      if (caseDepth > 0) caseDepth--;
      else inTriggerBody = false;
    }
    if (token.text === ';' && !inTriggerBody) close(i);
  }
  close(tokens.length);
  return { statements, comments, lineAt };
}

/** The statements' texts alone (setting up test databases, replaying a script by hand). */
export function splitStatements(sql: string): string[] {
  return splitScript(sql).statements.map((statement) => statement.text);
}
