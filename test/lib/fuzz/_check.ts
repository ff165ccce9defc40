/**
 * One differential fuzz case, end to end on a real libSQL file: build the current schema and its
 * rows, sync to the desired schema through the engine (in process), then check what the engine
 * promises against oracles that do not use the engine's own comparison code:
 *
 * - convergence: the database's schema, normalised here, equals SQLite's own view of the desired
 *   DDL (plus, in the default mode, exactly the columns and objects it must keep);
 * - planning again, and planning against a respelled desired schema, gives nothing;
 * - every row is intact: each surviving stored value is the one SQLite would store for it in the
 *   desired column (its affinity, computed by SQLite in a scratch table), kept columns exactly;
 * - `integrity_check` ok and `foreign_key_check` empty after every apply;
 * - or the apply failed cleanly (file bytes, sqlite_schema and rows unchanged) and for a reason
 *   the rows give: a fresh database with the desired DDL cannot hold them unchanged either.
 */
import { readFileSync } from 'node:fs';
import { createClient, type Client, type Value } from '@libsql/client';
import { loadDesiredSchema } from '../../../lib/desired.js';
import { loadSchemaSource, planOptionsAgainst } from '../../../lib/schema-source.js';
import { planMigration } from '../../../lib/plan/planner.js';
import { introspect } from '../../../lib/introspect.js';
import type { Column, DatabaseSchema, Table } from '../../../lib/model.js';
import { syncToSchema } from '../../../lib/sync.js';
import { parseCreateTable } from '../../../lib/sql/create-table.js';
import { splitStatements } from '../../../lib/sql/statements.js';
import { tokenize } from '../../../lib/sql/tokens.js';
import { tempDb } from '../_support.js';
import {
  findSpec,
  keyOf,
  parentKey,
  PLAIN,
  render,
  storedColumns,
  type Cell,
  type RowsSpec,
  type SchemaSpec,
  type Spelling,
  type TableSpec,
} from './_gen.js';

export interface FuzzCase {
  readonly current: SchemaSpec;
  readonly desired: SchemaSpec;
  readonly rows: RowsSpec;
  readonly destructive: boolean;
  readonly spelling: Spelling;
  /** How the desired DDL handed to the engine is spelled (plain when absent). */
  readonly desiredSpelling?: Spelling;
}

export interface Outcome {
  readonly kind: 'applied' | 'in sync' | 'refused';
  /** For a refusal: which legitimate reason (unique, check, not null, type, foreign key, key value). */
  readonly reason: string | null;
  readonly rows: number;
  readonly steps: readonly string[];
}

/** A broken promise: the message carries everything needed to replay the case. */
export class FuzzFailure extends Error {
  constructor(
    readonly what: string,
    readonly details: string,
  ) {
    super(`${what}\n${details}`);
    this.name = 'FuzzFailure';
  }
}

// ---------------------------------------------------------------- normalisation (independent of lib/plan/compare.ts)

const fold = (name: string): string => name.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Tokens in one spelling: identifiers unquoted and folded, keyword case, `!=`/`==`, ASC and IF NOT EXISTS dropped. */
export function normSql(sql: string, dropAsc = false): string {
  const tokens = tokenize(sql);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) continue;
    const word = token.kind === 'word' ? token.text.toUpperCase() : '';
    if (
      word === 'IF' &&
      tokens[i + 1]?.text.toUpperCase() === 'NOT' &&
      tokens[i + 2]?.text.toUpperCase() === 'EXISTS'
    ) {
      i += 2;
      continue;
    }
    if (dropAsc && word === 'ASC') continue;
    // BINARY is every column's and index's default collation
    if (word === 'COLLATE' && tokens[i + 1] !== undefined && fold(tokens[i + 1]?.value ?? '') === 'binary') {
      i++;
      continue;
    }
    if (token.kind === 'word' || token.kind === 'quoted') out.push(`«${fold(token.value)}»`);
    else if (token.text === '!=') out.push('<>');
    else if (token.text === '==') out.push('=');
    else if (token.kind === 'number' || token.kind === 'blob') out.push(fold(token.text));
    else out.push(token.text);
  }
  return out.join(' ');
}

function normExpr(sql: string): string {
  // a unary plus on a number literal changes nothing (DEFAULT +1)
  let text = normSql(sql).replace(/^\+ (?=[0-9.])/, '');
  while (text.startsWith('( ') && text.endsWith(' )')) {
    const inner = text.slice(2, -2);
    let depth = 0;
    let balanced = true;
    for (const part of inner.split(' ')) {
      if (part === '(') depth++;
      if (part === ')') depth--;
      if (depth < 0) balanced = false;
    }
    if (!balanced || depth !== 0) break;
    text = inner;
  }
  return text;
}

function normCollate(collate: string | null): string | null {
  return collate === null || fold(collate) === 'binary' ? null : fold(collate);
}

/** The table's rowid alias column (folded), if it has one: its NOT NULL changes nothing. */
function rowidAlias(table: Table): string | null {
  if (table.withoutRowid || table.primaryKey.length !== 1) return null;
  const key = fold(table.primaryKey[0] as string);
  const column = table.columns.find((c) => fold(c.name) === key);
  return column?.type === 'INTEGER' && !/PRIMARY\s+KEY\s+DESC/i.test(table.sql) ? key : null;
}

function normColumn(column: Column, alias: string | null): unknown {
  return {
    name: fold(column.name),
    type: column.type
      .replace(/\s+/g, ' ')
      .replace(/ ?\( ?/g, '(')
      .replace(/ ?\) ?/g, ')')
      .toUpperCase(),
    notNull: column.notNull && fold(column.name) !== alias,
    default: column.defaultSql === null || fold(column.defaultSql) === 'null' ? null : normExpr(column.defaultSql),
    pk: column.primaryKeyPosition,
    collate: normCollate(column.collate),
    generated: column.generated === null ? null : [normExpr(column.generated.expression), column.generated.storage],
    hidden: column.hidden,
  };
}

interface NormTable {
  readonly name: string;
  readonly columns: unknown[];
  readonly columnNames: string[];
  readonly keyed: readonly unknown[];
  readonly checks: string[];
  readonly uniques: string[];
  readonly fks: string[];
  readonly flags: unknown;
}

function normTable(table: Table, schema: DatabaseSchema, leaveOut: ReadonlySet<string> = new Set()): NormTable {
  const parentPk = (name: string): string[] =>
    schema.tables.find((t) => fold(t.name) === fold(name))?.primaryKey.map(fold) ?? [];
  const kept = (names: readonly (string | null)[]): boolean =>
    names.length > 0 && names.every((n) => n !== null && leaveOut.has(fold(n)));
  return {
    name: fold(table.name),
    columns: table.columns.map((column) => normColumn(column, rowidAlias(table))),
    columnNames: table.columns.map((column) => fold(column.name)),
    keyed: table.primaryKey.map(fold),
    checks: [...table.checks, ...table.columns.filter((c) => !leaveOut.has(fold(c.name))).flatMap((c) => c.checks)]
      .map(normExpr)
      .sort(),
    uniques: table.uniques
      .filter((u) => !kept(u.map((p) => p.name)))
      .map((u) => JSON.stringify(u.map((p) => [p.name === null ? null : fold(p.name), p.desc, normCollate(p.collate)])))
      .sort(),
    fks: table.foreignKeys
      .filter((fk) => !kept(fk.columns))
      .map((fk) =>
        JSON.stringify([
          fk.columns.map(fold),
          fold(fk.targetTable),
          fk.targetColumns.length === 0 ? parentPk(fk.targetTable) : fk.targetColumns.map(fold),
          fk.onDelete,
          fk.onUpdate,
        ]),
      )
      .sort(),
    flags: {
      strict: table.strict,
      withoutRowid: table.withoutRowid,
      autoincrement: table.autoincrement,
      virtual: table.virtual,
    },
  };
}

interface NormObjects {
  readonly indexes: Map<string, string>;
  readonly views: Map<string, string>;
  readonly triggers: Map<string, string>;
}

function normObjects(schema: DatabaseSchema): NormObjects {
  return {
    indexes: new Map(
      schema.indexes
        .filter((i) => i.origin === 'c' && i.sql !== null)
        .map((i) => [
          fold(i.name),
          JSON.stringify({
            table: fold(i.table),
            unique: i.unique,
            partial: i.partial,
            columns: i.columns.map((c) => [c.name === null ? null : fold(c.name), c.desc, normCollate(c.collate)]),
            sql: normSql(i.sql ?? '', true),
          }),
        ]),
    ),
    views: new Map(schema.views.map((v) => [fold(v.name), normSql(v.sql)])),
    triggers: new Map(schema.triggers.map((t) => [fold(t.name), JSON.stringify([fold(t.table), normSql(t.sql)])])),
  };
}

/** The whole schema in one comparable form (for the respelling sanity check and destructive mode). */
export function normSchema(schema: DatabaseSchema): string {
  const objects = normObjects(schema);
  const sorted = (map: Map<string, string>): Array<[string, string]> => [...map].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(
    {
      tables: schema.tables.map((t) => normTable(t, schema)).sort((a, b) => (a.name < b.name ? -1 : 1)),
      indexes: sorted(objects.indexes),
      views: sorted(objects.views),
      triggers: sorted(objects.triggers),
    },
    null,
    1,
  );
}

const indexText = (definition: string | undefined): string | null =>
  definition === undefined ? null : String((JSON.parse(definition) as { sql: string }).sql);

/**
 * Differences between the database's schema and what it must be: the desired schema, and in the
 * default mode also the columns, tables, indexes, views and triggers of `before` it must keep.
 */
function schemaDifferences(
  actual: DatabaseSchema,
  desired: DatabaseSchema,
  before: DatabaseSchema,
  destructive: boolean,
): string[] {
  const problems: string[] = [];
  const byName = (schema: DatabaseSchema, name: string): Table | undefined =>
    schema.tables.find((t) => fold(t.name) === fold(name));
  for (const want of desired.tables) {
    const have = byName(actual, want.name);
    if (have === undefined) {
      problems.push(`table ${want.name} missing`);
      continue;
    }
    const previous = byName(before, want.name);
    const wantNames = new Set(want.columns.map((c) => fold(c.name)));
    const keptNames =
      destructive || previous === undefined
        ? []
        : previous.columns.map((c) => fold(c.name)).filter((n) => !wantNames.has(n));
    const kept = new Set(keptNames);
    const w = normTable(want, desired);
    const h = normTable(have, actual, kept);
    // kept columns may sit anywhere (a table that needs no rebuild keeps them in place); the others
    // are the desired columns in the desired order
    const wantColumns = JSON.stringify(w.columns);
    const haveColumns = JSON.stringify(h.columns.filter((_, i) => !kept.has(h.columnNames[i] as string)));
    if (wantColumns !== haveColumns)
      problems.push(`table ${want.name}: columns differ\n  want ${wantColumns}\n  have ${JSON.stringify(h.columns)}`);
    const extra = h.columnNames.filter((name) => !wantNames.has(name));
    if (JSON.stringify([...extra].sort()) !== JSON.stringify([...kept].sort())) {
      problems.push(
        `table ${want.name}: extra columns ${JSON.stringify(extra)}, must keep exactly ${JSON.stringify([...kept])}`,
      );
    }
    for (const name of extra) {
      const column = have.columns.find((c) => fold(c.name) === name);
      if (column !== undefined && column.primaryKeyPosition > 0)
        problems.push(`table ${want.name}: kept column ${name} is still part of the PRIMARY KEY`);
    }
    // constraints over kept columns alone stay with them (a rebuild must not drop them)
    const keptOnly = (names: readonly (string | null)[]): boolean =>
      names.length > 0 && names.every((n) => n !== null && kept.has(fold(n)));
    const prevUniques =
      previous === undefined
        ? []
        : previous.uniques
            .filter((u) => keptOnly(u.map((p) => p.name)))
            .map((u) =>
              JSON.stringify(u.map((p) => [p.name === null ? null : fold(p.name), p.desc, normCollate(p.collate)])),
            );
    const prevFks =
      previous === undefined
        ? []
        : normTable({ ...previous, foreignKeys: previous.foreignKeys.filter((fk) => keptOnly(fk.columns)) }, before)
            .fks;
    const haveUniques = normTable(have, actual).uniques;
    const haveFks = normTable(have, actual).fks;
    // Constraints over kept columns alone stay with them (UNIQUE and FOREIGN KEY must: a child may
    // depend on them); any other constraint is the desired table's. Kept-only constraints can never
    // equal desired ones (those cannot name a kept column).
    const names = (key: string): string[] =>
      (JSON.parse(key) as unknown[][]).map((part) => String(Array.isArray(part) ? part[0] : part));
    const uniqueKeptOnly = (key: string): boolean => names(key).every((n) => kept.has(n));
    const fkKeptOnly = (key: string): boolean => (JSON.parse(key) as [string[]])[0].every((n) => kept.has(n));
    const columnNames = new Set(h.columnNames);
    const checkKeptOnly = (check: string): boolean => {
      const mentioned = [...check.matchAll(/«([^»]*)»/g)].map((m) => m[1] as string).filter((n) => columnNames.has(n));
      return mentioned.length > 0 && mentioned.every((n) => kept.has(n));
    };
    const covers = (
      what: string,
      want: readonly string[],
      have: readonly string[],
      extraOk: (key: string) => boolean,
    ): void => {
      const left = [...have];
      const missing: string[] = [];
      for (const key of want) {
        const at = left.indexOf(key);
        if (at < 0) missing.push(key);
        else left.splice(at, 1);
      }
      const extra = left.filter((key) => !extraOk(key));
      if (missing.length > 0 || extra.length > 0) {
        problems.push(
          `table ${want.length >= 0 ? w.name : ''}: ${what} differ\n  want ${JSON.stringify(want)}\n  have ${JSON.stringify(have)}`,
        );
      }
    };
    covers('UNIQUE constraints', [...w.uniques, ...prevUniques], haveUniques, uniqueKeptOnly);
    covers('foreign keys', [...w.fks, ...prevFks], haveFks, fkKeptOnly);
    covers('CHECK constraints', w.checks, h.checks, checkKeptOnly);
    const pairs: Array<[string, unknown, unknown]> = [
      ['primary key', w.keyed, h.keyed],
      ['table options', w.flags, h.flags],
    ];
    for (const [what, a, b] of pairs) {
      if (JSON.stringify(a) !== JSON.stringify(b))
        problems.push(`table ${want.name}: ${what} differ\n  want ${JSON.stringify(a)}\n  have ${JSON.stringify(b)}`);
    }
  }
  for (const have of actual.tables) {
    if (byName(desired, have.name) !== undefined) continue;
    const previous = byName(before, have.name);
    if (destructive) problems.push(`table ${have.name} should have been dropped`);
    else if (previous === undefined) problems.push(`table ${have.name} appeared from nowhere`);
    else if (previous.sql !== have.sql)
      problems.push(`kept table ${have.name} changed:\n  was ${previous.sql}\n  now ${have.sql}`);
  }
  if (!destructive) {
    for (const previous of before.tables) {
      if (byName(actual, previous.name) === undefined && byName(desired, previous.name) === undefined) {
        // a table may give its name to a view or index only when the desired schema says so
        problems.push(`table ${previous.name} was dropped without allowance`);
      }
    }
  }
  const a = normObjects(actual);
  const d = normObjects(desired);
  const b = normObjects(before);
  for (const kind of ['indexes', 'views', 'triggers'] as const) {
    for (const [name, definition] of d[kind]) {
      const have = a[kind].get(name);
      if (have !== definition) problems.push(`${kind} ${name}: want ${definition}\n  have ${have ?? '(missing)'}`);
    }
    for (const [name, definition] of a[kind]) {
      if (d[kind].has(name)) continue;
      if (destructive) problems.push(`${kind} ${name} should have been dropped`);
      // a kept index is recreated from its text: its column's collation may have changed with the table
      else if (
        kind === 'indexes' ? indexText(b[kind].get(name)) !== indexText(definition) : b[kind].get(name) !== definition
      ) {
        problems.push(`${kind} ${name} kept but not as it was: ${definition}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- database contents

/** SQL that renders a value as an exact literal (reals with 17 digits, so nothing is rounded). */
const literal = (expression: string): string =>
  `CASE typeof(${expression}) WHEN 'real' THEN printf('%!.17g', ${expression}) ELSE quote(${expression}) END`;

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

interface TableRows {
  readonly withoutRowid: boolean;
  /** Column names as written, generated ones included (their values are data a rebuild may copy). */
  readonly columns: readonly string[];
  /** Folded names of the generated columns. */
  readonly generated: ReadonlySet<string>;
  readonly rows: ReadonlyArray<Record<string, string>>;
}

async function all(client: Client, sql: string): Promise<Array<Record<string, Value>>> {
  const result = await client.execute(sql);
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c) => [c, row[c] as Value])));
}

/** Every application table's stored values as literals, with `rowid` where the table has one. */
async function dumpTables(client: Client): Promise<Map<string, TableRows>> {
  const tables = await all(
    client,
    `SELECT s.name, t.wr FROM sqlite_schema AS s JOIN pragma_table_list AS t ON t.name = s.name AND t.schema = 'main'
    WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.name <> 'schema_version' ORDER BY s.name`,
  );
  const out = new Map<string, TableRows>();
  for (const table of tables) {
    const name = String(table['name']);
    const withoutRowid = Number(table['wr']) === 1;
    const info = await all(
      client,
      `SELECT name, hidden FROM pragma_table_xinfo(${literalString(name)}) WHERE hidden IN (0, 2, 3) ORDER BY cid`,
    );
    const columns = info.map((r) => String(r['name']));
    const generated = new Set(info.filter((r) => Number(r['hidden']) !== 0).map((r) => fold(String(r['name']))));
    const select = [
      ...(withoutRowid ? [] : [`${literal('rowid')} AS "__rowid"`]),
      ...columns.map((c, i) => `${literal(q(c))} AS "c${i}"`),
    ];
    const rows = (await all(client, `SELECT ${select.join(', ')} FROM ${q(name)}`)).map((row) => {
      const record: Record<string, string> = {};
      if (!withoutRowid) record['__rowid'] = String(row['__rowid']);
      columns.forEach((c, i) => {
        record[fold(c)] = String(row[`c${i}`]);
      });
      return record;
    });
    out.set(fold(name), { withoutRowid, columns, generated, rows });
  }
  return out;
}

function literalString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

interface Snapshot {
  readonly bytes: Buffer;
  readonly schema: string;
  readonly tables: Map<string, TableRows>;
}

async function snapshot(client: Client, path: string): Promise<Snapshot> {
  const schema = JSON.stringify(
    await all(client, 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid'),
  );
  const sequence =
    (await all(client, "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")).length > 0
      ? JSON.stringify(await all(client, 'SELECT name, quote(seq) AS seq FROM sqlite_sequence ORDER BY name'))
      : '';
  return { bytes: readFileSync(path), schema: schema + sequence, tables: await dumpTables(client) };
}

async function checksAfterApply(client: Client): Promise<string[]> {
  const problems: string[] = [];
  const integrity = await all(client, 'PRAGMA integrity_check');
  if (integrity.length !== 1 || Object.values(integrity[0] ?? {})[0] !== 'ok')
    problems.push(`integrity_check: ${JSON.stringify(integrity)}`);
  const violations = await all(
    client,
    'SELECT "table", quote(rowid) AS rowid, parent, fkid FROM pragma_foreign_key_check',
  );
  if (violations.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(violations)}`);
  return problems;
}

// ---------------------------------------------------------------- rows into the current schema

function cellArg(cell: Cell): Value {
  if (cell instanceof Uint8Array)
    return cell.buffer.slice(cell.byteOffset, cell.byteOffset + cell.byteLength) as ArrayBuffer;
  return cell;
}

/** Plain values a column of this type accepts, for a second try when the random ones are refused. */
function tameValue(type: string, row: number, column: number): Value {
  const upper = type.toUpperCase();
  if (/INT|BOOL/.test(upper)) return BigInt(row + 1 + column * 100);
  if (/REAL|DOUB|FLOA|NUMERIC/.test(upper)) return row + 0.5 + column * 100;
  if (upper === 'BLOB') return new Uint8Array([row, column]).buffer;
  return `v${row}-${column}`;
}

/** Parents before children, so a child's foreign key can pick a parent row that exists. */
function parentsFirst(schema: SchemaSpec): TableSpec[] {
  const out: TableSpec[] = [];
  const visit = (table: TableSpec, path: Set<string>): void => {
    if (out.includes(table) || path.has(table.name)) return;
    path.add(table.name);
    for (const fk of table.fks) {
      const parent = findSpec(schema.tables, fk.table);
      if (parent !== undefined && parent !== table) visit(parent, path);
    }
    out.push(table);
  };
  for (const table of schema.tables) visit(table, new Set());
  return out;
}

/** Does SQLite treat this spec table's primary key as the rowid? */
export function isRowidAlias(table: TableSpec): boolean {
  if (table.withoutRowid) return false;
  const key = keyOf(table);
  if (key.length !== 1) return false;
  const column = findSpec(table.columns, key[0] as string);
  if (column === undefined || column.type.toUpperCase() !== 'INTEGER') return false;
  return !(table.pk.kind === 'rowid' && table.pk.desc);
}

/** Inserts what the current schema's constraints accept, foreign keys on: those rows are the data. */
async function insertRows(client: Client, schema: SchemaSpec, rows: RowsSpec): Promise<number> {
  let inserted = 0;
  await client.execute('PRAGMA foreign_keys = ON');
  const order = parentsFirst(schema);
  for (const table of order) {
    const position = schema.tables.indexOf(table);
    const specs = rows.tables[position % rows.tables.length] ?? [];
    const columns = storedColumns(table);
    const explicitRowid = !table.withoutRowid && !isRowidAlias(table);
    for (const [r, cells] of specs.entries()) {
      // each value is SQL: a placeholder for the random cell, or a parent key's literal
      const values: string[] = columns.map(() => '?');
      const args: Value[] = columns.map((column, i) => cellArg(cells[i] ?? null));
      const tame: Value[] = columns.map((column, i) => tameValue(column.type, r, i));
      for (const fk of table.fks) {
        const parent = findSpec(schema.tables, fk.table);
        if (parent === undefined) continue;
        const key = parentKey(parent, fk.target) ?? [];
        const parentRows = await all(
          client,
          `SELECT ${key.map((k, i) => `${literal(q(k))} AS "k${i}"`).join(', ')} FROM ${q(parent.name)} ORDER BY ${key.map((k) => q(k)).join(', ')}`,
        );
        const pickCell = cells[7];
        const chosen =
          pickCell === null || parentRows.length === 0
            ? undefined
            : parentRows[Number(typeof pickCell === 'bigint' ? pickCell & 0xffffn : BigInt(r)) % parentRows.length];
        fk.columns.forEach((name, k) => {
          const at = columns.findIndex((column) => column.name.toLowerCase() === name.toLowerCase());
          if (at >= 0) values[at] = chosen === undefined ? 'NULL' : String(chosen[`k${k}`]);
        });
      }
      const names = [...(explicitRowid ? ['rowid'] : []), ...columns.map((column) => q(column.name))];
      const placeholders = [...(explicitRowid ? [String(r * 3 + 2)] : []), ...values];
      const sql =
        names.length === 0
          ? `INSERT INTO ${q(table.name)} DEFAULT VALUES`
          : `INSERT INTO ${q(table.name)} (${names.join(', ')}) VALUES (${placeholders.join(', ')})`;
      const bound = (list: Value[]): Value[] => list.filter((_, i) => values[i] === '?');
      for (const attempt of [bound(args), bound(tame)]) {
        try {
          await client.execute({ sql, args: names.length === 0 ? [] : attempt });
          inserted++;
          break;
        } catch {
          // the current schema refuses these values: not part of the data
        }
      }
    }
  }
  return inserted;
}

// ---------------------------------------------------------------- oracles for the rows

/**
 * What each surviving value must read as after the apply: the value SQLite stores when the old
 * value is inserted into a column of the desired type (affinity, STRICT conversion), computed in
 * a scratch table per type. Undefined when the desired column cannot store it at all.
 */
class Converter {
  private readonly cache = new Map<string, { table: string; known: Map<string, string | undefined> }>();
  constructor(private readonly scratch: Client) {}

  async convert(type: string, strict: boolean, values: readonly string[]): Promise<Map<string, string | undefined>> {
    const key = `${type}\u0000${strict}`;
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = { table: `conv_${this.cache.size}`, known: new Map() };
      this.cache.set(key, entry);
      await this.scratch.execute(`CREATE TABLE ${entry.table} (x ${type})${strict ? ' STRICT' : ''}`);
    }
    const { table, known } = entry;
    for (const value of values) {
      if (known.has(value)) continue;
      try {
        await this.scratch.execute(`DELETE FROM ${table}`);
        await this.scratch.execute(`INSERT INTO ${table} (x) VALUES (${value})`);
        known.set(value, String((await all(this.scratch, `SELECT ${literal('x')} AS v FROM ${table}`))[0]?.['v']));
      } catch {
        known.set(value, undefined);
      }
    }
    return known;
  }
}

function sameRowid(before: Table | undefined, after: Table | undefined): boolean {
  const alias = (table: Table): boolean =>
    !table.withoutRowid &&
    table.primaryKey.length === 1 &&
    table.columns.find((c) => fold(c.name) === fold(table.primaryKey[0] as string))?.type === 'INTEGER' &&
    !/PRIMARY\s+KEY\s+DESC/i.test(table.sql);
  return (
    before !== undefined &&
    after !== undefined &&
    !before.withoutRowid &&
    !after.withoutRowid &&
    !alias(before) &&
    !alias(after)
  );
}

/** What the oracle says about the current rows in the desired schema. */
type Verdict = { readonly kind: 'holds' } | { readonly kind: 'cannot' | 'unknown'; readonly reason: string };

/**
 * The desired CREATE TABLE with, in the default mode, the columns the engine must keep, as the
 * issue asks: plain (no PRIMARY KEY), ANY in a STRICT table when the type does not fit, a foreign
 * key still pointing at the columns it pointed at, and the UNIQUE / FOREIGN KEY constraints that
 * name only kept columns. Written for this generator's own (plain) DDL.
 */
function withKeptColumns(table: Table, previous: Table | undefined, beforeModel: DatabaseSchema): string {
  if (previous === undefined) return table.sql;
  const wanted = new Set(table.columns.map((c) => fold(c.name)));
  const kept = previous.columns.filter((c) => !wanted.has(fold(c.name)));
  if (kept.length === 0) return table.sql;
  const keptNames = new Set(kept.map((c) => fold(c.name)));
  const pkOf = (name: string): readonly string[] =>
    beforeModel.tables.find((t) => fold(t.name) === fold(name))?.primaryKey ?? [];
  const definitions = kept.map((column) => {
    let sql = column.definitionSql.replace(/\bPRIMARY\s+KEY(\s+(ASC|DESC))?(\s+AUTOINCREMENT)?/gi, '');
    sql = sql.replace(/\bREFERENCES\s+("(?:[^"]|"")*"|[^\s(]+)(?!\s*\()/gi, (whole, target: string) => {
      const name = target.startsWith('"') ? target.slice(1, -1).replaceAll('""', '"') : target;
      const key = pkOf(name);
      return key.length === 0 ? whole : `REFERENCES ${target}(${key.map(q).join(', ')})`;
    });
    // values of a table that was not STRICT need not fit any STRICT type but ANY
    if (table.strict && !previous.strict && column.type !== 'ANY') {
      sql = column.type === '' ? sql.replace(/^("(?:[^"]|"")*"|\S+)/, '$1 ANY') : sql.replace(column.type, 'ANY');
    }
    return sql;
  });
  const only = (names: readonly (string | null)[]): boolean =>
    names.length > 0 && names.every((n) => n !== null && keptNames.has(fold(n)));
  const constraints = [
    // a kept old key stays unique (a foreign key may target it); harmless otherwise: its values are
    ...(only(previous.primaryKey) ? [`UNIQUE (${previous.primaryKey.map(q).join(', ')})`] : []),
    ...previous.uniques
      .filter((u) => only(u.map((p) => p.name)))
      .map((u) => `UNIQUE (${u.map((p) => q(p.name ?? '')).join(', ')})`),
    ...previous.foreignKeys
      .filter((fk) => only(fk.columns) && fk.columns.length > 1)
      .map((fk) => {
        const target = fk.targetColumns.length > 0 ? fk.targetColumns : pkOf(fk.targetTable);
        return `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.targetTable)}(${target.map(q).join(', ')})`;
      }),
  ];
  // column definitions go after the last column, constraints at the end of the list
  const close = /\)\s*((WITHOUT\s+ROWID|STRICT)(\s*,\s*(WITHOUT\s+ROWID|STRICT))*)?\s*$/i.exec(table.sql);
  if (close === null) return table.sql;
  const columnsEnd = parseCreateTable(table.sql).columnsEnd;
  return (
    `${table.sql.slice(0, columnsEnd)}, ${definitions.join(', ')}${table.sql.slice(columnsEnd, close.index)}` +
    `${constraints.map((c) => `, ${c}`).join('')}${table.sql.slice(close.index)}`
  );
}

/**
 * Can a fresh database with the desired schema (and, in the default mode, the columns and tables
 * the engine must keep) hold the current rows without changing a stored key?
 */
async function oracleVerdict(
  keptTablesSql: readonly string[],
  beforeTables: Map<string, TableRows>,
  beforeModel: DatabaseSchema,
  desired: DatabaseSchema,
  destructive: boolean,
): Promise<Verdict> {
  const oracle = createClient({ url: ':memory:' });
  try {
    try {
      const tables = desired.tables.map((t) =>
        destructive
          ? t.sql
          : withKeptColumns(
              t,
              beforeModel.tables.find((b) => fold(b.name) === fold(t.name)),
              beforeModel,
            ),
      );
      const rest = [
        ...desired.indexes.map((i) => i.sql),
        ...desired.views.map((v) => v.sql),
        ...desired.triggers.map((t) => t.sql),
      ].filter((sql): sql is string => sql !== null);
      await oracle.execute('PRAGMA foreign_keys = OFF');
      for (const statement of [...tables, ...keptTablesSql]) await oracle.execute(statement);
      for (const statement of rest) await oracle.execute(statement);
    } catch (error) {
      // a table the default mode must keep holds a name the desired schema gives another object
      const message = (error as Error).message;
      if (!destructive && /already exists|already an? (index|table)/i.test(message))
        return { kind: 'cannot', reason: `name taken by a kept table: ${message}` };
      return { kind: 'unknown', reason: `the oracle cannot build the expected schema: ${message}` };
    }
    const model = await introspect(oracle);
    for (const target of model.tables) {
      const rows = beforeTables.get(fold(target.name));
      const previous = beforeModel.tables.find((t) => fold(t.name) === fold(target.name));
      if (rows === undefined || previous === undefined) continue;
      const storedTarget = target.columns.filter((c) => c.generated === null && !c.hidden).map((c) => fold(c.name));
      // what a rebuild copies: every old column (a generated one's values too) the new table stores
      const shared = rows.columns.map(fold).filter((c) => storedTarget.includes(c));
      const withRowid = sameRowid(previous, target);
      const names = [...(withRowid ? ['rowid'] : []), ...shared.map(q)];
      for (const row of rows.rows) {
        const values = [...(withRowid ? [row['__rowid'] as string] : []), ...shared.map((c) => row[c] as string)];
        const sql =
          names.length === 0
            ? `INSERT INTO ${q(target.name)} DEFAULT VALUES`
            : `INSERT INTO ${q(target.name)} (${names.join(', ')}) VALUES (${values.join(', ')})`;
        try {
          await oracle.execute(sql);
        } catch (error) {
          return { kind: 'cannot', reason: `${target.name}: ${(error as Error).message}` };
        }
      }
      // a NULL key that became a number: the rowid alias filled it in
      for (const c of shared) {
        const nulls = rows.rows.filter((row) => row[c] === 'NULL').length;
        const after = Number(
          (await all(oracle, `SELECT count(*) AS n FROM ${q(target.name)} WHERE ${q(c)} IS NULL`))[0]?.['n'],
        );
        if (after !== nulls)
          return { kind: 'cannot', reason: `${target.name}.${c}: ${nulls - after} NULL key(s) would become numbers` };
      }
    }
    try {
      const violations = await all(
        oracle,
        'SELECT "table", quote(rowid) AS rowid, parent, fkid FROM pragma_foreign_key_check',
      );
      if (violations.length > 0)
        return { kind: 'cannot', reason: `foreign key violations: ${JSON.stringify(violations.slice(0, 3))}` };
    } catch (error) {
      return { kind: 'cannot', reason: `foreign key check: ${(error as Error).message}` };
    }
    return { kind: 'holds' };
  } finally {
    oracle.close();
  }
}

/** Row by row (rowid or whole-row multiset): every surviving value as the desired column stores it, kept columns exactly. */
async function rowDifferences(
  before: Map<string, TableRows>,
  after: Map<string, TableRows>,
  beforeModel: DatabaseSchema,
  afterModel: DatabaseSchema,
  desired: DatabaseSchema,
  destructive: boolean,
  converter: Converter,
): Promise<{ problems: string[]; compared: number }> {
  const problems: string[] = [];
  let compared = 0;
  for (const [name, old] of before) {
    const now = after.get(name);
    const wanted = desired.tables.find((t) => fold(t.name) === name);
    if (now === undefined) {
      if (wanted !== undefined || !destructive) problems.push(`table ${name} and its ${old.rows.length} rows are gone`);
      continue;
    }
    if (now.rows.length !== old.rows.length) {
      problems.push(`table ${name}: ${old.rows.length} rows before, ${now.rows.length} after`);
      continue;
    }
    const previous = beforeModel.tables.find((t) => fold(t.name) === name);
    const current = afterModel.tables.find((t) => fold(t.name) === name);
    const columns: Array<{ name: string; convert: Map<string, string | undefined> | null }> = [];
    for (const c of old.columns.map(fold)) {
      const target = wanted?.columns.find((w) => fold(w.name) === c);
      if (target === undefined) {
        // kept: exactly as it was (a kept generated column computes its value again)
        if ((!destructive || wanted === undefined) && !old.generated.has(c)) columns.push({ name: c, convert: null });
        continue;
      }
      if (target.generated !== null) continue;
      columns.push({
        name: c,
        convert: await converter.convert(
          target.type,
          wanted?.strict ?? false,
          old.rows.map((row) => row[c] as string),
        ),
      });
    }
    const withRowid = sameRowid(previous, current);
    const key = (row: Record<string, string>, convert: boolean): string =>
      JSON.stringify([
        withRowid ? row['__rowid'] : null,
        ...columns.map((c) =>
          convert && c.convert !== null
            ? (c.convert.get(row[c.name] as string) ?? '(unstorable)')
            : (row[c.name] ?? '(missing)'),
        ),
      ]);
    const expected = old.rows.map((row) => key(row, true)).sort();
    const actual = now.rows.map((row) => key(row, false)).sort();
    compared += old.rows.length;
    const missing = expected.filter((row, i) => actual[i] !== row);
    if (missing.length > 0) {
      problems.push(
        `table ${name}: rows changed (columns [${withRowid ? 'rowid, ' : ''}${columns.map((c) => c.name).join(', ')}])\n  expected ${expected.join('\n           ')}\n  actual   ${actual.join('\n           ')}`,
      );
    }
  }
  return { problems, compared };
}

/** Would storing the current values in the desired columns' types change any of them? */
async function conversionChangesValues(
  before: Map<string, TableRows>,
  desired: DatabaseSchema,
  converter: Converter,
): Promise<boolean> {
  for (const table of desired.tables) {
    const old = before.get(fold(table.name));
    if (old === undefined) continue;
    for (const column of table.columns) {
      if (column.generated !== null || !old.columns.some((c) => fold(c) === fold(column.name))) continue;
      const values = old.rows.map((row) => row[fold(column.name)] as string);
      const converted = await converter.convert(column.type, table.strict, values);
      if (values.some((value) => converted.get(value) !== value)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- the case

const LEGITIMATE: ReadonlyArray<[string, RegExp]> = [
  ['key value', /would get new numbers|would change/i],
  ['unique', /UNIQUE constraint failed|PRIMARY KEY must be unique/i],
  ['check', /CHECK constraint failed/i],
  ['not null', /NOT NULL constraint failed|Cannot add a NOT NULL column/i],
  ['type', /cannot store|datatype mismatch|type mismatch on DEFAULT/i],
  ['foreign key', /foreign-key violations|FOREIGN KEY constraint failed|fk:/i],
  // the plan's reason names the kept table and the allowance (issue 15)
  [
    'name taken by a kept table',
    /(already exists|already an? (index|table) named \S+) at step \d+ \(create_\w+ .*holds the name/i,
  ],
];

export function describeCase(c: FuzzCase, extra = ''): string {
  return [
    `mode: ${c.destructive ? 'allowDestructive' : 'default'}`,
    `-- current\n${render(c.current)}`,
    `-- rows\n${JSON.stringify(c.rows.tables, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : v))}`,
    `-- desired\n${render(c.desired, c.desiredSpelling ?? PLAIN)}`,
    `-- respelled desired\n${render(c.desired, c.spelling)}`,
    extra,
  ].join('\n');
}

/** Which single respelling plans changes (for the report): each option alone over the plain spelling. */
async function respellingCulprits(
  model: DatabaseSchema,
  spec: SchemaSpec,
  spelling: Spelling,
  destructive: boolean,
): Promise<string[]> {
  const culprits: string[] = [];
  for (const key of Object.keys(PLAIN) as Array<keyof Spelling>) {
    if (spelling[key] === PLAIN[key]) continue;
    const one = await loadDesiredSchema(render(spec, { ...PLAIN, [key]: spelling[key] }));
    if (planMigration(model, one, { allowDestructive: destructive }).steps.length > 0)
      culprits.push(`${key}=${String(spelling[key])}`);
  }
  return culprits;
}

export async function runCase(dir: string, c: FuzzCase): Promise<Outcome> {
  const db = tempDb(dir);
  const scratch = createClient({ url: ':memory:' });
  try {
    const currentSql = render(c.current);
    const desiredSql = render(c.desired, c.desiredSpelling ?? PLAIN);
    for (const statement of splitStatements(currentSql)) await db.client.execute(statement);
    const inserted = await insertRows(db.client, c.current, c.rows);
    const precheck = await checksAfterApply(db.client);
    if (precheck.length > 0)
      throw new FuzzFailure(
        'generator: the current database is not sound before the apply',
        `${precheck.join('\n')}\n${describeCase(c)}`,
      );
    const beforeModel = await introspect(db.client);
    const before = await snapshot(db.client, db.path);
    const desired = await loadDesiredSchema(desiredSql);
    const fail = (what: string, details: string, steps: readonly string[] = []): FuzzFailure =>
      new FuzzFailure(what, `${details}\n${describeCase(c, steps.length > 0 ? `-- plan\n${steps.join(';\n')}` : '')}`);
    const planned = planMigration(beforeModel, desired, { allowDestructive: c.destructive }).steps.map((s) => s.sql);
    if (
      c.desiredSpelling !== undefined &&
      c.desired === c.current &&
      planned.length > 0 &&
      process.env['FUZZ_NO_RESPELL'] !== '1'
    ) {
      const culprits = await respellingCulprits(beforeModel, c.desired, c.desiredSpelling, c.destructive);
      throw fail(
        `the current schema, respelled (${culprits.join(', ') || 'a combination'}), plans changes`,
        '',
        planned,
      );
    }
    const keptTablesSql = c.destructive
      ? []
      : beforeModel.tables.filter((t) => !desired.tables.some((d) => fold(d.name) === fold(t.name))).map((t) => t.sql);
    let failure: unknown = null;
    try {
      await syncToSchema(db.client, desired, { allowDestructive: c.destructive });
    } catch (error) {
      failure = error;
    }
    const verdict = await oracleVerdict(keptTablesSql, before.tables, beforeModel, desired, c.destructive);
    if (failure !== null) {
      const message = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
      const after = await snapshot(db.client, db.path);
      if (after.schema !== before.schema || JSON.stringify([...after.tables]) !== JSON.stringify([...before.tables])) {
        throw fail('a failed apply changed the database', message, planned);
      }
      if (!after.bytes.equals(before.bytes)) throw fail('a failed apply changed the file bytes', message, planned);
      if (!(failure instanceof Error) || !/^(SyncError|ApplyError)$/.test(failure.name))
        throw fail('the apply crashed instead of failing cleanly', message, planned);
      // refusing a retype that would convert stored values (SQLite's affinity would) is allowed too
      const converts =
        verdict.kind === 'holds' &&
        /stored value would change/i.test(message) &&
        (await conversionChangesValues(before.tables, desired, new Converter(scratch)));
      if (verdict.kind === 'holds') {
        if (!converts) throw fail('the apply failed although the desired schema can hold every row', message, planned);
        return { kind: 'refused', reason: 'a stored value would change', rows: inserted, steps: planned };
      }
      const reason =
        verdict.kind === 'unknown'
          ? `not judged (${process.env['FUZZ_DEBUG'] === '1' ? verdict.reason : 'the oracle could not build the schema'})`
          : (LEGITIMATE.find(([, pattern]) => pattern.test(message))?.[0] ??
            `other (engine: ${message.slice(0, 120)}; oracle: ${verdict.reason})`);
      return { kind: 'refused', reason, rows: inserted, steps: planned };
    }
    const problems = await checksAfterApply(db.client);
    const afterModel = await introspect(db.client);
    const again = planMigration(afterModel, desired, { allowDestructive: c.destructive }).steps.map(
      (s) => `${s.kind} ${s.object}: ${s.reason}\n    ${s.sql}`,
    );
    if (again.length > 0) problems.push(`planning again is not empty:\n  ${again.join('\n  ')}`);
    problems.push(...schemaDifferences(afterModel, desired, beforeModel, c.destructive));
    const after = await snapshot(db.client, db.path);
    const rowCheck = await rowDifferences(
      before.tables,
      after.tables,
      beforeModel,
      afterModel,
      desired,
      c.destructive,
      new Converter(scratch),
    );
    problems.push(...rowCheck.problems);
    if (verdict.kind === 'cannot' && rowCheck.problems.length === 0) {
      problems.push(`applied although the desired schema cannot hold the rows unchanged: ${verdict.reason}`);
    }
    // a respelled desired schema means the same: SQLite agrees (normalised here), and so must the planner
    // Read as a schema file is: its `@renamed` notes (the spelling may add some) are checked
    // against the database and planned with; the database already has the new names.
    const respelledSql = render(c.desired, c.spelling);
    const respelledSource = await loadSchemaSource(respelledSql);
    const respelled = respelledSource.desired;
    if (normSchema(respelled) !== normSchema(desired)) {
      throw fail(
        'generator: the respelling changed the meaning',
        `${normSchema(desired)}\n--- respelled\n${normSchema(respelled)}`,
      );
    }
    const respelledPlan = planMigration(afterModel, respelled, {
      ...planOptionsAgainst(respelledSource, afterModel),
      allowDestructive: c.destructive,
    }).steps.map((s) => `${s.kind} ${s.object}: ${s.reason}\n    ${s.sql}`);
    // FUZZ_NO_RESPELL=1 (exploring other classes only) leaves this check out
    if (respelledPlan.length > 0 && process.env['FUZZ_NO_RESPELL'] !== '1') {
      const culprits = await respellingCulprits(afterModel, c.desired, c.spelling, c.destructive);
      problems.push(
        `planning against the respelled desired schema is not empty (respelling: ${culprits.join(', ') || 'a combination'}):\n  ${respelledPlan.join('\n  ')}`,
      );
    }
    if (problems.length > 0) throw fail('the apply broke a promise', problems.join('\n'), planned);
    return {
      kind: planned.length === 0 ? 'in sync' : 'applied',
      reason: null,
      rows: rowCheck.compared,
      steps: planned,
    };
  } finally {
    db.client.close();
    scratch.close();
  }
}
