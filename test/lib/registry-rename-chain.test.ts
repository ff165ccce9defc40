/** composeRenames: several versions' rename hints as one, for a database that crosses them all. */
import t from 'tap';
import { composeRenames } from '../../lib/plan/rename-chain.js';

t.test('chains compose; columns follow their table; a rename undone disappears', async (t) => {
  t.same(composeRenames([{ tables: { b: 'a' } }, { tables: { c: 'b' } }]), { tables: { c: 'a' }, columns: {} });
  t.same(
    composeRenames([{ tables: { B: 'a' } }, { tables: { c: 'b' } }]),
    { tables: { c: 'a' }, columns: {} },
    'names fold ASCII case, as SQLite does',
  );
  t.same(
    composeRenames([{ columns: { t: { c1: 'c0' } } }, { tables: { u: 't' }, columns: { u: { c2: 'c1' } } }]),
    { tables: { u: 't' }, columns: { u: { c2: 'c0' } } },
    'a column renamed before and after its table was',
  );
  t.same(
    composeRenames([{ tables: { b: 'a' } }, { tables: { a: 'b' } }]),
    { tables: {}, columns: {} },
    'renamed there and back: nothing to do',
  );
  t.same(
    composeRenames([{ tables: { b: 'a' } }, { tables: { y: 'x' } }]),
    { tables: { b: 'a', y: 'x' }, columns: {} },
    'unrelated renames are kept side by side',
  );
  t.same(composeRenames([]), { tables: {}, columns: {} });
});
