/**
 * When `ALTER TABLE … ADD COLUMN` is safe. SQLite does not write the new column into old rows: it
 * reads the default from the schema for them. SQLite 3.45 (this libSQL) gets that wrong for real
 * values: with NOT NULL, `PRAGMA integrity_check` then reports NULL in every old row (and a STRICT
 * table refuses the ALTER); in TEXT or untyped columns the old rows read the literal's spelling
 * (`'1e3'`, integer 1 for `1.0`) where a newly inserted row stores SQLite's value (`'1000.0'`, real
 * 1.0). A rebuild stores the default into every row the way an INSERT does, so it is used instead.
 * The rules below were found by trying every type × literal × NOT NULL combination
 * (test/lib/plan-add-column-defaults.test.ts keeps doing so).
 */
import type { Column } from '../model.js';
import { closingParen, isWord, tokenize, type Token } from '../sql/tokens.js';

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** A declared type's affinity (SQLite's datatype documentation, section 3.1); STRICT ANY converts nothing. */
export function affinityOf(type: string, strict: boolean): Affinity {
  const upper = type.toUpperCase();
  if (strict && upper === 'ANY') return 'BLOB';
  if (upper.includes('INT')) return 'INTEGER';
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) return 'TEXT';
  if (upper.includes('BLOB') || upper === '') return 'BLOB';
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

const INT64_MAX = 9223372036854775807n;

/** Is this number literal a real (a fraction or exponent, or an integer too large for 64 bits)? */
function isRealNumber(text: string, negative: boolean): boolean {
  if (/^0x/i.test(text)) return false;
  if (/[.eE]/.test(text)) return true;
  const value = BigInt(text.replaceAll('_', ''));
  return value > INT64_MAX + (negative ? 1n : 0n);
}

/** Does this text, under a numeric affinity, turn into a real (SQLite keeps `'12'` an integer)? */
function looksLikeRealNumber(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return false;
  return /[.eE]/.test(trimmed) || isRealNumber(trimmed.replace(/^[+-]/, ''), trimmed.startsWith('-'));
}

/** The default with its enclosing parentheses and signs taken off. */
function literalOf(sql: string): {
  readonly token: Token | undefined;
  readonly signed: boolean;
  readonly negative: boolean;
} {
  let tokens = tokenize(sql);
  let negative = false;
  let signed = false;
  for (;;) {
    if (tokens.length >= 2 && tokens[0]?.text === '(' && closingParen(tokens, 0) === tokens.length - 1) {
      tokens = tokens.slice(1, -1);
    } else if (tokens[0]?.text === '-' || tokens[0]?.text === '+') {
      signed = true;
      if (tokens[0].text === '-') negative = !negative;
      tokens = tokens.slice(1);
    } else {
      break;
    }
  }
  return { token: tokens.length === 1 ? tokens[0] : undefined, signed, negative };
}

/**
 * Would adding this column with ADD COLUMN leave old rows reading something other than what an
 * INSERT would store (or fail integrity_check)?
 */
export function isUnsafeAddColumnDefault(column: Column, strict: boolean): boolean {
  if (column.defaultSql === null || column.generated !== null) return false;
  const { token, signed, negative } = literalOf(column.defaultSql);
  if (token === undefined || isWord(token, 'NULL', 'TRUE', 'FALSE')) return false;
  const affinity = affinityOf(column.type, strict);
  const numeric = affinity === 'INTEGER' || affinity === 'REAL' || affinity === 'NUMERIC';
  if (token.kind === 'number' && isRealNumber(token.text, negative)) return column.notNull || !numeric;
  if (token.kind === 'string') {
    // A sign makes a number of a string (`-'1.5'` is the real -1.5) whatever the column's affinity.
    if (signed && affinity !== 'TEXT') return true;
    return column.notNull && numeric && looksLikeRealNumber(token.text.slice(1, -1).replaceAll("''", "'"));
  }
  return false;
}
