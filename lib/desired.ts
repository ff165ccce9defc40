/**
 * The desired state is normalised by SQLite itself: the DDL is loaded into an in-memory libSQL
 * database and introspected like any user database (Atlas calls this the dev database), so types,
 * defaults, autoindexes and constraint order compare in the same form on both sides.
 */
import { createClient } from '@libsql/client';
import type { DatabaseSchema } from './model.js';
import { introspect, isInternalName } from './introspect.js';
import { identifierOf, isWord, splitStatements, tokenize } from './sql/tokens.js';

export class DesiredSchemaError extends Error {
  constructor(message: string, readonly statement: string | null) {
    super(message);
    this.name = 'DesiredSchemaError';
  }
}

/**
 * `sqlite3 app.db .schema` prints the tables SQLite makes for itself (`CREATE TABLE
 * sqlite_sequence(name,seq);` once AUTOINCREMENT is used, `sqlite_stat1` after ANALYZE). They are
 * not part of the application's schema, and SQLite refuses to create them, so they are skipped.
 */
function createsSqliteTable(statement: string): boolean {
  const tokens = tokenize(statement);
  let i = 0;
  if (!isWord(tokens[i++], 'CREATE')) return false;
  if (isWord(tokens[i], 'TEMP', 'TEMPORARY')) i++;
  if (!isWord(tokens[i++], 'TABLE')) return false;
  if (isWord(tokens[i], 'IF')) i += 3;
  if (tokens[i + 1]?.text === '.') i += 2;
  return /^sqlite_/i.test(identifierOf(tokens[i]) ?? '');
}

export async function loadDesiredSchema(sql: string): Promise<DatabaseSchema> {
  let statements: string[];
  try {
    statements = splitStatements(sql).filter((statement) => !createsSqliteTable(statement));
  } catch (error) {
    throw new DesiredSchemaError(`cannot read the SQL: ${(error as Error).message}`, null);
  }
  const client = createClient({ url: ':memory:' });
  try {
    for (const statement of statements) {
      try {
        await client.execute(statement);
      } catch (error) {
        throw new DesiredSchemaError(`${(error as Error).message} in: ${statement}`, statement);
      }
    }
    // Introspection leaves out the names this service owns; a desired object so named would be
    // silently ignored (never created, yet every plan "in sync"), so it is refused instead.
    const reserved = (await client.execute("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")).rows
      .find((row) => isInternalName(String(row['name'])));
    if (reserved !== undefined) {
      throw new DesiredSchemaError(`${String(reserved['type'])} "${String(reserved['name'])}" has a name schema-sync reserves for itself `
        + `(schema_version, _schema_sync_*, libsql_*): rename it`, null);
    }
    return await introspect(client);
  } finally {
    client.close();
  }
}
