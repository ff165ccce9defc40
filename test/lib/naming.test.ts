/**
 * User ids → database names: validation says what is wrong; the encoding is injective (it has an
 * inverse), case-insensitive-file-system safe, and can never form a path.
 */
import fc from 'fast-check';
import t from 'tap';
import {
  checkUserId,
  databaseNameFor,
  InvalidUserIdError,
  isValidUserId,
  USER_ID_MAX_LENGTH,
  USER_ID_PATTERN,
  userIdForDatabaseName,
} from '../../lib/naming.js';

const REAL_IDS = [
  'user_2abcXYZ',
  'auth0|5f7c8ec7',
  'google-oauth2|1098',
  '3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b',
  'a.b@example.com',
  'x'.repeat(USER_ID_MAX_LENGTH),
  'X'.repeat(USER_ID_MAX_LENGTH),
  '~!#$%^&*()+=[]{};:\'",<>?`',
];

const BAD_IDS: [string, string, unknown][] = [
  ['empty', 'empty', ''],
  ['too long', 'too_long', 'x'.repeat(USER_ID_MAX_LENGTH + 1)],
  ['NUL', 'control_character', 'a\u0000b'],
  ['newline', 'control_character', 'a\nb'],
  ['tab', 'control_character', 'a\tb'],
  ['DEL', 'control_character', 'a\u007fb'],
  ['space', 'whitespace', 'a b'],
  ['non-ASCII letter', 'non_ascii', 'émile'],
  ['non-ASCII CJK', 'non_ascii', '用户'],
  ['slash', 'path_separator', 'a/b'],
  ['backslash', 'path_separator', 'a\\b'],
  ['dot', 'dot_segment', '.'],
  ['dot dot', 'dot_segment', '..'],
  ['a number', 'not_a_string', 42],
];

t.test('ids real identity providers issue are valid', async (t) => {
  for (const id of REAL_IDS) t.ok(isValidUserId(id), id);
});

t.test('each bad id is refused with its own reason', async (t) => {
  for (const [label, problem, id] of BAD_IDS) {
    const check = checkUserId(id);
    t.equal(check.ok, false, label);
    if (!check.ok) {
      t.equal(check.problem, problem, `${label}: problem`);
      t.match(check.message, /^user_id /, `${label}: message names the field`);
    }
  }
  t.ok(isValidUserId('...'), "'...' is not a path segment and stays valid");
  t.ok(isValidUserId('.a'), 'a leading dot is fine');
});

t.test('the JSON Schema pattern agrees with checkUserId', async (t) => {
  const pattern = new RegExp(USER_ID_PATTERN, 'u');
  for (const id of REAL_IDS) t.ok(pattern.test(id), `pattern accepts ${id}`);
  for (const [label, , id] of BAD_IDS)
    if (typeof id === 'string') t.notOk(pattern.test(id), `pattern refuses ${label}`);
  fc.assert(
    fc.property(fc.string({ unit: 'binary-ascii', maxLength: 140 }), (id) => pattern.test(id) === isValidUserId(id)),
    { numRuns: 2000 },
  );
});

t.test('names are readable where possible and use only [a-z0-9_-]', async (t) => {
  t.equal(databaseNameFor('alice-01'), 'alice-01');
  t.equal(databaseNameFor('user_2abcXYZ'), 'user_5f2abc_58_59_5a');
  t.equal(databaseNameFor('auth0|5f7c8ec7'), 'auth0_7c5f7c8ec7');
  t.equal(databaseNameFor('a.b@example.com'), 'a_2eb_40example_2ecom');
  for (const id of REAL_IDS) {
    const name = databaseNameFor(id);
    t.match(name, /^[a-z0-9_-]+$/, `${id} → ${name}`);
    t.ok(`${name}.db`.length <= 255, 'fits a file-name limit');
  }
});

t.test('ids differing only by case or by _ vs - get different names, even case-folded', async (t) => {
  const pairs = [
    ['User', 'user'],
    ['USER', 'user'],
    ['a_b', 'a-b'],
    ['a_5fb', 'a_b'],
    ['__x', 'x'],
  ];
  for (const [a, b] of pairs) {
    const [na, nb] = [databaseNameFor(a as string), databaseNameFor(b as string)];
    t.not(na.toLowerCase(), nb.toLowerCase(), `${a} vs ${b}`);
  }
});

t.test('long ids switch to the compact form and stay injective', async (t) => {
  const capitals = 'A'.repeat(USER_ID_MAX_LENGTH);
  const name = databaseNameFor(capitals);
  t.ok(name.startsWith('__'), 'compact form');
  t.ok(name.length <= 207);
  t.equal(userIdForDatabaseName(name), capitals);
  t.not(databaseNameFor('A'.repeat(127)), name);
});

t.test('property: the name decodes back to the id (so the mapping is injective)', async () => {
  const validId = fc
    .string({
      unit: fc.constantFrom(...'aZ09_-.|@:~/\\ '.split(''), 'x', 'Q'),
      minLength: 1,
      maxLength: USER_ID_MAX_LENGTH,
    })
    .filter(isValidUserId);
  const anyPrintable = fc
    .string({ unit: 'binary-ascii', minLength: 1, maxLength: USER_ID_MAX_LENGTH })
    .filter(isValidUserId);
  for (const arbitrary of [validId, anyPrintable]) {
    fc.assert(
      fc.property(arbitrary, (id) => {
        const name = databaseNameFor(id);
        return /^[a-z0-9_-]+$/.test(name) && userIdForDatabaseName(name) === id;
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(arbitrary, arbitrary, (a, b) => a === b || databaseNameFor(a) !== databaseNameFor(b)),
      { numRuns: 3000 },
    );
  }
});

t.test('names it cannot have produced do not decode', async (t) => {
  for (const name of ['', 'A', 'a_zz', 'a_5', '__!', 'a/b', '..', '_2e', '_2e_2e']) {
    t.equal(userIdForDatabaseName(name), null, JSON.stringify(name));
  }
  // Non-canonical: '_61' decodes to 'a', whose canonical name is 'a'.
  t.equal(userIdForDatabaseName('_61'), null);
});

t.test('encoding refuses an invalid id instead of inventing a name', async (t) => {
  for (const id of ['', '..', 'a/b', 'é']) t.throws(() => databaseNameFor(id), InvalidUserIdError, JSON.stringify(id));
});
