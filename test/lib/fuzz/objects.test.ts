/**
 * Fuzz, objects: indexes (unique, partial, expression, DESC, COLLATE), views (also over views),
 * triggers, and names that change kind between the two schemas (a view in one is a table or an
 * index in the other).
 */
import t from 'tap';
import { FULL, type GenConfig } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

const config: GenConfig = {
  ...FULL,
  tableNames: ['t0', 't1'],
  sharedNames: ['k0', 'k1', 'k2'],
  maxColumns: 4,
  foreignKeys: false,
  checks: false,
  generated: false,
};

t.test('fuzz: indexes, views, triggers, names changing kind', async (t) => {
  const tally = await fuzz(t, 'objects', caseArb(config), 4004, 200);
  t.ok(tally.applied > tally.runs / 4, 'a good share of the cases applied a change');
});
