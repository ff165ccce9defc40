/**
 * Small SCHEMA_DIR registries for route tests: a version 1, a version 2 that adds a column, a table
 * and a UNIQUE index (so duplicate rows make applying it fail), and helpers to read a database.
 */
import type { Client } from '@libsql/client';
import type { Test } from 'tap';
import { schemaDir } from './app.js';

export const V1 = `-- description: Notes
-- created_at: 2024-01-01T00:00:00Z
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
`;

export const V2 = `-- description: Pinned notes, unique bodies, tags
-- created_at: 2024-02-01T00:00:00Z
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX notes_body ON notes (body);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
`;

/** Registries at version 1 only, and at versions 1 and 2. */
export function registries(t: Test): { v1: string; v2: string } {
  return { v1: schemaDir(t, { '1.0.0.sql': V1 }), v2: schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 }) };
}

export async function auditRows(client: Client): Promise<{ version: string; statements: number }[]> {
  const result = await client.execute('SELECT version, statements FROM schema_version ORDER BY id');
  return result.rows.map((row) => ({ version: String(row['version']), statements: Number(row['statements']) }));
}

export async function objectNames(client: Client): Promise<string[]> {
  const result = await client.execute("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
  return result.rows.map((row) => String(row['name']));
}

export async function noteBodies(client: Client): Promise<string[]> {
  return (await client.execute('SELECT body FROM notes ORDER BY id')).rows.map((row) => String(row['body']));
}
