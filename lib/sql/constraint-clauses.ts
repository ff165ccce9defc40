/**
 * The clauses of a CREATE TABLE that change how the table behaves but that no pragma reports:
 * `ON CONFLICT` resolutions of PRIMARY KEY / NOT NULL / UNIQUE, `DEFERRABLE INITIALLY DEFERRED`
 * foreign keys, and DESC primary-key columns. Each is reported against the columns it applies to
 * (by position, so rename hints that change model names still line up) in a canonical form, so
 * inline and table-level spellings of the same clause compare equal. Defaults (ABORT, immediate,
 * ASC) are not reported at all.
 */
import { memoByText } from './memo.js';
import { closingParen, identifierOf, isWord, tokenize, type Token } from './tokens.js';

export interface ConstraintClause {
  /** 0-based positions, in declaration order, of the columns the clause applies to. */
  readonly columns: readonly number[];
  /** e.g. `unique on conflict ignore`, `references deferred`, `primary key desc`. */
  readonly clause: string;
}

const TABLE_CONSTRAINT_STARTS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

function splitTopLevel(tokens: readonly Token[], from: number, to: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let start = from;
  for (let i = from; i < to; i++) {
    if (tokens[i]?.text === '(') i = closingParen(tokens, i);
    else if (tokens[i]?.text === ',') {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts.filter(([a, b]) => a < b);
}

/** `ON CONFLICT <resolution>` at `i`, when it is not the default ABORT. */
function conflictAt(tokens: readonly Token[], i: number): string | null {
  if (!isWord(tokens[i], 'ON') || !isWord(tokens[i + 1], 'CONFLICT')) return null;
  const resolution = tokens[i + 2]?.text.toLowerCase() ?? '';
  return resolution === 'abort' ? '' : resolution;
}

/** `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]` at `i` (DEFERRABLE): true when deferred. */
function deferredAt(tokens: readonly Token[], i: number): boolean {
  return !isWord(tokens[i - 1], 'NOT') && isWord(tokens[i + 1], 'INITIALLY') && isWord(tokens[i + 2], 'DEFERRED');
}

export const constraintClauses: (sql: string) => readonly ConstraintClause[] = memoByText(constraintClausesText);

function constraintClausesText(sql: string): ConstraintClause[] {
  const tokens = tokenize(sql);
  const open = tokens.findIndex((token) => token.text === '(');
  if (open < 0 || isWord(tokens[1], 'VIRTUAL')) return [];
  const close = closingParen(tokens, open);
  if (close < 0) return [];
  const clauses: ConstraintClause[] = [];
  const positions = new Map<string, number>();
  const position = (token: Token | undefined): number | undefined => {
    const name = identifierOf(token);
    return name === undefined ? undefined : positions.get(name.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  };
  let inConstraints = false;
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    if (!inConstraints && tokens[from]?.kind === 'word' && isWord(tokens[from], ...TABLE_CONSTRAINT_STARTS))
      inConstraints = true;
    if (!inConstraints) {
      const name = identifierOf(tokens[from]);
      if (name === undefined) continue;
      const column = positions.size;
      positions.set(
        name.replace(/[A-Z]/g, (c) => c.toLowerCase()),
        column,
      );
      let kind: string | null = null;
      for (let i = from + 1; i < to; i++) {
        const token = tokens[i];
        if (token?.text === '(') {
          i = closingParen(tokens, i);
          continue;
        }
        if (isWord(token, 'PRIMARY')) {
          kind = 'primary key';
          if (isWord(tokens[i + 2], 'DESC')) clauses.push({ columns: [column], clause: 'primary key desc' });
        } else if (isWord(token, 'NOT') && isWord(tokens[i + 1], 'NULL')) {
          kind = 'not null';
          i++;
        } else if (isWord(token, 'UNIQUE')) {
          kind = 'unique';
        } else if (isWord(token, 'REFERENCES')) {
          kind = 'references';
        } else if (isWord(token, 'CHECK', 'DEFAULT', 'COLLATE', 'GENERATED', 'AS', 'CONSTRAINT')) {
          kind = null;
        } else if (isWord(token, 'DEFERRABLE')) {
          if (kind === 'references' && deferredAt(tokens, i))
            clauses.push({ columns: [column], clause: 'references deferred' });
        } else {
          const conflict = conflictAt(tokens, i);
          if (conflict === null) continue;
          if (conflict !== '' && kind !== null && kind !== 'references')
            clauses.push({ columns: [column], clause: `${kind} on conflict ${conflict}` });
          i += 2;
        }
      }
      continue;
    }
    let i = from;
    if (isWord(tokens[i], 'CONSTRAINT')) i += 2;
    const kind = isWord(tokens[i], 'PRIMARY')
      ? 'primary key'
      : isWord(tokens[i], 'UNIQUE')
        ? 'unique'
        : isWord(tokens[i], 'FOREIGN')
          ? 'references'
          : null;
    if (kind === null) continue;
    const listOpen = kind === 'unique' ? i + 1 : i + 2;
    if (tokens[listOpen]?.text !== '(') continue;
    const listClose = closingParen(tokens, listOpen);
    if (listClose < 0) continue;
    const columns: number[] = [];
    for (const [a, b] of splitTopLevel(tokens, listOpen + 1, listClose)) {
      const at = position(tokens[a]);
      if (at === undefined) continue;
      columns.push(at);
      if (kind === 'primary key' && isWord(tokens[b - 1], 'DESC'))
        clauses.push({ columns: [at], clause: 'primary key desc' });
    }
    for (let k = listClose + 1; k < to; k++) {
      if (tokens[k]?.text === '(') {
        k = closingParen(tokens, k);
        continue;
      }
      if (kind === 'references' && isWord(tokens[k], 'DEFERRABLE')) {
        if (deferredAt(tokens, k)) clauses.push({ columns, clause: 'references deferred' });
        continue;
      }
      const conflict = conflictAt(tokens, k);
      if (conflict === null) continue;
      if (conflict !== '' && kind !== 'references')
        clauses.push({ columns, clause: `${kind} on conflict ${conflict}` });
      k += 2;
    }
  }
  return clauses;
}
