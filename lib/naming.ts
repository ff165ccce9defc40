/**
 * User ids → database names.
 *
 * A user id comes from an identity provider (`user_2abcXYZ`, `auth0|5f7c8ec7`, `a.b@example.com`)
 * and is validated before it is used as a name. The name is an *encoding* of the id, not the id:
 * every name decodes back to exactly one id, so two users can never share a database, and names
 * use only `[a-z0-9_-]`, so they are safe as file names on case-insensitive file systems, can
 * never form a path (`/`, `\`, `..`), and also fit Turso's database-name alphabet.
 */

import { createHash } from 'node:crypto';

export const USER_ID_MAX_LENGTH = 128;

/**
 * The rule {@link checkUserId} enforces, as a JSON Schema pattern for route schemas (ajv compiles
 * it with the `u` flag): 1–128 printable ASCII characters except `/` and `\`, and not `.` or `..`.
 */
export const USER_ID_PATTERN = '^(?!\\.{1,2}$)[\\x21-\\x2E\\x30-\\x5B\\x5D-\\x7E]{1,128}$';

export type UserIdProblem =
  | 'not_a_string'
  | 'empty'
  | 'too_long'
  | 'control_character'
  | 'whitespace'
  | 'non_ascii'
  | 'path_separator'
  | 'dot_segment';

export type UserIdCheck =
  { readonly ok: true } | { readonly ok: false; readonly problem: UserIdProblem; readonly message: string };

const fail = (problem: UserIdProblem, message: string): UserIdCheck => ({ ok: false, problem, message });

/** Says precisely what is wrong with a user id, so a caller can fix it. */
export function checkUserId(id: unknown): UserIdCheck {
  if (typeof id !== 'string') return fail('not_a_string', 'user_id must be a string');
  if (id.length === 0) return fail('empty', 'user_id must not be empty');
  if (id.length > USER_ID_MAX_LENGTH) {
    return fail('too_long', `user_id must be at most ${USER_ID_MAX_LENGTH} characters (got ${id.length})`);
  }
  for (const ch of id) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      return fail('control_character', 'user_id must not contain control characters (NUL, newline, tab, …)');
    }
    if (code === 0x20) return fail('whitespace', 'user_id must not contain spaces');
    if (code > 0x7f) return fail('non_ascii', 'user_id must contain only ASCII characters');
    if (ch === '/' || ch === '\\') return fail('path_separator', "user_id must not contain '/' or '\\'");
  }
  if (id === '.' || id === '..') return fail('dot_segment', "user_id must not be '.' or '..'");
  return { ok: true };
}

export function isValidUserId(id: unknown): id is string {
  return checkUserId(id).ok;
}

export class InvalidUserIdError extends Error {
  override readonly name = 'InvalidUserIdError';
  constructor(
    readonly problem: UserIdProblem,
    message: string,
  ) {
    super(message);
  }
}

export function assertValidUserId(id: unknown): asserts id is string {
  const check = checkUserId(id);
  if (!check.ok) throw new InvalidUserIdError(check.problem, check.message);
}

/*
 * Two encodings, told apart by their first characters:
 *  - readable: `[a-z0-9-]` kept as is, every other byte as `_` + two lowercase hex digits
 *    (`User_1` → `_55ser_5f1`). `_` always starts an escape and hex digits are never `_`,
 *    so a readable name never contains `__`.
 *  - compact: `__` + lowercase base32 of the id, used when the readable form would be longer
 *    than READABLE_MAX (a 128-character id of capitals would otherwise need 384 characters,
 *    past the 255-byte file-name limit). At most 2 + 205 characters.
 */
const READABLE_MAX = 200;
const COMPACT_PREFIX = '__';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const NAME_PATTERN = /^[a-z0-9_-]+$/;

const isLiteral = (code: number): boolean =>
  (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d;

/** The database name for a user id. Throws {@link InvalidUserIdError} for an invalid id. */
export function databaseNameFor(userId: string): string {
  assertValidUserId(userId);
  let readable = '';
  for (let i = 0; i < userId.length; i++) {
    const code = userId.charCodeAt(i);
    readable += isLiteral(code) ? userId[i] : `_${code.toString(16).padStart(2, '0')}`;
  }
  return readable.length <= READABLE_MAX ? readable : COMPACT_PREFIX + base32(new TextEncoder().encode(userId));
}

/** The inverse of {@link databaseNameFor}; null for a name it cannot have produced. */
export function userIdForDatabaseName(name: string): string | null {
  if (!NAME_PATTERN.test(name)) return null;
  const id = name.startsWith(COMPACT_PREFIX) ? base32Decode(name.slice(COMPACT_PREFIX.length)) : decodeReadable(name);
  // Only canonical names decode: re-encoding must give the same name back.
  return id !== null && isValidUserId(id) && databaseNameFor(id) === name ? id : null;
}

function decodeReadable(name: string): string | null {
  let id = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string;
    if (ch !== '_') {
      id += ch;
      continue;
    }
    const hex = name.slice(i + 1, i + 3);
    if (!/^[0-9a-f]{2}$/.test(hex)) return null;
    id += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  return id;
}

/** Lowercase RFC 4648 base32 without padding; a last partial group of bits is zero-filled. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): string | null {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const value = BASE32.indexOf(ch);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out += String.fromCharCode((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/*
 * Turso database names: `[a-z0-9-]`, no leading, trailing or doubled dash, at most 64 characters,
 * and `<name>-<org>` must fit one DNS label (63). No injective encoding of a 128-character id fits,
 * so the name is a readable prefix (the id lowercased, other characters as dashes) plus 26 base32
 * characters (130 bits) of SHA-256 of the exact id: ids that differ only by case or `_` vs `-` get
 * different hashes. A collision is not assumed impossible: each database records its owner
 * (lib/providers/turso-owner.ts) and a mismatch is refused.
 */
export const TURSO_NAME_MAX = 64;
export const TURSO_HASH_LENGTH = 26;
const DNS_LABEL_MAX = 63;

/** How many characters a database name may have in `org`; below TURSO_HASH_LENGTH no name fits. */
export function tursoNameBudget(org: string): number {
  return Math.min(TURSO_NAME_MAX, DNS_LABEL_MAX - org.length - 1);
}

/** The Turso database name for a user id in `org`. Throws for an invalid id or an org too long for any name. */
export function tursoDatabaseNameFor(userId: string, org: string): string {
  assertValidUserId(userId);
  const budget = tursoNameBudget(org);
  if (budget < TURSO_HASH_LENGTH) {
    throw new RangeError(`TURSO_ORG ${JSON.stringify(org)} is too long: "<database>-<org>" must fit 63 characters`);
  }
  const hash = base32(createHash('sha256').update(userId, 'utf8').digest()).slice(0, TURSO_HASH_LENGTH);
  const room = budget - TURSO_HASH_LENGTH - 1;
  const slug = userId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, Math.max(0, room))
    .replace(/^-+|-+$/g, '');
  return slug === '' ? hash : `${slug}-${hash}`;
}

/** Whether `name` is a name Turso accepts (and the DNS label it becomes fits, given `org`). */
export function isTursoDatabaseName(name: string, org: string): boolean {
  return name.length <= tursoNameBudget(org) && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name);
}
