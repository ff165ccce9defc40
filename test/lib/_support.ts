/**
 * Shared helpers for the engine tests: real embedded libSQL files in temp dirs, a client wrapper
 * that counts round trips, whole-database snapshots (schema + every row) and a one-call
 * "bring this database to that DDL" that goes through the real planner and applier.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Client, type InStatement, type ResultSet, type Value } from '@libsql/client';
import type { Test } from 'tap';
import { applyPlan } from '../../lib/apply.js';
import { readVersionState, type AuditRecord } from '../../lib/audit.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { planMigration, type Plan, type PlanOptions } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import type { DatabaseSchema } from '../../lib/model.js';
import { readSchemaSnapshot } from '../../lib/snapshot.js';
import { splitStatements } from '../../lib/sql/statements.js';

export interface TestDb {
  readonly client: Client;
  readonly path: string;
  readonly url: string;
}

let counter = 0;

const testDirs = new WeakMap<object, string>();

/**
 * The test's own temp directory, made once per test and removed when it ends. Not t.testdir():
 * that empties its directory on every call (deleting databases an earlier call still has open),
 * and its path is the same for every run, so two runs of the suite in one checkout would share it.
 */
export function dirFor(t: Test): string {
  let dir = testDirs.get(t);
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'schema-sync-test-'));
    t.teardown(() => rmSync(made, { recursive: true, force: true }));
    testDirs.set(t, made);
    dir = made;
  }
  return dir;
}

/** A fresh database file in its own temp directory (or in `dir` when given). */
export function tempDb(dir?: string): TestDb {
  const base = dir ?? mkdtempSync(join(tmpdir(), 'schema-sync-test-'));
  const path = join(base, `db-${process.pid}-${counter++}.db`);
  const url = pathToFileURL(path).href;
  const client = createClient({ url });
  return { client, path, url };
}

/** Runs a DDL/DML script statement by statement (setup only: not part of what is measured). */
export async function exec(client: Client, sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await client.execute(statement);
}

export async function rows(client: Client, sql: string, args: Value[] = []): Promise<Array<Record<string, Value>>> {
  const result = await client.execute({ sql, args });
  return result.rows.map((row) => {
    const out: Record<string, Value> = {};
    for (const column of result.columns) out[column] = row[column] as Value;
    return out;
  });
}

/** Every application table's rows (with rowid where the table has one), ordered for comparison. */
export async function dumpRows(client: Client): Promise<Record<string, Array<Record<string, Value>>>> {
  const tables = await rows(
    client,
    "SELECT name, (SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = s.name) AS wr FROM sqlite_schema AS s WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name",
  );
  const out: Record<string, Array<Record<string, Value>>> = {};
  for (const table of tables) {
    const name = String(table['name']);
    const q = `"${name.replaceAll('"', '""')}"`;
    const withRowid = Number(table['wr']) === 0;
    const all = await rows(
      client,
      withRowid ? `SELECT rowid AS __rowid, * FROM ${q} ORDER BY rowid` : `SELECT * FROM ${q}`,
    );
    out[name] = withRowid ? all : all.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return out;
}

/** The raw schema text as SQLite stores it (the audit table apart). */
export async function dumpSchema(client: Client): Promise<Array<Record<string, Value>>> {
  return rows(
    client,
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name <> 'schema_version' ORDER BY type, name",
  );
}

/** The audit rows, or null when the audit table does not exist. */
export async function dumpAudit(client: Client): Promise<Array<Record<string, Value>> | null> {
  const exists = await rows(client, "SELECT 1 FROM sqlite_schema WHERE name = 'schema_version'");
  return exists.length === 0 ? null : rows(client, 'SELECT * FROM schema_version ORDER BY id');
}

export interface Snapshot {
  readonly schema: Array<Record<string, Value>>;
  readonly rows: Record<string, Array<Record<string, Value>>>;
  readonly sequences: Array<Record<string, Value>>;
  readonly audit: Array<Record<string, Value>> | null;
}

export async function snapshot(client: Client): Promise<Snapshot> {
  const hasSequence = (await rows(client, "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")).length > 0;
  return {
    schema: await dumpSchema(client),
    rows: await dumpRows(client),
    sequences: hasSequence ? await rows(client, 'SELECT name, seq FROM sqlite_sequence ORDER BY name') : [],
    audit: await dumpAudit(client),
  };
}

export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}

/** Wraps a real client so every network-equivalent call (execute, batch, migrate…) is counted. */
export interface CountingClient {
  readonly client: Client;
  readonly calls: string[];
  reset(): void;
}

export function countingClient(inner: Client): CountingClient {
  const calls: string[] = [];
  const counted = new Set(['execute', 'batch', 'migrate', 'executeMultiple', 'transaction', 'sync']);
  const client = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property === 'string' && counted.has(property) && typeof value === 'function') {
        return (...args: unknown[]) => {
          calls.push(property);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    client,
    calls,
    reset: () => {
      calls.length = 0;
    },
  };
}

export const testAudit = (version = '9.9.9'): AuditRecord => ({
  version,
  description: 'test',
  createdAt: '2024-01-01T00:00:00.000Z',
  appliedAt: '2024-01-02T00:00:00.000Z',
  checksum: 'x',
  previousVersion: null,
});

export async function planTo(
  client: Client,
  desiredSql: string | DatabaseSchema,
  options: PlanOptions = {},
): Promise<Plan> {
  const desired = typeof desiredSql === 'string' ? await loadDesiredSchema(desiredSql) : desiredSql;
  return planMigration(await introspect(client), desired, options);
}

/** Plans against `desiredSql` and applies the plan through the real applier; returns the plan. */
export async function migrateTo(
  client: Client,
  desiredSql: string | DatabaseSchema,
  options: PlanOptions = {},
): Promise<Plan> {
  const desired = typeof desiredSql === 'string' ? await loadDesiredSchema(desiredSql) : desiredSql;
  const state = await readVersionState(client);
  const { schema, schemaCookie } = await readSchemaSnapshot(client);
  const plan = planMigration(schema, desired, options);
  await applyPlan(client, plan, testAudit(), {
    tableExists: state.tableExists,
    latestId: state.recorded?.id ?? 0,
    schemaCookie,
  });
  return plan;
}

export function sqlOf(plan: Plan): string[] {
  return plan.steps.map((step) => step.sql);
}

export function kindsOf(plan: Plan): string[] {
  return plan.steps.map((step) => step.kind);
}

/** Steps other than the in-batch assertions. */
export function workSteps(plan: Plan): Plan['steps'] {
  return plan.steps.filter((step) => step.kind !== 'assert');
}

export async function integrityOk(client: Client): Promise<boolean> {
  const result: ResultSet = await client.execute('PRAGMA integrity_check');
  return result.rows.length === 1 && result.rows[0]?.[0] === 'ok';
}

export async function foreignKeyViolations(client: Client): Promise<number> {
  const result = await client.execute('SELECT count(*) AS n FROM pragma_foreign_key_check');
  return Number(result.rows[0]?.['n']);
}

export type { InStatement };

export interface Converged {
  readonly db: TestDb;
  readonly plan: Plan;
  readonly before: Snapshot;
  readonly after: Snapshot;
}

/**
 * Builds a database from `setup` (DDL + rows), brings it to `desired` through the real planner and
 * applier, and checks what must hold after every successful apply: planning again gives nothing,
 * integrity_check is ok and no foreign-key violation was introduced.
 */
export async function converge(t: Test, setup: string, desired: string, options: PlanOptions = {}): Promise<Converged> {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, setup);
  const violationsBefore = await foreignKeyViolations(db.client);
  const before = await snapshot(db.client);
  const plan = await migrateTo(db.client, desired, options);
  const again = await planTo(db.client, desired, options);
  t.same(sqlOf(again), [], 'planning again gives no steps');
  t.ok(await integrityOk(db.client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(db.client), violationsBefore, 'no new foreign-key violations');
  const after = await snapshot(db.client);
  t.notOk(
    after.schema.some((row) => /^_schema_sync_/i.test(String(row['name']))),
    'no temporary objects left behind',
  );
  return { db, plan, before, after };
}

/** Rows of a table with the named columns removed (for comparing kept data). */
export function without(
  list: ReadonlyArray<Record<string, Value>> | undefined,
  ...columns: string[]
): Array<Record<string, Value>> {
  return (list ?? []).map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !columns.includes(key))));
}

export function pick(
  list: ReadonlyArray<Record<string, Value>> | undefined,
  ...columns: string[]
): Array<Record<string, Value>> {
  return (list ?? []).map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
}
