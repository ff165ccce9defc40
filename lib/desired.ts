/**
 * The desired state is normalised by SQLite itself: the DDL is loaded into an in-memory libSQL
 * database and introspected like any user database (Atlas calls this the dev database), so types,
 * defaults, autoindexes and constraint order compare in the same form on both sides.
 *
 * Only schema statements get that far. Every statement is read first and anything else (ATTACH and
 * VACUUM INTO write files, INSERT/PRAGMA change nothing a schema can hold) is refused with its line
 * before a single statement runs.
 */
import type { Client } from '@libsql/client';
import { columnText, createLocalClient } from './libsql.js';
import type { DatabaseSchema } from './model.js';
import { foldName } from './model.js';
import { introspect, isInternalName } from './introspect.js';
import { createHead, type CreateType } from './sql/create-head.js';
import { splitScript, type Statement } from './sql/statements.js';
import { canonicalTokens, isWord, SqlSyntaxError, type Token } from './sql/tokens.js';

export class DesiredSchemaError extends Error {
  constructor(
    message: string,
    readonly statement: string | null,
    /** 1-based line in the schema text, when the problem has one. */
    readonly line: number | null = null,
    /** 1-based column on that line, when known (where SQLite stopped reading). */
    readonly column: number | null = null,
  ) {
    super(message);
    this.name = 'DesiredSchemaError';
  }
}

export interface DesiredSchemaOptions {
  /** Where the text came from, for messages: e.g. `schema file next.sql`. */
  readonly origin?: string | undefined;
  /** Refuse a schema without tables (applied with drops allowed, it would drop everything). */
  readonly requireTables?: boolean;
}

/** `<origin>, line N[, column C]: problem` (each part only when known). */
export function schemaProblem(
  origin: string | undefined,
  line: number | null,
  problem: string,
  statement: string | null = null,
  column: number | null = null,
): DesiredSchemaError {
  const where = [
    origin,
    line === null ? undefined : `line ${line}`,
    line === null || column === null ? undefined : `column ${column}`,
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(', ');
  return new DesiredSchemaError(where === '' ? problem : `${where}: ${problem}`, statement, line, column);
}

/** Line and column (1-based) of an offset into a text whose first character is at `line`, `column`. */
function positionIn(text: string, offset: number, line: number, column: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return {
    line: line + before.split('\n').length - 1,
    column: lastBreak < 0 ? column + offset : offset - lastBreak,
  };
}

/**
 * Where in a statement SQLite stopped reading, for its syntax errors: the token its message names
 * (`near "X"`, `unrecognized token: "X"`), found by preparing the statement up to each place that
 * token is written (EXPLAIN compiles and runs nothing) until SQLite fails there with the same
 * words; `incomplete input` is the statement's end. An offset into the statement's text, or null.
 */
async function syntaxErrorOffset(client: Client, statement: Statement, message: string): Promise<number | null> {
  if (/^incomplete input$/.test(message)) return statement.text.length;
  const named = /^(?:near "(.*)": syntax error|unrecognized token: "(.*)")$/s.exec(message);
  const token = named?.[1] ?? named?.[2];
  if (token === undefined) return null;
  for (const candidate of statement.tokens) {
    if (candidate.text !== token) continue;
    const end = candidate.end - statement.start;
    try {
      await client.execute(`EXPLAIN ${statement.text.slice(0, end)}`);
    } catch (error) {
      if (sqliteMessage(error) === message) return candidate.start - statement.start;
    }
  }
  return null;
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function invalidUtf8At(bytes: Uint8Array): number {
  const at = (i: number): number => bytes[i] ?? -1;
  const within = (i: number, low: number, high: number): boolean => at(i) >= low && at(i) <= high;
  let i = 0;
  while (i < bytes.length) {
    const lead = at(i);
    if (lead < 0x80) {
      i++;
      continue;
    }
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    if (!within(i + 1, low, high)) return i;
    for (let k = 2; k < length; k++) if (!within(i + k, 0x80, 0xbf)) return i;
    i += length;
  }
  return -1;
}

/**
 * Decodes schema bytes strictly: a byte that is not UTF-8 is an error naming its line, never a
 * U+FFFD quietly stored in a default or a CHECK. A leading byte-order mark is dropped.
 */
export function decodeSchemaText(bytes: Uint8Array, options: DesiredSchemaOptions = {}): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8At(bytes);
    const line = offset < 0 ? null : bytes.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
    const detail = offset < 0 ? '' : ` (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')})`;
    throw schemaProblem(options.origin, line, `the text is not valid UTF-8${detail}; save the file as UTF-8`);
  }
}

type ObjectType = CreateType;

interface CreateStatement {
  readonly type: ObjectType;
  readonly virtual: boolean;
  readonly name: string;
  readonly ifNotExists: boolean;
}

/** The first line of a statement, shortened, to name it in a message. */
function excerpt(statement: Statement): string {
  const lines = statement.text.split('\n');
  const first = (lines[0] ?? '').trim();
  if (first.length > 60) return `${first.slice(0, 57)} …`;
  return lines.length > 1 ? `${first} …` : first;
}

/** What `sqlite3 .schema` prints for the tables SQLite makes itself; skipped, never created. */
const SQLITE_OWN_TABLES = new Set(
  [
    'CREATE TABLE sqlite_sequence(name,seq)',
    'CREATE TABLE sqlite_stat1(tbl,idx,stat)',
    'CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)',
  ].map((sql) => canonicalTokens(splitScript(sql).statements[0]?.tokens ?? [])),
);

/**
 * What `sqlite3 .dump` wraps a schema in (`PRAGMA foreign_keys=OFF; BEGIN TRANSACTION; … COMMIT;`,
 * and `DELETE FROM sqlite_sequence;` once AUTOINCREMENT is used): accepted, and never run.
 */
function isDumpFraming(tokens: readonly Token[]): boolean {
  const text = tokens.map((token) => token.text.toUpperCase()).join(' ');
  return (
    /^PRAGMA FOREIGN_KEYS = (OFF|0|FALSE|NO)$/.test(text) ||
    /^(BEGIN|COMMIT|END)( TRANSACTION)?$/.test(text) ||
    text === 'DELETE FROM SQLITE_SEQUENCE'
  );
}

const ALLOWED =
  'a desired schema holds only CREATE TABLE, CREATE VIRTUAL TABLE, CREATE INDEX, CREATE VIEW and CREATE TRIGGER statements (and comments)';

/**
 * Reads what a statement creates, or null for the dump framing and SQLite's own tables; throws for
 * anything that is not a schema statement.
 */
function readCreate(statement: Statement, origin: string | undefined): CreateStatement | null {
  const { tokens, line } = statement;
  const refuse = (problem: string): DesiredSchemaError => schemaProblem(origin, line, problem, statement.text);
  if (isDumpFraming(tokens)) return null;
  if (isWord(tokens[0], 'CREATE') && isWord(tokens[1], 'TEMP', 'TEMPORARY'))
    throw refuse(`${excerpt(statement)}: a TEMP object is not part of a database's schema`);
  const head = createHead(tokens);
  if (head === null || (head.virtual && head.type !== 'table'))
    throw refuse(`${excerpt(statement)} is not a schema statement; ${ALLOWED}. Nothing was run.`);
  const { type, virtual, ifNotExists, schema, name } = head;
  if (schema !== undefined && foldName(schema) !== 'main') {
    throw refuse(
      `${excerpt(statement)}: only the main schema can be described${foldName(schema) === 'temp' ? ' (TEMP objects are not part of it)' : ''}`,
    );
  }
  if (name === undefined) throw refuse(`${excerpt(statement)}: expected the ${type}'s name`);
  if (type === 'table' && !virtual && isWord(tokens[head.nameAt + 1], 'AS')) {
    throw refuse(`${excerpt(statement)}: CREATE TABLE … AS SELECT copies rows; write the table's columns out`);
  }
  if (/^sqlite_/i.test(name)) {
    if (type === 'table' && !virtual && SQLITE_OWN_TABLES.has(canonicalTokens(tokens))) return null;
    throw refuse(`${type} "${name}": names starting with sqlite_ belong to SQLite itself; rename it`);
  }
  // Introspection leaves these out: a desired object so named would never be created, yet every
  // plan would say "in sync".
  if (isInternalName(name)) {
    throw refuse(
      `${type} "${name}" has a name schema-sync reserves for itself (schema_version, _schema_sync_*, libsql_*): rename it`,
    );
  }
  return { type, virtual, name, ifNotExists };
}

/** Tables, views and indexes share one namespace in SQLite; triggers have their own. */
const namespaceOf = (type: ObjectType): string => (type === 'trigger' ? 'trigger' : 'relation');

/** Reads every statement and refuses the script before anything runs. */
function checkStatements(
  statements: readonly Statement[],
  origin: string | undefined,
): Array<{ statement: Statement; create: CreateStatement }> {
  const seen = new Map<string, { type: ObjectType; line: number }>();
  const creates: Array<{ statement: Statement; create: CreateStatement }> = [];
  for (const statement of statements) {
    const create = readCreate(statement, origin);
    if (create === null) continue;
    const key = `${namespaceOf(create.type)}:${foldName(create.name)}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw schemaProblem(
        origin,
        statement.line,
        `a second definition of "${create.name}" (${create.type}); line ${first.line} already defines ` +
          `${first.type} "${create.name}". Each object is defined once${create.ifNotExists ? ' (IF NOT EXISTS does not make a second one harmless)' : ''}`,
        statement.text,
      );
    }
    seen.set(key, { type: create.type, line: statement.line });
    creates.push({ statement, create });
  }
  return creates;
}

/** A driver message without its `SQLITE_ERROR: ` code prefix. */
const sqliteMessage = (error: unknown): string => (error as Error).message.replace(/^(SQLITE_[A-Z_]+: )+/, '');

/**
 * `CREATE TABLE IF NOT EXISTS` of a table that already exists was made by a virtual table in this
 * script (the shadow tables `sqlite3 .schema` prints): fine when it says what SQLite made, else a
 * second definition.
 */
async function checkExisting(
  client: Client,
  statement: Statement,
  create: CreateStatement,
  origin: string | undefined,
): Promise<boolean> {
  if (!create.ifNotExists) return false;
  const found = await client.execute({
    sql: 'SELECT type, sql FROM sqlite_schema WHERE lower(name) = lower(?)',
    args: [create.name],
  });
  const row = found.rows[0];
  if (row === undefined) return false;
  const at = statement.tokens.findIndex((token) => isWord(token, 'IF'));
  const withoutIfNotExists = statement.tokens.filter((_, i) => i < at || i > at + 2);
  const existing = splitScript(columnText(row['sql'] ?? '')).statements[0]?.tokens ?? [];
  if (canonicalTokens(existing) === canonicalTokens(withoutIfNotExists)) return true;
  throw schemaProblem(
    origin,
    statement.line,
    `a second definition of "${create.name}": an earlier statement already created ${columnText(row['type'])} ` +
      `"${create.name}" differently`,
    statement.text,
  );
}

/** Loads checked statements into a fresh in-memory database and introspects it. */
export async function loadDesiredStatements(
  statements: readonly Statement[],
  options: DesiredSchemaOptions = {},
): Promise<DatabaseSchema> {
  const creates = checkStatements(statements, options.origin);
  const client = createLocalClient({ url: ':memory:' });
  try {
    for (const { statement, create } of creates) {
      if (await checkExisting(client, statement, create, options.origin)) continue;
      try {
        await client.execute(statement.text);
      } catch (error) {
        // A syntax error names the line (and column) SQLite stopped at, not the statement's first.
        const message = sqliteMessage(error);
        const offset = await syntaxErrorOffset(client, statement, message);
        const at = offset === null ? null : positionIn(statement.text, offset, statement.line, statement.column);
        throw schemaProblem(
          options.origin,
          at?.line ?? statement.line,
          `${message} in: ${statement.text}`,
          statement.text,
          at?.column ?? null,
        );
      }
    }
    const schema = await introspect(client);
    if (options.requireTables === true && schema.tables.length === 0) {
      throw schemaProblem(
        options.origin,
        null,
        'the schema defines no tables (an empty desired schema would drop everything); a schema needs at least one CREATE TABLE',
      );
    }
    return schema;
  } finally {
    client.close();
  }
}

/** Splits a script, turning a tokenizer error into one that names the line. */
export function readScript(sql: string, options: DesiredSchemaOptions = {}): ReturnType<typeof splitScript> {
  // SQLite reads SQL text as a C string: everything after a NUL would silently not exist.
  const nul = sql.indexOf('\u0000');
  if (nul >= 0)
    throw schemaProblem(
      options.origin,
      sql.slice(0, nul).split('\n').length,
      'the text holds a NUL character, which SQLite would read as the end of the SQL',
    );
  try {
    return splitScript(sql);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    const at = positionIn(sql, error.offset, 1, 1);
    throw schemaProblem(options.origin, at.line, `cannot read the SQL: ${error.message}`, null, at.column);
  }
}

/** Loads a desired schema from DDL text (or its UTF-8 bytes). Comments, annotations included, are ignored. */
export async function loadDesiredSchema(
  sql: string | Uint8Array,
  options: DesiredSchemaOptions = {},
): Promise<DatabaseSchema> {
  const text = typeof sql === 'string' ? sql : decodeSchemaText(sql, options);
  return loadDesiredStatements(readScript(text, options).statements, options);
}
