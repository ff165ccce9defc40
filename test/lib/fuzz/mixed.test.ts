/**
 * Fuzz, everything at once: all generator features, both modes, unrelated schema pairs as well as
 * edits — the file that finds interactions between the areas the other files cover.
 */
import t from 'tap';
import { FULL } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

t.test('fuzz: all features mixed', async (t) => {
  const tally = await fuzz(t, 'mixed', caseArb(FULL), 6006, 200);
  t.ok(tally.applied > tally.runs / 4, 'a good share of the cases applied a change');
  t.ok(tally.rows > 0, 'rows were compared');
});
