/**
 * Fuzz, constraints: table-level UNIQUE / PRIMARY KEY / CHECK / FOREIGN KEY, foreign keys between
 * tables (to primary keys and to UNIQUE columns, self references, ON DELETE CASCADE / SET NULL /
 * SET DEFAULT / RESTRICT), with child rows that reference real parent rows.
 */
import t from 'tap';
import { FULL, type GenConfig } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

const config: GenConfig = {
  ...FULL,
  tableNames: ['p', 'c', 'T2'],
  sharedNames: [],
  generated: false,
  indexes: false,
  views: false,
  triggers: false,
};

t.test('fuzz: constraints', async (t) => {
  const tally = await fuzz(t, 'constraints', caseArb(config), 3003, 200);
  t.ok(tally.applied > tally.runs / 4, 'a good share of the cases applied a change');
  t.ok(tally.rows > 0, 'rows were compared');
});
