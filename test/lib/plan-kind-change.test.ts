/**
 * Planner + applier: a view or index whose name the desired schema gives to an object of another
 * kind is dropped first, in every mode (views and indexes hold no data); what mentions the name is
 * recreated after. A table holds data: it changes kind only with a drop allowance.
 */
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { converge, dirFor, exec, planTo, tempDb, workSteps } from './_support.js';

const T = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y');";
const T_DDL = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);';

interface Case {
  readonly label: string;
  readonly setup: string;
  readonly desired: string;
  readonly kinds: Record<string, string>;
}

const cases: Case[] = [
  {
    label: 'view → table',
    setup: `${T} CREATE VIEW x AS SELECT a FROM t;`,
    desired: `${T_DDL} CREATE TABLE x (id INTEGER PRIMARY KEY, v TEXT);`,
    kinds: { x: 'table' },
  },
  {
    label: 'view → index',
    setup: `${T} CREATE VIEW x AS SELECT a FROM t;`,
    desired: `${T_DDL} CREATE INDEX x ON t (a);`,
    kinds: { x: 'index' },
  },
  {
    label: 'index → view',
    setup: `${T} CREATE INDEX x ON t (a);`,
    desired: `${T_DDL} CREATE VIEW x AS SELECT id FROM t;`,
    kinds: { x: 'view' },
  },
  {
    label: 'index → table',
    setup: `${T} CREATE INDEX x ON t (a);`,
    desired: `${T_DDL} CREATE TABLE x (v TEXT);`,
    kinds: { x: 'table' },
  },
  {
    label: 'index → table while its own table is rebuilt',
    setup: `${T} CREATE INDEX "X" ON t (a);`,
    desired: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL); CREATE TABLE x (v TEXT);',
    kinds: { x: 'table' },
  },
  {
    label: 'view → table, with a view that reads it recreated',
    setup: `${T} CREATE VIEW x AS SELECT a FROM t; CREATE VIEW y AS SELECT * FROM x;`,
    desired: `${T_DDL} CREATE TABLE x (a TEXT); CREATE VIEW y AS SELECT * FROM x;`,
    kinds: { x: 'table', y: 'view' },
  },
];

for (const c of cases) {
  t.test(`${c.label}, default mode`, async (t) => {
    const { plan: made, before, after, db } = await converge(t, c.setup, c.desired);
    const work = workSteps(made);
    const drop = work.findIndex((s) => /^drop_(view|index)$/.test(s.kind) && s.object.toLowerCase() === 'x');
    t.ok(
      drop >= 0 && work.slice(0, drop).every((s) => s.kind.startsWith('drop_')),
      'the old object is dropped before anything is created',
    );
    t.match(work[drop]?.reason, /gives its name to/);
    t.equal(work[drop]?.destructive, false, 'not destructive: a view or index holds no data');
    t.same(after.rows['t'], before.rows['t'], 'rows kept');
    const schema = await introspect(db.client);
    for (const [name, kind] of Object.entries(c.kinds)) {
      const found = kind === 'table' ? schema.tables : kind === 'view' ? schema.views : schema.indexes;
      t.ok(
        found.some((item) => item.name.toLowerCase() === name),
        `${name} is a ${kind}`,
      );
    }
  });
  t.test(`${c.label}, allowDestructive`, async (t) => {
    const { after, before } = await converge(t, c.setup, c.desired, { allowDestructive: true });
    t.same(after.rows['t'], before.rows['t'], 'rows kept');
  });
}

t.test(
  'table → view: kept with its rows by default (a warning says why), replaced when dropping is allowed',
  async (t) => {
    const setup = `${T} CREATE TABLE x (v TEXT); INSERT INTO x VALUES ('keep me');`;
    const desired = `${T_DDL} CREATE VIEW x AS SELECT a FROM t;`;
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, setup);
    const kept = await planTo(db.client, desired);
    t.match(
      kept.warnings.join('\n'),
      /table x is kept with its rows, so the desired view of that name cannot be created/,
    );
    const { plan: made, after } = await converge(t, setup, desired, { allowDrops: { tables: ['x'] } });
    t.same(
      workSteps(made).map((s) => s.kind),
      ['drop_table', 'create_view'],
    );
    t.notOk('x' in after.rows, 'the table went');
  },
);
