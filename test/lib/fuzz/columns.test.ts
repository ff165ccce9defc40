/**
 * Fuzz, columns: every declared type, defaults of every literal kind and expressions, NOT NULL,
 * CHECK, COLLATE, generated columns (VIRTUAL and STORED), STRICT; columns added, dropped, retyped
 * and reordered; rows of mixed types. FUZZ_SEED / FUZZ_RUNS explore further.
 */
import t from 'tap';
import { FULL, type GenConfig } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

const config: GenConfig = {
  ...FULL,
  maxColumns: 6,
  keys: false,
  foreignKeys: false,
  tableConstraints: false,
  indexes: false,
  views: false,
  triggers: false,
};

t.test('fuzz: columns', async (t) => {
  const tally = await fuzz(t, 'columns', caseArb(config), 1001, 200);
  t.ok(tally.applied > tally.runs / 4, 'a good share of the cases applied a change');
  t.ok(tally.rows > 0, 'rows were compared');
});
