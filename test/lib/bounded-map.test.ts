/** lib/bounded-map.ts: insertion-ordered, forgets its oldest past max, max 0 keeps nothing. */
import t from 'tap';
import { BoundedMap, BoundedSet } from '../../lib/bounded-map.js';

t.test('BoundedMap forgets its oldest entry past max; setting again makes a key the newest', async (t) => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  t.equal(map.size, 2);
  map.set('a', 10); // a is now the newest: b goes first
  map.set('c', 3);
  t.equal(map.size, 2, 'never more than max');
  t.equal(map.get('b'), undefined, 'the oldest was forgotten');
  t.equal(map.has('b'), false);
  t.equal(map.get('a'), 10, 'the entry set again was kept, with its new value');
  t.equal(map.get('c'), 3);
  map.delete('a');
  t.equal(map.has('a'), false, 'delete forgets a key');
  t.equal(map.size, 1);
  map.delete('missing');
  t.equal(map.size, 1, 'deleting a missing key changes nothing');
});

t.test('BoundedMap with max 0 keeps nothing', async (t) => {
  const map = new BoundedMap<string, string>(0);
  map.set('a', 'x');
  t.equal(map.size, 0);
  t.equal(map.get('a'), undefined);
});

t.test('BoundedSet: adding a key it holds leaves its place; past max the oldest goes', async (t) => {
  const set = new BoundedSet<string>(2);
  set.add('a');
  set.add('b');
  set.add('a'); // still the oldest
  set.add('c');
  t.equal(set.size, 2);
  t.equal(set.has('a'), false, 'a, added first, was forgotten although added again');
  t.ok(set.has('b') && set.has('c'));
  set.delete('b');
  t.equal(set.has('b'), false);
  const none = new BoundedSet<string>(0);
  none.add('a');
  t.equal(none.size, 0, 'max 0 keeps nothing');
  t.equal(none.has('a'), false);
});
