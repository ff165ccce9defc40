/**
 * The desired state is normalised by SQLite itself: the DDL is loaded into an in-memory libSQL
 * database and introspected like any user database (Atlas calls this the dev database), so types,
 * defaults, autoindexes and constraint order compare in the same form on both sides.
 */
import { createClient } from '@libsql/client';
import type { DatabaseSchema } from './model.js';
import { introspect } from './introspect.js';
import { splitStatements } from './sql/tokens.js';

export class DesiredSchemaError extends Error {
  constructor(message: string, readonly statement: string | null) {
    super(message);
    this.name = 'DesiredSchemaError';
  }
}

export async function loadDesiredSchema(sql: string): Promise<DatabaseSchema> {
  let statements: string[];
  try {
    statements = splitStatements(sql);
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
    return await introspect(client);
  } finally {
    client.close();
  }
}
