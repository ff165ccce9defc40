/**
 * Reads a database's whole schema in ONE round trip: sqlite_schema joined with the pragma
 * table-valued functions, each table's details folded into JSON. On Turso every round trip is a
 * network hop, so this costs the same on a local file and on a remote database.
 */
import type { Client } from '@libsql/client';
import type {
  Column,
  DatabaseSchema,
  ForeignKey,
  ForeignKeyAction,
  Index,
  IndexColumn,
  Table,
  Trigger,
  View,
} from './model.js';
import { foldName } from './model.js';
import { parseCreateTable, type ParsedCreateTable } from './sql/create-table.js';
import { tokenize } from './sql/tokens.js';
import { SCHEMA_VERSION_TABLE } from './audit.js';

/** Objects that belong to SQLite, libSQL or this service (its audit table among them) rather than to the application. */
export function isInternalName(name: string): boolean {
  const folded = foldName(name);
  return (
    folded.startsWith('sqlite_') ||
    folded.startsWith('libsql_') ||
    folded === SCHEMA_VERSION_TABLE ||
    folded.startsWith('_schema_sync_')
  );
}

export const INTROSPECTION_SQL = `
SELECT s.type, s.name, s.tbl_name, s.sql,
  (SELECT json_object('type', t.type, 'strict', t.strict, 'wr', t.wr)
     FROM pragma_table_list(s.name) AS t WHERE t.schema = 'main') AS info,
  CASE WHEN s.type = 'table' THEN (
    SELECT json_group_array(json_object('name', c.name, 'type', c.type, 'notnull', c."notnull",
             'dflt', c.dflt_value, 'pk', c.pk, 'hidden', c.hidden))
      FROM (SELECT * FROM pragma_table_xinfo(s.name) ORDER BY cid) AS c) END AS columns,
  CASE WHEN s.type = 'table' THEN (
    SELECT json_group_array(json_object('id', f.id, 'seq', f.seq, 'table', f."table", 'from', f."from",
             'to', f."to", 'on_update', f.on_update, 'on_delete', f.on_delete))
      FROM (SELECT * FROM pragma_foreign_key_list(s.name) ORDER BY id, seq) AS f) END AS foreign_keys,
  CASE WHEN s.type = 'table' THEN (
    SELECT json_group_array(json_object('name', il.name, 'unique', il."unique", 'origin', il.origin,
             'partial', il.partial,
             'columns', (SELECT json_group_array(json_object('cid', x.cid, 'name', x.name,
                                   'desc', x."desc", 'coll', x.coll))
                           FROM (SELECT * FROM pragma_index_xinfo(il.name) WHERE key = 1 ORDER BY seqno) AS x)))
      FROM pragma_index_list(s.name) AS il) END AS indexes
FROM sqlite_schema AS s
ORDER BY s.type, s.name`;

interface RawColumn {
  name: string;
  type: string;
  notnull: number;
  dflt: string | null;
  pk: number;
  hidden: number;
}
interface RawForeignKey {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}
interface RawIndex {
  name: string;
  unique: number;
  origin: string;
  partial: number;
  columns: Array<{ cid: number; name: string | null; desc: number; coll: string }>;
}
interface RawInfo {
  type: string;
  strict: number;
  wr: number;
}

function parseJson<T>(value: unknown, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

function normaliseType(type: string): string {
  return tokenize(type)
    .map((token) => token.text.toUpperCase())
    .join(' ')
    .replace(/ \( /g, '(')
    .replace(/ \)/g, ')')
    .replace(/ , /g, ',');
}

function toAction(action: string): ForeignKeyAction {
  const upper = action.toUpperCase();
  const known: readonly ForeignKeyAction[] = ['NO ACTION', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'CASCADE'];
  return known.find((candidate) => candidate === upper) ?? 'NO ACTION';
}

function buildForeignKeys(raw: readonly RawForeignKey[]): ForeignKey[] {
  const byId = new Map<number, RawForeignKey[]>();
  for (const part of raw) byId.set(part.id, [...(byId.get(part.id) ?? []), part]);
  return [...byId.values()].map((parts) => {
    const first = parts[0] as RawForeignKey;
    const targets = parts.map((part) => part.to);
    return {
      columns: parts.map((part) => part.from),
      targetTable: first.table,
      targetColumns: targets.every((target) => target === null) ? [] : targets.map((target) => target ?? ''),
      onDelete: toAction(first.on_delete),
      onUpdate: toAction(first.on_update),
    };
  });
}

function buildTable(
  name: string,
  sql: string,
  info: RawInfo | null,
  rawColumns: readonly RawColumn[],
  rawForeignKeys: readonly RawForeignKey[],
  rawIndexes: readonly RawIndex[],
): Table {
  const parsed: ParsedCreateTable = parseCreateTable(sql);
  const parsedColumns = new Map(parsed.columns.map((column) => [foldName(column.name), column]));
  const uniqueColumns = new Set(
    rawIndexes
      .filter((index) => index.origin === 'u' && index.columns.length === 1)
      .map((index) => foldName(index.columns[0]?.name ?? '')),
  );
  const columns: Column[] = rawColumns.map((raw) => {
    const fromText = parsedColumns.get(foldName(raw.name));
    return {
      name: raw.name,
      type: normaliseType(raw.type),
      notNull: raw.notnull === 1,
      defaultSql: raw.dflt,
      primaryKeyPosition: raw.pk,
      collate: fromText?.collate ?? null,
      generated: fromText?.generated ?? null,
      hidden: raw.hidden === 1,
      unique: uniqueColumns.has(foldName(raw.name)),
      checks: fromText?.checks ?? [],
      definitionSql: fromText?.definitionSql ?? raw.name,
    };
  });
  const primaryKey = columns
    .filter((column) => column.primaryKeyPosition > 0)
    .sort((a, b) => a.primaryKeyPosition - b.primaryKeyPosition)
    .map((column) => column.name);
  const uniques = rawIndexes.filter((index) => index.origin === 'u').map((index) => toIndexColumns(index.columns));
  return {
    name,
    sql,
    columns,
    primaryKey,
    autoincrement: parsed.columns.some((column) => column.autoincrement),
    foreignKeys: buildForeignKeys(rawForeignKeys),
    checks: parsed.checks,
    uniques,
    strict: info?.strict === 1,
    withoutRowid: info?.wr === 1,
    virtual: parsed.virtual,
  };
}

function toIndexColumns(raw: RawIndex['columns']): IndexColumn[] {
  return raw.map((column) => ({ name: column.name, desc: column.desc === 1, collate: column.coll }));
}

function byName<T extends { readonly name: string }>(a: T, b: T): number {
  const left = foldName(a.name);
  const right = foldName(b.name);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Turns the rows of INTROSPECTION_SQL into the model; pure, so tests can feed it rows. */
export function schemaFromRows(rows: ReadonlyArray<Record<string, unknown>>): DatabaseSchema {
  const tables: Table[] = [];
  const indexes: Index[] = [];
  const triggers: Trigger[] = [];
  const views: View[] = [];
  for (const row of rows) {
    const type = String(row['type']);
    const name = String(row['name']);
    const tableName = String(row['tbl_name']);
    const sql = typeof row['sql'] === 'string' ? row['sql'] : null;
    const info = parseJson<RawInfo | null>(row['info'], null);
    if (isInternalName(name) || isInternalName(tableName) || info?.type === 'shadow') continue;
    if (type === 'table' && sql !== null) {
      const rawIndexes = parseJson<RawIndex[]>(row['indexes'], []);
      tables.push(
        buildTable(
          name,
          sql,
          info,
          parseJson<RawColumn[]>(row['columns'], []),
          parseJson<RawForeignKey[]>(row['foreign_keys'], []),
          rawIndexes,
        ),
      );
      for (const raw of rawIndexes) {
        indexes.push({
          name: raw.name,
          table: name,
          unique: raw.unique === 1,
          origin: raw.origin === 'u' || raw.origin === 'pk' ? raw.origin : 'c',
          partial: raw.partial === 1,
          columns: toIndexColumns(raw.columns),
          sql: null,
        });
      }
    } else if (type === 'trigger' && sql !== null) {
      triggers.push({ name, table: tableName, sql });
    } else if (type === 'view' && sql !== null) {
      views.push({ name, sql });
    }
  }
  // Index rows come from pragma_index_list; their CREATE INDEX text lives in sqlite_schema.
  const indexSql = new Map<string, string>();
  for (const row of rows) {
    if (row['type'] === 'index' && typeof row['sql'] === 'string')
      indexSql.set(foldName(String(row['name'])), row['sql']);
  }
  const withSql = indexes.map((index) => ({ ...index, sql: indexSql.get(foldName(index.name)) ?? null }));
  return {
    tables: tables.sort(byName),
    indexes: withSql.sort(byName),
    triggers: triggers.sort(byName),
    views: views.sort(byName),
  };
}

/** Introspects the database behind `client` in one round trip. */
export async function introspect(client: Client): Promise<DatabaseSchema> {
  const result = await client.execute(INTROSPECTION_SQL);
  return schemaFromRows(result.rows);
}
