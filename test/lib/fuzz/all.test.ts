import t from 'tap';
import { FULL } from './_gen.js';
import { caseArb, fuzz } from './_run.js';

t.test('fuzz: everything', async (t) => {
  const tally = await fuzz(t, 'all', caseArb(FULL), 1, 30);
  t.ok(tally.applied > 0);
});
