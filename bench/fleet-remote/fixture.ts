/**
 * What bench/fleet-remote migrates and how it checks the result, made through the CLI alone (so
 * the bench keeps measuring the product whatever happens inside lib/):
 *  - the template: an empty file brought to 1.0.0 by `sync-all --to 1.0.0`, seeded with
 *    bench/fleet's trading rows, and owned as a signed-in user's database is (`_schema_sync_owner`);
 *  - the reference: a copy of it brought to the current version by `sync-all` on the local file,
 *    after a `--dry-run` that gives the migration's statements (the floor replays them, less the
 *    engine's in-batch checks, like bench/fleet's floor) — and its newest audit row, which the
 *    floor writes too;
 *  - verification: every database at the version, its sqlite_schema exactly the reference's,
 *    every row the template had still there, and (every k-th database) integrity and foreign keys.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'libsql';
import { tradingRows } from '../fleet/fixture.js';

type Connection = InstanceType<typeof Database>;
type Row = readonly unknown[];

/** How the CLI is started: its argv before the command, and the environment it gets. */
export interface CliCommand {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The hand-written audit row: the reference's newest row, as the next id of a 1.0.0 database. */
export interface AuditRow {
  readonly sql: string;
  /** id, version, description, created_at, applied_at, checksum, statements, previous_version */
  readonly args: readonly (string | number | null)[];
}

export interface Reference {
  /** The 1.0.0 file every database starts as. */
  readonly template: string;
  readonly fromVersion: string;
  readonly version: string;
  /** The migration without the engine's in-batch checks: what the floor sends. */
  readonly statements: readonly string[];
  /** The plan's statements, checks included (what the CLI applies). */
  readonly planStatements: number;
  readonly audit: AuditRow;
  /** sqlite_schema of a database at `version`, as JSON. */
  readonly schema: string;
  /** Each template table but schema_version: its columns then and its rows (JSON). */
  readonly tables: readonly { readonly name: string; readonly columns: readonly string[]; readonly rows: string }[];
  /** schema_version rows in the template. */
  readonly auditRows: number;
}

export interface Verified {
  readonly databases: number;
  readonly atVersion: number;
  readonly schemaMatches: number;
  readonly rowsIntact: number;
  readonly integrityChecked: number;
  readonly integrityOk: number;
  /** The first few databases that failed a check, and why. */
  readonly problems: readonly string[];
}

/**
 * libSQL frees a closed connection (its file descriptor, ≈ 190 KB) only once V8 collects its
 * statements, and a loop of small reads makes little garbage: checking 15,000 files held 12,000
 * descriptors and 3.4 GB. The bench collects every 32 files, as sync-all's workers do; the flag
 * is set at run time (as jest-leak-detector does) so no caller has to start Node with it.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const SCHEMA_SQL = 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name, tbl_name';
const VERSION_SQL = 'SELECT version FROM schema_version ORDER BY id DESC LIMIT 1';

/** Runs the CLI to completion; its stdout, or an error with its stderr. */
export function runCli(cli: CliCommand, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cli.argv, ...args], {
      cwd: cli.cwd,
      env: cli.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`schema-sync ${args.join(' ')} exited ${code}: ${err}${out}`)),
    );
  });
}

const lastLine = (out: string): Record<string, unknown> =>
  JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, unknown>;

function all(conn: Connection, sql: string): Row[] {
  return conn.prepare(sql).raw(true).all() as Row[];
}

function rowsOf(conn: Connection, table: string, columns: readonly string[]): string {
  return JSON.stringify(all(conn, `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY rowid`));
}

/** Template, migration statements and reference, under `dir`, through the CLI `cli`. */
export async function prepareReference(cli: CliCommand, dir: string): Promise<Reference> {
  const templateDir = join(dir, 'template');
  const planDir = join(dir, 'plan');
  const referenceDir = join(dir, 'reference');
  for (const d of [templateDir, planDir, referenceDir]) mkdirSync(d, { recursive: true });
  const template = join(templateDir, 'template.db');
  writeFileSync(template, '');
  const local = ['--json', '--state', 'none'];
  const at = lastLine(await runCli(cli, ['sync-all', '--data-dir', templateDir, '--to', '1.0.0', ...local]));
  const fromVersion = (at['summary'] as { target: string }).target;

  const conn = new Database(template);
  try {
    const insert = conn.transaction(() => {
      for (const statement of tradingRows(10)) {
        if (typeof statement === 'string') conn.exec(statement);
        else conn.prepare(statement.sql).run(...((statement.args ?? []) as unknown[]));
      }
      // What a sign-in leaves in a Turso database: its owner, claimed (lib/providers/turso-connection.ts).
      conn.exec(
        'CREATE TABLE IF NOT EXISTS _schema_sync_owner (id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT NOT NULL)',
      );
      conn.exec("INSERT OR IGNORE INTO _schema_sync_owner (id, user_id) VALUES (1, 'bench-user')");
    });
    insert();
  } finally {
    conn.close();
  }

  copyFileSync(template, join(planDir, 'db.db'));
  const dry = lastLine(await runCli(cli, ['sync-all', '--data-dir', planDir, '--dry-run', ...local]));
  const groups = dry['groups'] as { statements: { kind: string; sql: string }[] }[];
  const plan = groups[0]?.statements ?? [];
  if (groups.length !== 1 || plan.length === 0) throw new Error(`expected one plan, got ${JSON.stringify(dry)}`);

  const reference = join(referenceDir, 'db.db');
  copyFileSync(template, reference);
  const done = lastLine(await runCli(cli, ['sync-all', '--data-dir', referenceDir, ...local]));
  const version = (done['summary'] as { target: string }).target;

  const before = new Database(template, { readonly: true });
  const after = new Database(reference, { readonly: true });
  try {
    const tables = (
      all(before, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") as [
        string,
      ][]
    )
      .map(([name]) => name)
      .filter((name) => name !== 'schema_version')
      .map((name) => {
        const columns = (
          all(before, `SELECT name FROM pragma_table_info('${name.replaceAll("'", "''")}')`) as [string][]
        ).map(([column]) => column);
        return { name, columns, rows: rowsOf(before, name, columns) };
      });
    const auditRows = Number((all(before, 'SELECT count(*) FROM schema_version')[0] as Row)[0]);
    const newest = all(
      after,
      'SELECT id, version, description, created_at, checksum, statements, previous_version FROM schema_version ORDER BY id DESC LIMIT 1',
    )[0] as Row;
    const [id, recorded, description, createdAt, checksum, statements, previous] = newest;
    if (recorded !== version) throw new Error(`the reference is at ${String(recorded)}, not ${version}`);
    return {
      template,
      fromVersion,
      version,
      statements: plan.filter((step) => step.kind !== 'assert').map((step) => step.sql),
      planStatements: plan.length,
      audit: {
        sql: `INSERT INTO schema_version (id, version, description, created_at, applied_at, checksum, statements, previous_version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          Number(id),
          version,
          String(description),
          String(createdAt),
          new Date().toISOString(),
          String(checksum),
          Number(statements),
          typeof previous === 'string' ? previous : null,
        ],
      },
      schema: JSON.stringify(all(after, SCHEMA_SQL)),
      tables,
      auditRows,
    };
  } finally {
    before.close();
    after.close();
  }
}

/** Checks every file against the reference; integrity and foreign keys on every `integrityEvery`-th. */
export async function verifyDatabases(
  files: readonly string[],
  reference: Reference,
  integrityEvery: number,
  version = reference.version,
): Promise<Verified> {
  let atVersion = 0;
  let schemaMatches = 0;
  let rowsIntact = 0;
  let integrityChecked = 0;
  let integrityOk = 0;
  const problems: string[] = [];
  const problem = (file: string, what: string): void => {
    if (problems.length < 5) problems.push(`${file}: ${what}`);
  };
  for (const [i, file] of files.entries()) {
    if (i % 32 === 31) {
      collect({ type: 'minor' });
      // The native finalizers run once the loop yields.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const conn = new Database(file, { readonly: true });
    try {
      const recorded = all(conn, VERSION_SQL)[0]?.[0];
      if (recorded === version) atVersion++;
      else problem(file, `at ${String(recorded)}`);
      if (JSON.stringify(all(conn, SCHEMA_SQL)) === reference.schema) schemaMatches++;
      else problem(file, 'sqlite_schema differs from the reference');
      const audits = Number((all(conn, 'SELECT count(*) FROM schema_version')[0] as Row)[0]);
      const intact =
        audits === reference.auditRows + 1 &&
        reference.tables.every((table) => rowsOf(conn, table.name, table.columns) === table.rows);
      if (intact) rowsIntact++;
      else problem(file, 'rows differ from the template');
      if (i % integrityEvery === 0) {
        integrityChecked++;
        const integrity = all(conn, 'PRAGMA integrity_check').map((row) => row[0]);
        const foreignKeys = all(conn, 'PRAGMA foreign_key_check');
        if (integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0) integrityOk++;
        else problem(file, `integrity ${JSON.stringify(integrity)}, ${foreignKeys.length} foreign key violation(s)`);
      }
    } catch (error) {
      problem(file, (error as Error).message);
    } finally {
      conn.close();
    }
  }
  return { databases: files.length, atVersion, schemaMatches, rowsIntact, integrityChecked, integrityOk, problems };
}

export function converged(verified: Verified): boolean {
  const n = verified.databases;
  return (
    verified.atVersion === n &&
    verified.schemaMatches === n &&
    verified.rowsIntact === n &&
    verified.integrityOk === verified.integrityChecked
  );
}
