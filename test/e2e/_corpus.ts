/**
 * The held-out corpus (issue 2): schema changes tried as a new user would, through the CLI's own
 * entry point. The cases run in-process (`run(argv, io)`, the function bin/schema-sync.ts calls)
 * split over cli-corpus-<i>.test.ts by a hash of the case name; cli-corpus-spawned.test.ts runs a
 * few of them through a real child process.
 * Each directory under corpus/ holds before.sql, optional rows.sql, after.sql and case.json.
 *
 * For every case: `apply --schema before.sql`, insert rows.sql over a plain connection, snapshot,
 * `plan --schema after.sql --json`, `apply --schema after.sql [--allow-destructive] --json`, then
 *  - converges: exit 0, apply ran exactly the planned statements, a second plan is empty,
 *    integrity_check ok, foreign_key_check empty, every pre-existing row of a surviving table is
 *    still there with the same values in the surviving columns (keyed by rowid or primary key);
 *  - fails-unchanged: exit 1, the JSON names a planned statement as the failing one, and the
 *    whole database (sqlite_schema and every row) is identical to the snapshot.
 * CORPUS_CASE=<name>[,<name>…] runs only those cases (in whichever files hold them); CORPUS_JOBS sets
 * how many run at once per file (default 2).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createClient, type Value } from '@libsql/client';
import {
  foldName,
  parseJson,
  quoteName,
  ROWID,
  schemaFacts,
  scriptFacts,
  snapshot,
  type CliResult,
  type SchemaFacts,
  type Snapshot,
  type TableInfo,
} from './_cli.js';

interface CaseSpec {
  readonly allowDestructive: boolean;
  readonly expect: 'converges' | 'fails-unchanged';
  readonly description: string;
  /** Expected row counts after the apply. */
  readonly rowsAfter?: Readonly<Record<string, number>>;
  /** Columns after.sql lacks that must still be there (with their data) after the apply. */
  readonly keptColumns?: Readonly<Record<string, readonly string[]>>;
  /** Columns that must be gone after the apply. */
  readonly droppedColumns?: Readonly<Record<string, readonly string[]>>;
  /** Tables after.sql lacks that must still be there after the apply. */
  readonly keptTables?: readonly string[];
  /** Tables that must be gone after the apply (their rows may go with them). */
  readonly droppedTables?: readonly string[];
  /** Entries the plan must report in `skipped`, as "kind:object". */
  readonly skipped?: readonly string[];
  /** Exact number of planned statements (0 for the no-op cases). */
  readonly steps?: number;
  /** Step kinds that must appear in the plan, and kinds that must not. */
  readonly kinds?: readonly string[];
  readonly notKinds?: readonly string[];
  /** Compare surviving values as text (a type change may convert '42' to 42 by affinity). */
  readonly valueCompare?: 'strict' | 'text';
  /** Queries run after the apply, with the rows they must return. */
  readonly queries?: ReadonlyArray<{ readonly sql: string; readonly rows: readonly (readonly unknown[])[] }>;
  /** For fails-unchanged: a fragment the failing statement must contain. */
  readonly failingStatement?: string;
}

interface PlanJson {
  readonly steps: ReadonlyArray<{ kind: string; object: string; sql: string; destructive: boolean }>;
  readonly skipped: ReadonlyArray<{ kind: string; object: string }>;
}

/** Runs `schema-sync <args>` (in-process or spawned) and returns its exit code and output. */
export type Runner = (args: readonly string[]) => Promise<CliResult>;

const CORPUS = join(import.meta.dirname, 'corpus');

/** Every case directory, sorted. */
export const allCases: readonly string[] = readdirSync(CORPUS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** How many cli-corpus-<i>.test.ts files share the corpus. */
export const SHARDS = 4;

/** A stable split: a case's file depends only on its name, so adding a case moves no other. */
export function shardOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % SHARDS;
}

/** Runs the given cases (narrowed by CORPUS_CASE) as subtests of `t`. */
export function runCases(t: Test, names: readonly string[], runner: Runner): void {
  const only = process.env['CORPUS_CASE']?.split(',');
  const selected = names.filter((name) => only === undefined || only.includes(name));
  const work = mkdtempSync(join(tmpdir(), 'schema-sync-corpus-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  t.jobs = Number(process.env['CORPUS_JOBS'] ?? 2);
  for (const name of selected) runCase(t, name, work, runner);
}

const fold = foldName;

function findTable(snap: Snapshot, name: string): TableInfo | undefined {
  return [...snap.tables.values()].find((table) => fold(table.name) === fold(name));
}

function isApplicationTable(name: string): boolean {
  const folded = fold(name);
  return !folded.startsWith('sqlite_') && folded !== 'schema_version';
}

function plainValue(value: Value | undefined): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof ArrayBuffer) return `x'${Buffer.from(value).toString('hex')}'`;
  return value ?? null;
}

/** Projects every row onto `keys` (before-side names → after-side names) as comparable strings. */
function project(rows: ReadonlyArray<Record<string, string>>, keys: readonly string[], text: boolean): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        keys.map((key) => {
          const value = row[key] ?? 'missing';
          return text ? value.replace(/^(number|string|bigint):/, '') : value;
        }),
      ),
    )
    .sort();
}

/**
 * The database after the apply against after.sql loaded into an empty database, both as SQLite's
 * pragmas report them: every desired table, column, foreign key, index, view and trigger must be
 * there as desired. Objects after.sql lacks may remain only when dropping was not allowed.
 */
function compareFacts(t: Test, actual: SchemaFacts, desired: SchemaFacts, allowDestructive: boolean): void {
  const extraTables = [...actual.tables.keys()].filter((name) => !desired.tables.has(name));
  if (allowDestructive) t.same(extraTables, [], 'no table beyond the desired ones');
  for (const [key, want] of desired.tables) {
    const have = actual.tables.get(key);
    if (have === undefined) {
      t.fail(`table ${want.name} exists`);
      continue;
    }
    const wanted = new Set(want.columns.map((column) => fold(column[0])));
    const kept = new Set(have.columns.map((column) => fold(column[0])).filter((name) => !wanted.has(name)));
    if (allowDestructive) t.same([...kept], [], `${want.name} has no column beyond the desired ones`);
    const usesKept = (names: readonly (string | null)[]): boolean =>
      names.some((name) => name !== null && kept.has(fold(name)));
    const namedIndexes = new Set(want.indexes.filter((index) => index.origin === 'c').map((index) => index.name));
    const view = (facts: typeof want, side: 'actual' | 'desired') => ({
      strict: facts.strict,
      withoutRowid: facts.withoutRowid,
      columns: facts.columns
        .filter((column) => !kept.has(fold(column[0])))
        .map(([name, ...rest]) => [fold(name), ...rest]),
      foreignKeys: facts.foreignKeys.filter((fk) => !usesKept((JSON.parse(fk) as [string[]])[0])),
      indexes: facts.indexes.filter(
        (index) =>
          side === 'desired' ||
          (index.origin === 'c'
            ? namedIndexes.has(index.name) || allowDestructive
            : !usesKept(
                (JSON.parse(index.key) as [number, string, number, Array<[string]>])[3].map((part) => part[0]),
              )),
      ),
    });
    t.same(
      view(have, 'actual'),
      view(want, 'desired'),
      `table ${want.name} is as desired (columns, keys, foreign keys, indexes)`,
    );
  }
  for (const [name, columns] of desired.views)
    t.equal(actual.views.get(name), columns, `view ${name} exists with columns ${columns}`);
  for (const [name, table] of desired.triggers)
    t.equal(actual.triggers.get(name), table, `trigger ${name} exists on ${table}`);
  if (allowDestructive) {
    t.same(
      [...actual.views.keys()].filter((name) => !desired.views.has(name)),
      [],
      'no view beyond the desired ones',
    );
    t.same(
      [...actual.triggers.keys()].filter((name) => !desired.triggers.has(name)),
      [],
      'no trigger beyond the desired ones',
    );
  }
}

function runCase(t: Test, name: string, work: string, cli: Runner): void {
  const dir = join(CORPUS, name);
  const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
  t.test(`${name}: ${spec.description}`, { buffered: true }, async (t) => {
    const dbPath = join(work, `${name}.db`);
    const db = `file:${dbPath}`;
    const before = join(dir, 'before.sql');
    const after = join(dir, 'after.sql');
    const destructive = spec.allowDestructive ? ['--allow-destructive'] : [];

    const created = await cli(['apply', '--db', db, '--schema', before, '--json']);
    t.equal(created.code, 0, 'apply before.sql exits 0', { output: created.stdout + created.stderr });
    if (created.code !== 0) return;

    const client = createClient({ url: db });
    try {
      if (existsSync(join(dir, 'rows.sql'))) await client.executeMultiple(readFileSync(join(dir, 'rows.sql'), 'utf8'));
    } finally {
      client.close();
    }
    const client1 = createClient({ url: db, intMode: 'bigint' });
    const snapBefore = await snapshot(client1);
    client1.close();

    const planned = await cli(['plan', '--db', db, '--schema', after, ...destructive, '--json']);
    t.equal(planned.code, 0, 'plan exits 0', { output: planned.stdout + planned.stderr });
    const plan = parseJson(planned) as unknown as PlanJson;
    const plannedSql = plan.steps.map((step) => step.sql);
    if (spec.steps !== undefined)
      t.equal(plan.steps.length, spec.steps, `plans ${spec.steps} statement(s)`, { plan: plannedSql });
    const kinds = new Set(plan.steps.map((step) => step.kind));
    for (const kind of spec.kinds ?? []) t.ok(kinds.has(kind), `the plan has a ${kind} step`);
    for (const kind of spec.notKinds ?? [])
      t.notOk(kinds.has(kind), `the plan has no ${kind} step`, { plan: plannedSql });
    const skipped = new Set(plan.skipped.map((entry) => fold(`${entry.kind}:${entry.object}`)));
    for (const entry of spec.skipped ?? []) t.ok(skipped.has(fold(entry)), `the plan reports ${entry} as skipped`);
    if (!spec.allowDestructive)
      t.notOk(
        plan.steps.some((step) => step.destructive),
        'no destructive step without --allow-destructive',
      );

    const applied = await cli(['apply', '--db', db, '--schema', after, ...destructive, '--json']);
    const output = parseJson(applied);
    const client2 = createClient({ url: db, intMode: 'bigint' });
    try {
      const snapAfter = await snapshot(client2);
      if (spec.expect === 'fails-unchanged') {
        t.equal(applied.code, 1, 'apply exits 1');
        t.equal(output['outcome'], 'failed', 'the JSON says the apply failed');
        t.type(output['statement'], 'string', 'the JSON names the failing statement', { output: applied.stdout });
        // …as the caller knows it: a rebuild's temporary table under the table's real name
        const asKnown = plannedSql.map((sql) => sql.replaceAll('_schema_sync_new_', ''));
        t.ok(asKnown.includes(String(output['statement'])), 'the failing statement is one of the planned ones');
        t.notMatch(String(output['statement']), /_schema_sync_new_/, "named without the rebuild's temporary table");
        if (spec.failingStatement !== undefined) {
          t.match(
            String(output['statement']),
            spec.failingStatement,
            `the failing statement is the one that ${spec.failingStatement}`,
          );
        }
        t.same(snapAfter.schema, snapBefore.schema, 'sqlite_schema is unchanged');
        t.same([...snapAfter.rows], [...snapBefore.rows], 'every row is unchanged');
        t.equal(snapAfter.digest, snapBefore.digest, 'the database is identical to before');
        return;
      }

      t.equal(applied.code, 0, 'apply exits 0', { output: applied.stdout + applied.stderr });
      if (applied.code !== 0) return;
      t.same(
        (output['steps'] as PlanJson['steps']).map((step) => step.sql),
        plannedSql,
        'apply runs exactly the planned statements',
      );

      const again = await cli(['plan', '--db', db, '--schema', after, ...destructive, '--json']);
      t.equal(again.code, 0, 'second plan exits 0');
      const second = parseJson(again) as unknown as PlanJson;
      t.same(
        second.steps.map((step) => `${step.kind} ${step.object}: ${step.sql}`),
        [],
        'a second plan has nothing to do',
      );

      const integrity = await client2.execute('PRAGMA integrity_check');
      t.same(
        integrity.rows.map((row) => row[0]),
        ['ok'],
        'integrity_check is ok',
      );
      const violations = await client2.execute('PRAGMA foreign_key_check');
      t.same(
        violations.rows.map((row) => Array.from({ length: violations.columns.length }, (_, i) => row[i])),
        [],
        'foreign_key_check is empty',
      );
      const leftovers = snapAfter.schema.filter((row) => /_schema_sync_/.test(row['name'] ?? ''));
      t.same(leftovers, [], 'no temporary objects are left behind');

      compareFacts(
        t,
        await schemaFacts(client2),
        await scriptFacts(readFileSync(after, 'utf8')),
        spec.allowDestructive,
      );

      for (const table of spec.droppedTables ?? [])
        t.equal(findTable(snapAfter, table), undefined, `table ${table} is dropped`);
      for (const table of spec.keptTables ?? [])
        t.not(findTable(snapAfter, table), undefined, `table ${table} is kept`);
      for (const [table, columns] of Object.entries(spec.keptColumns ?? {})) {
        const info = findTable(snapAfter, table);
        for (const column of columns)
          t.ok(
            info?.columns.some((c) => fold(c) === fold(column)),
            `column ${table}.${column} is kept`,
          );
      }
      for (const [table, columns] of Object.entries(spec.droppedColumns ?? {})) {
        const info = findTable(snapAfter, table);
        for (const column of columns)
          t.notOk(
            info?.columns.some((c) => fold(c) === fold(column)),
            `column ${table}.${column} is dropped`,
          );
      }

      const droppedTables = new Set((spec.droppedTables ?? []).map(fold));
      for (const old of snapBefore.tables.values()) {
        if (!isApplicationTable(old.name)) continue;
        const now = findTable(snapAfter, old.name);
        if (now === undefined) {
          t.ok(
            spec.allowDestructive && droppedTables.has(fold(old.name)),
            `table ${old.name} may only be gone when dropping was allowed and expected`,
          );
          continue;
        }
        const generated = new Set([...old.generated, ...now.generated].map(fold));
        const shared = old.columns.filter(
          (column) => !generated.has(fold(column)) && now.columns.some((c) => fold(c) === fold(column)),
        );
        const keepsRowid = !old.withoutRowid && !now.withoutRowid && old.rowidAlias === null && now.rowidAlias === null;
        const oldKeys = [...(keepsRowid ? [ROWID] : []), ...shared];
        const newKeys = oldKeys.map((key) =>
          key === ROWID ? key : (now.columns.find((c) => fold(c) === fold(key)) as string),
        );
        const text = spec.valueCompare === 'text';
        const oldRows = snapBefore.rows.get(old.name) ?? [];
        const newRows = snapAfter.rows.get(now.name) ?? [];
        t.equal(newRows.length, oldRows.length, `${old.name} keeps its ${oldRows.length} row(s)`);
        t.same(
          project(newRows, newKeys, text),
          project(oldRows, oldKeys, text),
          `${old.name}: every row keeps its values in ${oldKeys.map((key) => quoteName(key)).join(', ')}`,
        );
      }
      for (const [table, count] of Object.entries(spec.rowsAfter ?? {})) {
        const info = findTable(snapAfter, table);
        t.equal(snapAfter.rows.get(info?.name ?? table)?.length, count, `${table} has ${count} row(s)`);
      }
      for (const { sql, rows } of spec.queries ?? []) {
        const result = await client2.execute(sql);
        t.same(
          result.rows.map((row) => Array.from({ length: result.columns.length }, (_, i) => plainValue(row[i]))),
          rows,
          `query: ${sql}`,
        );
      }
    } finally {
      client2.close();
    }
  });
}
