/**
 * Fuzz, keys: INTEGER PRIMARY KEY (the rowid) with and without AUTOINCREMENT, composite and
 * non-rowid primary keys, WITHOUT ROWID, STRICT, UNIQUE; keys that move between columns; rows
 * with NULL keys, duplicates, large integers, reals, blobs and text in key columns.
 */
import t from 'tap';
import { FULL, type GenConfig } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

const config: GenConfig = {
  ...FULL,
  columnNames: ['id', 'a', 'b', 'c'],
  maxColumns: 4,
  checks: false,
  foreignKeys: false,
  indexes: false,
  views: false,
  triggers: false,
};

t.test('fuzz: keys', async (t) => {
  const tally = await fuzz(t, 'keys', caseArb(config, 8), 2002, 200);
  t.ok(tally.applied > tally.runs / 4, 'a good share of the cases applied a change');
  t.ok(Object.keys(tally.refused).length > 0, 'some changes were refused for what the rows hold');
});
