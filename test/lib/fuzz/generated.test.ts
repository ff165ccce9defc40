/**
 * Fuzz, generated columns that become plain columns: VIRTUAL or STORED, every declared type to
 * every declared type, among a drawn schema's other columns and rows. The copy must store what a
 * SELECT of the old column showed (F12, fixed: a VIRTUAL REAL column was copied as its raw integer
 * into columns without affinity). FUZZ_SEED / FUZZ_RUNS explore further.
 */
import t from 'tap';
import { FULL, type GenConfig } from './_gen.js';
import { fuzz, generatedToPlainArb } from './_run.js';

const config: GenConfig = {
  ...FULL,
  maxTables: 2,
  maxColumns: 4,
  types: ['REAL', 'DOUBLE PRECISION', 'FLOAT', '', 'ANY', 'BLOB', 'INTEGER', 'TEXT', 'NUMERIC'],
  keys: false,
  foreignKeys: false,
  tableConstraints: false,
  indexes: false,
  views: false,
  triggers: false,
};

t.test('fuzz: generated columns become plain columns', async (t) => {
  const tally = await fuzz(t, 'generated', generatedToPlainArb(config), 7007, 150);
  t.ok(tally.applied > tally.runs / 2, 'most cases applied the change');
  t.ok(tally.rows > 0, 'rows were compared');
});
