/**
 * Planner + applier, differential: a column added with a constant default must read, in every old
 * row, exactly what SQLite stores for a row inserted afterwards, and leave integrity_check ok.
 * SQLite 3.45's ADD COLUMN gets real values wrong (NOT NULL DEFAULT 1.5: integrity_check reports
 * NULLs, a STRICT table refuses; DEFAULT 1e3 in a TEXT column reads '1e3' instead of '1000.0'), so
 * the planner rebuilds there. Every type × literal × NOT NULL × STRICT combination is tried in one
 * database and compared with a table created with the column and filled by INSERT.
 */
import t from 'tap';
import type { Test } from 'tap';
import { loadDesiredSchema } from '../../lib/desired.js';
import { quoteString } from '../../lib/sql/tokens.js';
import {
  dirFor,
  foreignKeyViolations,
  integrityOk,
  migrateTo,
  planTo,
  rows,
  sqlOf,
  tempDb,
  type TestDb,
} from './_support.js';

const TYPES = [
  'INTEGER',
  'INT',
  'REAL',
  'TEXT',
  'BLOB',
  'NUMERIC',
  '',
  'ANY',
  'VARCHAR(5)',
  'FLOAT',
  'DOUBLE',
  'DECIMAL(10,2)',
  'BOOLEAN',
];
const STRICT_TYPES = ['INTEGER', 'INT', 'REAL', 'TEXT', 'BLOB', 'ANY'];
const LITERALS = [
  '1',
  '-1',
  '0',
  '1.5',
  '-1.5',
  '(1.5)',
  '+1.5',
  '(-(1.5))',
  '1e3',
  '1E2',
  '1.0',
  '0.0',
  '-0.0',
  '.5',
  '1.',
  '0x10',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '1.5e400',
  "'1.5'",
  "'abc'",
  "'12'",
  "' 12 '",
  "'1.0'",
  "'1e3'",
  "'-1.5e2'",
  "'.5'",
  "'0x10'",
  "''",
  "-'1.5'",
  "+'2.5'",
  "x'00'",
  'TRUE',
  'FALSE',
  'NULL',
  'CURRENT_DATE',
];

interface Combo {
  readonly table: string;
  readonly definition: string;
  readonly strict: boolean;
}

function combos(): Combo[] {
  const out: Combo[] = [];
  for (const strict of [false, true]) {
    for (const type of strict ? STRICT_TYPES : TYPES) {
      for (const literal of LITERALS) {
        for (const notNull of [false, true]) {
          if (notNull && literal === 'NULL') continue;
          out.push({
            table: `t${out.length}`,
            definition: `x ${type} ${notNull ? 'NOT NULL ' : ''}DEFAULT ${literal}`,
            strict,
          });
        }
      }
    }
  }
  return out;
}

async function freshDb(t: Test): Promise<TestDb> {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  return db;
}

t.test('every constant default reads in old rows as in new ones, integrity_check ok', async (t) => {
  const all = combos();
  // What SQLite stores for an inserted row; combinations SQLite refuses outright are left out.
  // One transaction: a failing statement inside it rolls back only itself.
  const reference = await freshDb(t);
  const accepted: Array<Combo & { readonly expected: string }> = [];
  const transaction = await reference.client.transaction('write');
  for (const combo of all) {
    try {
      await transaction.execute(
        `CREATE TABLE ${combo.table} (id INTEGER PRIMARY KEY, ${combo.definition})${combo.strict ? ' STRICT' : ''}`,
      );
    } catch {
      continue;
    }
    try {
      await transaction.execute(`INSERT INTO ${combo.table} (id) VALUES (1), (2)`);
    } catch {
      await transaction.execute(`DROP TABLE ${combo.table}`);
      continue;
    }
    accepted.push({ ...combo, expected: '' });
  }
  const read = (combo: Combo): string =>
    `SELECT ${quoteString(combo.table)} AS t, id, quote(x) AS x, typeof(x) AS type FROM ${combo.table}`;
  const readAll = async (client: TestDb['client'], combos: readonly Combo[]): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (let i = 0; i < combos.length; i += 200) {
      const result = await client.execute(
        combos
          .slice(i, i + 200)
          .map(read)
          .join(' UNION ALL '),
      );
      for (const row of result.rows)
        out.set(`${String(row['t'])}.${String(row['id'])}`, `${String(row['x'])} ${String(row['type'])}`);
    }
    return out;
  };
  await transaction.commit();
  const expected = await readAll(reference.client, accepted);
  t.ok(accepted.length > 700, `${accepted.length} of ${all.length} combinations SQLite accepts`);

  const ddl = (combo: Combo, withColumn: boolean): string =>
    `CREATE TABLE ${combo.table} (id INTEGER PRIMARY KEY${withColumn ? `, ${combo.definition}` : ''})${combo.strict ? ' STRICT' : ''}`;
  // A few databases of ~100 tables each: every RENAME of a rebuild re-reads the whole schema.
  const got = new Map<string, string>();
  let added = 0;
  let rebuilt = 0;
  for (let i = 0; i < accepted.length; i += 100) {
    const chunk = accepted.slice(i, i + 100);
    const db = await freshDb(t);
    await db.client.batch(
      chunk.flatMap((combo) => [ddl(combo, false), `INSERT INTO ${combo.table} (id) VALUES (1), (2)`]),
      'write',
    );
    const desired = await loadDesiredSchema(chunk.map((combo) => `${ddl(combo, true)};`).join('\n'));
    const made = await migrateTo(db.client, desired);
    const again = sqlOf(await planTo(db.client, desired));
    if (again.length > 0) t.same(again, [], 'planning again gives no steps');
    if (!(await integrityOk(db.client)))
      t.fail(`integrity_check fails: ${JSON.stringify(await rows(db.client, 'PRAGMA integrity_check'))}`);
    t.equal(await foreignKeyViolations(db.client), 0);
    added += made.steps.filter((s) => s.kind === 'add_column').length;
    rebuilt += new Set(made.steps.filter((s) => s.kind === 'rebuild_table').map((s) => s.object)).size;
    for (const [key, value] of await readAll(db.client, chunk)) got.set(key, value);
  }
  t.ok(added > 400 && rebuilt > 50, `${added} added in place, ${rebuilt} rebuilt`);
  const definitions = new Map(
    accepted.map((combo) => [combo.table, `${combo.definition}${combo.strict ? ' (STRICT)' : ''}`]),
  );
  const wrong = [...expected]
    .filter(([key, value]) => got.get(key) !== value)
    .map(
      ([key, value]) => `${definitions.get(key.split('.')[0] ?? '')}: ${got.get(key) ?? 'missing'} instead of ${value}`,
    );
  t.same(wrong, [], 'every old row reads what an INSERT stores');
});
