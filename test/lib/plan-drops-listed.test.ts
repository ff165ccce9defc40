/**
 * What a plan says must be all it does: every index, view and trigger (and table) that exists
 * before an apply and not after is listed as dropped, with why — by the caller's allowance, or
 * gone with a dropped column or table — also where SQLite would take it along with a DROP TABLE.
 * Checked on real files against sqlite_schema before and after each apply.
 */
import t, { type Test } from 'tap';
import type { Client } from '@libsql/client';
import { formatPlan, summarizePlan } from '../../bin/cli/format.js';
import type { Plan, PlanOptions } from '../../lib/plan/planner.js';
import { converge, rows, without } from './_support.js';

/** Named objects (type:name, folded) as sqlite_schema lists them; autoindexes belong to their table. */
async function objects(client: Client): Promise<Set<string>> {
  const found = await rows(
    client,
    "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_version'",
  );
  return new Set(found.map((row) => `${row['type'] as string}:${(row['name'] as string).toLowerCase()}`));
}

/** Every object gone after the apply has a drop step of its own, with a source naming why. */
function assertEveryDropListed(t: Test, plan: Plan, before: Set<string>, after: Set<string>): void {
  for (const object of before) {
    if (after.has(object)) continue;
    const [type, name] = object.split(':') as [string, string];
    const drop = plan.steps.find((step) => step.kind === `drop_${type}` && step.object.toLowerCase() === name);
    t.ok(drop, `${object} is gone, and the plan drops it by name`);
    t.match(drop?.source, { change: 'drop' }, `${object}: dropped for good, with its cause`);
  }
}

async function check(
  t: Test,
  setup: string,
  desired: string,
  options: PlanOptions,
): Promise<Awaited<ReturnType<typeof converge>> & { gone: string[] }> {
  const result = await converge(t, setup, desired, options);
  const before = new Set(
    result.before.schema
      .filter((row) => !/^sqlite_/.test(row['name'] as string))
      .map((row) => `${row['type'] as string}:${(row['name'] as string).toLowerCase()}`),
  );
  const after = await objects(result.db.client);
  assertEveryDropListed(t, result.plan, before, after);
  return { ...result, gone: [...before].filter((object) => !after.has(object)).sort() };
}

const T = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, legacy TEXT);
INSERT INTO t VALUES (1, 'x', 'l1'), (2, 'y', NULL), (3, 'z', 'l3');`;

t.test('an index over a column the rebuild drops is dropped by name, as gone with the column', async (t) => {
  for (const index of [
    'CREATE INDEX t_legacy ON t (legacy)',
    'CREATE INDEX t_legacy ON t (lower(legacy))',
    'CREATE INDEX t_legacy ON t (a) WHERE legacy IS NOT NULL',
    'CREATE UNIQUE INDEX t_legacy ON t (a, legacy)',
  ]) {
    await t.test(index, async (t) => {
      const { plan, gone, before, after } = await check(
        t,
        `${T}\n${index};`,
        'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
        { allowDestructive: true },
      );
      t.same(gone, ['index:t_legacy']);
      const drop = plan.steps.find((step) => step.kind === 'drop_index');
      t.match(drop, {
        object: 't_legacy',
        sql: 'DROP INDEX "t_legacy"',
        destructive: true,
        reason: /uses column t\.legacy, which this plan drops/,
        source: {
          kind: 'index',
          name: 't_legacy',
          change: 'drop',
          cause: { kind: 'with column', table: 't', column: 'legacy' },
        },
      });
      t.ok(
        plan.steps.indexOf(drop as never) < plan.steps.findIndex((step) => step.kind === 'rebuild_table'),
        'dropped before the rebuild',
      );
      t.match(summarizePlan(plan), { dropped: 1, rebuilt: 1, destructive: 2 }, 'the summary counts it');
      t.match(
        formatPlan(plan),
        /^-- \d+\. DESTRUCTIVE drop_index t_legacy: uses column t\.legacy/m,
        'the human plan lists it',
      );
      t.same(after.rows['t'], without(before.rows['t'], 'legacy'), 'rows kept without the column');
    });
  }
});

t.test('the same with the column allowed by name (default mode): the index goes with it', async (t) => {
  const { plan, gone } = await check(
    t,
    `${T}\nCREATE INDEX t_legacy ON t (legacy); CREATE INDEX t_a ON t (a);`,
    'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    { allowDrops: { columns: { t: ['legacy'] } } },
  );
  t.same(gone, ['index:t_legacy'], 't_a is kept (not allowed), t_legacy cannot be');
  t.same(
    plan.skipped.map((skipped) => skipped.object),
    ['t_a'],
  );
  t.match(
    plan.steps.find((step) => step.kind === 'drop_index'),
    { object: 't_legacy', destructive: true },
  );
});

t.test('an unwanted index of a rebuilt table, dropping allowed: dropped by name', async (t) => {
  const { plan, gone } = await check(
    t,
    `${T}\nCREATE INDEX t_a ON t (a);`,
    'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, legacy TEXT);',
    { allowDrops: { indexes: ['t_a'] } },
  );
  t.same(gone, ['index:t_a']);
  t.match(
    plan.steps.find((step) => step.kind === 'drop_index'),
    {
      object: 't_a',
      destructive: true,
      reason: 'not in the desired schema (drop allowed)',
      source: { cause: { kind: 'allowed' } },
    },
  );
  t.match(summarizePlan(plan), { dropped: 1, rebuilt: 1 });
});

t.test("a dropped table's indexes and triggers are dropped by name before it", async (t) => {
  const { plan, gone } = await check(
    t,
    `${T}
    CREATE TABLE gone (id INTEGER PRIMARY KEY, v TEXT);
    CREATE INDEX gone_v ON gone (v);
    CREATE TRIGGER gone_ins AFTER INSERT ON gone BEGIN SELECT 1; END;
    INSERT INTO gone VALUES (1, 'x');`,
    T.split('\n')[0] as string,
    { allowDrops: { tables: ['gone'] } },
  );
  t.same(gone, ['index:gone_v', 'table:gone', 'trigger:gone_ins']);
  t.same(
    plan.steps.filter((step) => step.kind !== 'assert').map((step) => [step.kind, step.object, step.source]),
    [
      [
        'drop_trigger',
        'gone_ins',
        { kind: 'trigger', name: 'gone_ins', change: 'drop', cause: { kind: 'with table', table: 'gone' } },
      ],
      [
        'drop_index',
        'gone_v',
        { kind: 'index', name: 'gone_v', change: 'drop', cause: { kind: 'with table', table: 'gone' } },
      ],
      ['drop_table', 'gone', { kind: 'table', table: 'gone', change: 'drop', cause: { kind: 'allowed' } }],
    ],
  );
  t.match(summarizePlan(plan), { dropped: 3, destructive: 3 });
  t.match(formatPlan(plan), /drop_index gone_v: belongs to table gone, which this plan drops/);
});

t.test('a view or index whose name changes kind is listed as dropped, not destructive', async (t) => {
  const { plan, gone } = await check(
    t,
    `${T}\nCREATE VIEW x AS SELECT a FROM t; CREATE INDEX y ON t (a);`,
    `${T.split('\n')[0] as string}\nCREATE TABLE x (id INTEGER PRIMARY KEY); CREATE VIEW y AS SELECT 1;`,
    {},
  );
  t.same(gone, ['index:y', 'view:x']);
  t.match(
    plan.steps.find((step) => step.kind === 'drop_view'),
    {
      destructive: false,
      source: { cause: { kind: 'name taken', by: 'table' } },
    },
  );
  t.match(
    plan.steps.find((step) => step.kind === 'drop_index'),
    {
      destructive: false,
      source: { cause: { kind: 'name taken', by: 'view' } },
    },
  );
});
