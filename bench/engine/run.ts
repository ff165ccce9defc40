/**
 * bench/engine: the engine's speed on a 500-table schema, each number beside its floor measured in
 * the same run on the same machine.
 *   - introspection of a 500-table database (one query, folded into the model) vs. two floors: the
 *     same pragma table-valued functions run as one plain SELECT (the facts, unfolded), and
 *     reading sqlite_schema alone; warm (texts seen before: a fleet of one schema) and cold;
 *   - plan time: pure planning for creation and for a change touching 10% of the tables;
 *   - apply time (guarded, asserted, one batch) vs. replaying the very same DDL by hand in one
 *     transaction with the raw client (the floor), for creation and for a rebuild of 50 tables
 *     holding 2,000 rows each.
 * Run: npm run bench:engine  (writes bench/results/engine.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { applyPlan } from '../../lib/apply.js';
import { planMigration } from '../../lib/plan/planner.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { introspect } from '../../lib/introspect.js';
import { emptySchema } from '../../lib/model.js';

const TABLES = 500;
const REBUILT_TABLES = 50;
const ROWS_PER_TABLE = 2000;

function schemaSql(tables: number, changed: (i: number) => boolean, prefix = 't'): string {
  const statements: string[] = [];
  for (let i = 0; i < tables; i++) {
    const change = changed(i);
    const parent = i === 0 ? '' : `,\n  parent_id INTEGER REFERENCES ${prefix}${i - 1}(id) ON DELETE CASCADE`;
    statements.push(`CREATE TABLE ${prefix}${i} (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL${change ? ' COLLATE NOCASE' : ''},
  amount REAL NOT NULL DEFAULT 0 CHECK (amount >= 0),
  status TEXT NOT NULL DEFAULT 'new',
  note TEXT,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP${parent}${change ? ',\n  extra TEXT' : ''}
)`);
    statements.push(`CREATE INDEX ${prefix}${i}_name ON ${prefix}${i} (name)`);
    statements.push(
      `CREATE INDEX ${prefix}${i}_status_amount ON ${prefix}${i} (status, amount DESC) WHERE status <> 'done'`,
    );
    if (i % 10 === 0) {
      statements.push(
        `CREATE TRIGGER ${prefix}${i}_audit AFTER UPDATE ON ${prefix}${i} BEGIN UPDATE ${prefix}${i} SET note = 'updated' WHERE id = NEW.id AND note IS NULL; END`,
      );
    }
  }
  return statements.map((statement) => `${statement};`).join('\n');
}

async function median(runs: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] as number) * 100) / 100;
}

const dir = mkdtempSync(join(tmpdir(), 'schema-sync-bench-'));
let counter = 0;
function freshDatabase(): Client {
  return createClient({ url: `file:${join(dir, `db${counter++}.db`)}` });
}

/** The floor: the same DDL replayed by hand in one transaction, nothing planned or checked. */
async function replayByHand(client: Client, statements: readonly string[]): Promise<void> {
  await client.migrate([...statements]);
}

/** Rows in t0..t(n-1); each row of t(i) references the row with the same id in t(i-1). */
async function seed(client: Client, tables: number): Promise<void> {
  const values = (withParent: boolean): string =>
    Array.from({ length: ROWS_PER_TABLE }, (_, r) => `('n${r}', ${r % 97}${withParent ? `, ${r + 1}` : ''})`).join(
      ', ',
    );
  const statements = Array.from({ length: tables }, (_, i) =>
    i === 0
      ? `INSERT INTO t0 (name, amount) VALUES ${values(false)}`
      : `INSERT INTO t${i} (name, amount, parent_id) VALUES ${values(true)}`,
  );
  await client.batch(statements, 'write');
}

const baseSql = schemaSql(TABLES, () => false);
const changedSql = schemaSql(TABLES, (i) => i < REBUILT_TABLES);
const base = await loadDesiredSchema(baseSql);
const changed = await loadDesiredSchema(changedSql);

// Plan time (pure). Three figures each, because V8 optimises the planner as it runs: the first
// plan of the process (what a fleet's plan group pays), the median of the next 21 (still warming
// up), and the median of 41 after 40 more (the steady state of a long-running service).
const firstMs = (fn: () => unknown): number => {
  const start = performance.now();
  fn();
  return Math.round((performance.now() - start) * 100) / 100;
};
const warmMedian = async (fn: () => unknown): Promise<number> => {
  for (let i = 0; i < 40; i++) fn();
  return median(41, fn);
};
const planChangeFirstMs = firstMs(() => planMigration(base, changed));
const createPlan = planMigration(emptySchema, base);
const planCreateMs = await median(21, () => planMigration(emptySchema, base));
const planCreateWarmMs = await warmMedian(() => planMigration(emptySchema, base));
const changePlan = planMigration(base, changed);
const planChangeMs = await median(21, () => planMigration(base, changed));
const planChangeWarmMs = await warmMedian(() => planMigration(base, changed));
// Floor for planning: the least a diff can do — serialize both models and compare table by table.
const compareBoth = (): number => {
  const before = new Map(base.tables.map((table) => [table.name, JSON.stringify(table)]));
  return changed.tables.filter((table) => before.get(table.name) !== JSON.stringify(table)).length;
};
const compareFloorMs = await median(21, compareBoth);
const compareFloorWarmMs = await warmMedian(compareBoth);

// Introspection of a 500-table database, and the floor: one query over sqlite_schema alone.
const introspected = freshDatabase();
await replayByHand(
  introspected,
  createPlan.steps.map((step) => step.sql),
);
const introspectMs = await median(11, () => introspect(introspected));
const sqliteSchemaFloorMs = await median(11, () =>
  introspected.execute('SELECT type, name, tbl_name, sql FROM sqlite_schema'),
);
/** The floor: every fact introspection reads, from the same pragma functions, in one plain SELECT. */
const PRAGMA_FLOOR_SQL = `SELECT s.name, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden FROM sqlite_schema s, pragma_table_xinfo(s.name) c WHERE s.type = 'table'
UNION ALL SELECT s.name, f."table", f."from", f."to", f.on_update, f.on_delete, f.seq FROM sqlite_schema s, pragma_foreign_key_list(s.name) f WHERE s.type = 'table'
UNION ALL SELECT s.name, il.name, x.name, x."desc", x.coll, il."unique", il.origin FROM sqlite_schema s, pragma_index_list(s.name) il, pragma_index_xinfo(il.name) x WHERE s.type = 'table' AND x.key = 1
UNION ALL SELECT s.name, t.type, t.strict, t.wr, s.sql, s.type, s.tbl_name FROM sqlite_schema s, pragma_table_list(s.name) t WHERE t.schema = 'main'`;
const pragmaFloorMs = await median(11, () => introspected.execute(PRAGMA_FLOOR_SQL));
// Cold: databases whose texts this process has never parsed (each its own table names).
const coldDatabases: Client[] = [];
for (let i = 0; i < 5; i++) {
  const c = freshDatabase();
  await replayByHand(
    c,
    planMigration(emptySchema, await loadDesiredSchema(schemaSql(TABLES, () => false, `cold${i}_`))).steps.map(
      (step) => step.sql,
    ),
  );
  coldDatabases.push(c);
}
let coldIndex = 0;
const introspectColdMs = await median(5, () => introspect(coldDatabases[coldIndex++] as Client));

// Apply: creation of 500 tables.
const auditState = { tableExists: false, latestId: 0 };
const audit = (version: string) => ({
  version,
  description: 'bench',
  createdAt: '2024-01-01T00:00:00.000Z',
  appliedAt: new Date().toISOString(),
  checksum: 'x',
  previousVersion: null,
});
const applyCreateMs = await median(5, async () => {
  const c = freshDatabase();
  await applyPlan(c, createPlan, audit('1.0.0'), auditState);
  c.close();
});
const replayCreateMs = await median(5, async () => {
  const c = freshDatabase();
  await replayByHand(
    c,
    createPlan.steps.map((s) => s.sql),
  );
  c.close();
});

// Apply: rebuild 50 tables with rows (2,000 each), everything checked in the batch.
const rebuildStatements = changePlan.steps.filter((step) => step.kind !== 'assert').map((step) => step.sql);
async function seededDatabase(): Promise<Client> {
  const c = freshDatabase();
  await replayByHand(
    c,
    createPlan.steps.map((s) => s.sql),
  );
  await seed(c, REBUILT_TABLES + 1);
  return c;
}
const rebuildTimes: number[] = [];
const replayRebuildTimes: number[] = [];
for (let i = 0; i < 3; i++) {
  const a = await seededDatabase();
  let start = performance.now();
  await applyPlan(a, changePlan, audit('1.1.0'), auditState);
  rebuildTimes.push(performance.now() - start);
  const remaining = planMigration(await introspect(a), changed).steps.length;
  if (remaining !== 0) throw new Error(`rebuild did not converge: ${remaining} steps left`);
  a.close();
  const b = await seededDatabase();
  start = performance.now();
  await replayByHand(b, rebuildStatements);
  replayRebuildTimes.push(performance.now() - start);
  b.close();
}
const mid = (values: number[]): number => Math.round(([...values].sort((x, y) => x - y)[1] as number) * 100) / 100;

const results = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  tables: TABLES,
  plan: {
    createStatements: createPlan.steps.length,
    createMs: planCreateMs,
    createWarmMs: planCreateWarmMs,
    changeStatements: changePlan.steps.length,
    changeFirstMs: planChangeFirstMs,
    changeMs: planChangeMs,
    changeWarmMs: planChangeWarmMs,
    floorCompareMs: compareFloorMs,
    floorCompareWarmMs: compareFloorWarmMs,
    target: 'changeMs < 20',
  },
  introspect: {
    ms: introspectMs,
    coldMs: introspectColdMs,
    floorPragmaSelectMs: pragmaFloorMs,
    target: 'ratio <= 2',
    ratio: Math.round((introspectMs / pragmaFloorMs) * 100) / 100,
    coldRatio: Math.round((introspectColdMs / pragmaFloorMs) * 100) / 100,
    floorSqliteSchemaOnlyMs: sqliteSchemaFloorMs,
  },
  applyCreate: {
    ms: applyCreateMs,
    floorReplayMs: replayCreateMs,
    ratio: Math.round((applyCreateMs / replayCreateMs) * 100) / 100,
  },
  applyRebuild: {
    tables: REBUILT_TABLES,
    rowsPerTable: ROWS_PER_TABLE,
    ms: mid(rebuildTimes),
    floorReplayMs: mid(replayRebuildTimes),
    ratio: Math.round((mid(rebuildTimes) / mid(replayRebuildTimes)) * 100) / 100,
  },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/engine.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
rmSync(dir, { recursive: true, force: true });
