/**
 * Fuzz, respellings: the database holds schema S (with rows); syncing to S written another way
 * (case, quoting, whitespace and comments, clause order, `<>`/`!=`, `=`/`==`, column vs table
 * constraints, REFERENCES p vs p(pk), ASC, DEFAULT NULL, COLLATE BINARY, IF NOT EXISTS, type case)
 * must plan nothing, and so must a second respelling.
 */
import t from 'tap';
import { FULL } from './_gen.js';
import { fuzz, respellArb } from './_run.js';

t.test('fuzz: a respelled schema is the same schema', async (t) => {
  const tally = await fuzz(t, 'respell', respellArb(FULL, 3), 5005, 200);
  t.equal(tally.inSync, tally.runs, 'every respelling planned nothing');
});
