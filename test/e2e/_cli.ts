/**
 * Helpers for the end-to-end tests: run the real CLI in a child process (as a new user would) and
 * take whole-database snapshots over a plain @libsql/client connection, so nothing here goes
 * through the engine that is being tested.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type Value } from '@libsql/client';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let compiled: Promise<string> | undefined;

/** The directories tsconfig.json compiles: whatever the CLI may import lives there. */
const SOURCE_DIRS = ['bin', 'lib', 'schema', 'plugins', 'routes', 'client', 'scripts'];

/** A hash of every source file the CLI could import, and of the compiler options below. */
function sourceHash(args: readonly string[]): string {
  // The checkout too: the copy's node_modules link points into it.
  const hash = createHash('sha256').update(JSON.stringify([ROOT, args]));
  const files = SOURCE_DIRS.flatMap((dir) =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
          .filter((name) => /\.(ts|json)$/.test(name))
          .map((name) => join(dir, name))
      : [],
  );
  for (const file of [...files, 'app.ts', 'server.ts', 'package.json'].sort()) {
    if (existsSync(join(ROOT, file)))
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(ROOT, file)))
        .update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

/**
 * The CLI compiled to plain JavaScript, as `npm run build` ships it (`node dist/bin/schema-sync.js`):
 * tsc emits bin/schema-sync.ts and what it imports. A node process then starts in ~0.2 s instead
 * of ~0.7 s under tsx, which keeps the spawned tests fast. The output is shared under
 * os.tmpdir() by every test file (and run) that sees the same sources, keyed by their hash, so
 * the compile (~4 s of CPU) happens once, not once per file; a staged directory renamed into
 * place means concurrent files never see a half-written one.
 * SCHEMA_SYNC_E2E_TSX=1 runs `node --import tsx bin/schema-sync.ts` instead.
 */
function compiledCli(): Promise<string> {
  compiled ??= new Promise((resolve, reject) => {
    const options = [
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--types',
      'node',
      '--skipLibCheck',
      '--noCheck',
    ];
    const cache = join(tmpdir(), `schema-sync-cli-${sourceHash(options)}`);
    const entry = join(cache, 'bin', 'schema-sync.js');
    if (existsSync(join(cache, '.complete'))) {
      resolve(entry);
      return;
    }
    const staging = mkdtempSync(join(tmpdir(), 'schema-sync-cli-staging-'));
    // Bare imports (@libsql/client…) resolve through the repository's node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(staging, 'node_modules'), 'dir');
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--outDir',
        staging,
        '--rootDir',
        ROOT,
        ...options,
        join(ROOT, 'bin', 'schema-sync.ts'),
      ],
      { cwd: ROOT, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error !== null) {
          rmSync(staging, { recursive: true, force: true });
          reject(new Error(`cannot compile the CLI: ${error.message}\n${stdout}${stderr}`));
          return;
        }
        writeFileSync(join(staging, '.complete'), '');
        try {
          renameSync(staging, cache);
        } catch {
          // Another test file got there first with the same sources: use its copy.
          rmSync(staging, { recursive: true, force: true });
        }
        resolve(entry);
      },
    );
  });
  return compiled;
}

/**
 * The child's environment: the caller's, minus what the test runner adds, as a new user's shell
 * would have it. An undefined value removes a variable (e.g. SCHEMA_DIR).
 */
function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, ...extra };
  return Object.fromEntries(
    Object.entries(merged).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && entry[0] !== 'NODE_OPTIONS' && !/^(TAP|_TAPJS_)/.test(entry[0]),
    ),
  );
}

/** Runs `schema-sync <args>` from the repository root; never rejects on a non-zero exit. */
export async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const entry =
    process.env['SCHEMA_SYNC_E2E_TSX'] === '1' ? ['--import', 'tsx', 'bin/schema-sync.ts'] : [await compiledCli()];
  return new Promise((resolve, reject) => {
    // Through env(1): tap's process-info hook re-adds its NODE_OPTIONS to every child's environment
    // (whatever env we pass), and loading it into each CLI process doubles the suite's run time.
    execFile(
      '/usr/bin/env',
      ['-u', 'NODE_OPTIONS', process.execPath, ...entry, ...args],
      {
        cwd: ROOT,
        env: childEnv(env),
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`schema-sync ${args.join(' ')} did not exit normally: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

/** Parses the JSON the CLI printed, with the output in the message when it is not JSON. */
export function parseJson(result: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A value as a comparable string: type and value, blobs as hex. */
export function valueKey(value: Value | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof ArrayBuffer) return `blob:${Buffer.from(value).toString('hex')}`;
  if (ArrayBuffer.isView(value))
    return `blob:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  return `${typeof value}:${String(value)}`;
}

export interface TableInfo {
  readonly name: string;
  readonly withoutRowid: boolean;
  /** Column names in order (hidden and generated included). */
  readonly columns: readonly string[];
  /** Columns that are generated (their values are computed, not stored data). */
  readonly generated: readonly string[];
  /** The INTEGER PRIMARY KEY column that aliases the rowid, if any. */
  readonly rowidAlias: string | null;
  readonly primaryKey: readonly string[];
}

export interface Snapshot {
  /** Every row of sqlite_schema, verbatim. */
  readonly schema: ReadonlyArray<Record<string, string>>;
  readonly tables: ReadonlyMap<string, TableInfo>;
  /** Every row of every table (sqlite_sequence and schema_version included), with rowid. */
  readonly rows: ReadonlyMap<string, ReadonlyArray<Record<string, string>>>;
  /** One hash of everything above, to compare byte for byte. */
  readonly digest: string;
}

async function query(client: Client, sql: string): Promise<Array<Record<string, Value>>> {
  const result = await client.execute(sql);
  return result.rows.map((row) => {
    const out: Record<string, Value> = {};
    for (const [i, column] of result.columns.entries()) out[column] = row[i] as Value;
    return out;
  });
}

export async function snapshot(client: Client): Promise<Snapshot> {
  const schemaRows = await query(
    client,
    'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY type, name',
  );
  const schema = schemaRows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, valueKey(v)])));
  const tables = new Map<string, TableInfo>();
  const rows = new Map<string, Array<Record<string, string>>>();
  const list = await query(
    client,
    "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' ORDER BY name",
  );
  for (const entry of list) {
    const name = String(entry['name']);
    const columns = await query(
      client,
      `SELECT name, type, pk, hidden FROM pragma_table_xinfo(${quoteString(name)}) ORDER BY cid`,
    );
    const withoutRowid = Number(entry['wr']) === 1;
    const pk = columns
      .filter((c) => Number(c['pk']) > 0)
      .sort((a, b) => Number(a['pk']) - Number(b['pk']))
      .map((c) => String(c['name']));
    const pkColumn = columns.find((c) => Number(c['pk']) === 1);
    const rowidAlias =
      !withoutRowid && pk.length === 1 && String(pkColumn?.['type']).toUpperCase() === 'INTEGER'
        ? (pk[0] as string)
        : null;
    const info: TableInfo = {
      name,
      withoutRowid,
      columns: columns.map((c) => String(c['name'])),
      generated: columns
        .filter((c) => Number(c['hidden']) === 2 || Number(c['hidden']) === 3)
        .map((c) => String(c['name'])),
      rowidAlias,
      primaryKey: pk,
    };
    tables.set(name, info);
    const select = withoutRowid
      ? `SELECT * FROM ${quoteName(name)}`
      : `SELECT _rowid_ AS "(rowid)", * FROM ${quoteName(name)}`;
    const all = (await query(client, select)).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, valueKey(v)])),
    );
    rows.set(
      name,
      all.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    );
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([schema, [...rows]]))
    .digest('hex');
  return { schema, tables, rows, digest };
}

/** The "(rowid)" key `snapshot` stores for tables with a rowid. */
export const ROWID = '(rowid)';

/** What SQLite itself reports about one table (through its pragmas), with names as written. */
export interface TableFacts {
  readonly name: string;
  readonly strict: number;
  readonly withoutRowid: number;
  /** [name, type, notnull, default, pk, hidden] per column, in order. */
  readonly columns: ReadonlyArray<readonly [string, string, number, string | null, number, number]>;
  /** One JSON string per foreign key: columns, target, target columns, actions. */
  readonly foreignKeys: readonly string[];
  /** Every index on the table (autoindexes too): name (for CREATE INDEX ones), unique, origin, partial, key columns. */
  readonly indexes: ReadonlyArray<{ readonly name: string; readonly origin: string; readonly key: string }>;
}

export interface SchemaFacts {
  readonly tables: ReadonlyMap<string, TableFacts>;
  /** View name (folded) → output column names. */
  readonly views: ReadonlyMap<string, string>;
  /** Trigger name (folded) → the table or view it is on (folded). */
  readonly triggers: ReadonlyMap<string, string>;
}

export function foldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * An oracle independent of the engine: the schema as SQLite's pragmas report it. Comparing these
 * facts for the database after an apply and for after.sql loaded into an empty database shows
 * whether the apply really converged, whatever the planner believes.
 */
export async function schemaFacts(client: Client): Promise<SchemaFacts> {
  const objects = await query(
    client,
    `SELECT s.type, s.name, s.tbl_name, t.strict, t.wr, t.type AS kind FROM sqlite_schema AS s
    LEFT JOIN pragma_table_list AS t ON t.schema = 'main' AND t.name = s.name ORDER BY s.name`,
  );
  const tables = new Map<string, TableFacts>();
  const views = new Map<string, string>();
  const triggers = new Map<string, string>();
  for (const object of objects) {
    const name = String(object['name']);
    const folded = foldName(name);
    if (folded.startsWith('sqlite_') || folded === 'schema_version' || folded.startsWith('_schema_sync_')) continue;
    if (object['type'] === 'trigger') triggers.set(folded, foldName(String(object['tbl_name'])));
    if (object['type'] === 'view') {
      const columns = await query(client, `SELECT name FROM pragma_table_xinfo(${quoteString(name)}) ORDER BY cid`);
      views.set(folded, columns.map((column) => foldName(String(column['name']))).join(','));
    }
    if (object['type'] !== 'table' || object['kind'] === 'shadow' || object['kind'] === 'virtual') continue;
    const literal = quoteString(name);
    const columns = await query(
      client,
      `SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(${literal}) ORDER BY cid`,
    );
    const fks = await query(
      client,
      `SELECT id, seq, "table", "from", "to", on_update, on_delete, "match" FROM pragma_foreign_key_list(${literal}) ORDER BY id, seq`,
    );
    const byId = new Map<number, Array<Record<string, Value>>>();
    for (const part of fks) byId.set(Number(part['id']), [...(byId.get(Number(part['id'])) ?? []), part]);
    const indexList = await query(client, `SELECT name, "unique", origin, partial FROM pragma_index_list(${literal})`);
    const indexes = [];
    for (const index of indexList) {
      const parts = await query(
        client,
        `SELECT cid, name, "desc", coll FROM pragma_index_xinfo(${quoteString(String(index['name']))}) WHERE key = 1 ORDER BY seqno`,
      );
      indexes.push({
        name: index['origin'] === 'c' ? foldName(String(index['name'])) : '(autoindex)',
        origin: String(index['origin']),
        key: JSON.stringify([
          Number(index['unique']),
          index['origin'],
          Number(index['partial']),
          parts.map((part) => [
            part['name'] === null ? `expr#${String(part['cid'])}` : foldName(String(part['name'])),
            Number(part['desc']),
            foldName(String(part['coll'])),
          ]),
        ]),
      });
    }
    tables.set(folded, {
      name,
      strict: Number(object['strict']),
      withoutRowid: Number(object['wr']),
      columns: columns.map(
        (column) =>
          [
            String(column['name']),
            String(column['type'])
              .toUpperCase()
              .replace(/\s+/g, ' ')
              .replace(/\s*([(),])\s*/g, '$1'),
            Number(column['notnull']),
            column['dflt_value'] === null ? null : normaliseDefault(String(column['dflt_value'])),
            Number(column['pk']),
            Number(column['hidden']),
          ] as const,
      ),
      foreignKeys: [...byId.values()]
        .map((parts) =>
          JSON.stringify([
            parts.map((part) => foldName(String(part['from']))),
            foldName(String(parts[0]?.['table'])),
            parts.map((part) => (part['to'] === null ? null : foldName(String(part['to'])))),
            parts[0]?.['on_update'],
            parts[0]?.['on_delete'],
            parts[0]?.['match'],
          ]),
        )
        .sort(),
      indexes: indexes.sort((a, b) => (a.name + a.key < b.name + b.key ? -1 : 1)),
    });
  }
  return { tables, views, triggers };
}

/** SQLite reports a default as written (minus outer parentheses): fold keyword case and spacing. */
function normaliseDefault(text: string): string {
  if (/^current_(timestamp|date|time)$/i.test(text)) return text.toUpperCase();
  return text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

/** The facts of a schema script loaded into an empty in-memory database over a plain connection. */
export async function scriptFacts(sql: string): Promise<SchemaFacts> {
  const client = createClient({ url: ':memory:' });
  try {
    // Like `.schema` output may, the script can declare the tables SQLite makes itself.
    await client.executeMultiple(
      sql.replace(/CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?["`[]?sqlite_\w*["`\]]?\s*\([^;]*\);/gi, ''),
    );
    return await schemaFacts(client);
  } finally {
    client.close();
  }
}

/** A scratch directory for one test file: numbered database files and named schema files in it. */
export function scratch(
  prefix: string,
  teardown: (fn: () => void) => void,
): {
  readonly dir: string;
  newDb(): { path: string; url: string };
  schemaFile(name: string, sql: string): string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  teardown(() => rmSync(dir, { recursive: true, force: true }));
  let counter = 0;
  return {
    dir,
    newDb() {
      const path = join(dir, `db-${counter++}.db`);
      return { path, url: `file:${path}` };
    },
    schemaFile(name, sql) {
      const file = join(dir, name);
      writeFileSync(file, sql);
      return file;
    },
  };
}
