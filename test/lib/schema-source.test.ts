/**
 * SQL schemas at parity with TypeScript versions: `-- @renamed from=…` on a table or column line,
 * `-- @allow-drop …` and a `-- @data` block, each checked, and a `--schema` file's renames checked
 * against the database they are applied to — rows survive the rename.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { DesiredSchemaError } from '../../lib/desired.js';
import { introspect } from '../../lib/introspect.js';
import { loadSchemaFile, loadSchemaSource, planOptionsAgainst, type SchemaSource } from '../../lib/schema-source.js';
import { syncToSchema } from '../../lib/sync.js';
import { dirFor, exec, foreignKeyViolations, integrityOk, rows, snapshot, tempDb, type TestDb } from './_support.js';

async function refused(t: Test, sql: string, line: number | null, problem: RegExp, what: string): Promise<void> {
  try {
    await loadSchemaSource(sql, 'schema file s.sql');
    t.fail(`${what}: expected a DesiredSchemaError`);
  } catch (error) {
    t.type(error, DesiredSchemaError, what);
    t.equal((error as DesiredSchemaError).line, line, `${what}: line ${line}`);
    t.match(
      (error as Error).message,
      line === null ? /^schema file s\.sql: / : new RegExp(`^schema file s\\.sql, line ${line}(, column \\d+)?: `),
      `${what}: says where`,
    );
    t.match((error as Error).message, problem, `${what}: ${(error as Error).message}`);
  }
}

const ANNOTATED = `-- description: customers, renamed
-- @allow-drop column customers.legacy
-- @allow-drop index "old index"
-- @allow-drop table scratch
-- @allow-drop view v_old
-- @allow-drop trigger tr_old
CREATE TABLE customers (            -- @renamed from=accounts
  id INTEGER PRIMARY KEY,
  mail TEXT NOT NULL,               -- @renamed from=email
  "full name" TEXT                  -- @renamed from="display name"
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),  --@renamed   from=account_id
  total REAL NOT NULL
);
-- @data
UPDATE customers SET mail = lower(mail);
INSERT INTO orders (customer_id, total)
  SELECT id, 0 FROM customers WHERE NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = customers.id);
`;

t.test('annotations become renames, drop allowances and data steps', async (t) => {
  const source = await loadSchemaSource(ANNOTATED, 'x.sql');
  t.same(source.renames, {
    tables: { customers: 'accounts' },
    columns: { customers: { mail: 'email', 'full name': 'display name' }, orders: { customer_id: 'account_id' } },
  });
  t.same(source.allowDrops, {
    tables: ['scratch'],
    columns: { customers: ['legacy'] },
    indexes: ['old index'],
    views: ['v_old'],
    triggers: ['tr_old'],
  });
  t.same(source.dataSteps, [
    'UPDATE customers SET mail = lower(mail)',
    'INSERT INTO orders (customer_id, total)\n  SELECT id, 0 FROM customers WHERE NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = customers.id)',
  ]);
  t.same(
    source.desired.tables.map((x) => x.name),
    ['customers', 'orders'],
    'the data block is not loaded as schema',
  );
  t.equal(source.dataLine, 17);
  t.same(
    source.declarations.map((d) => [d.kind, d.line]),
    [
      ['allow_drop_column', 2],
      ['allow_drop', 3],
      ['allow_drop', 4],
      ['allow_drop', 5],
      ['allow_drop', 6],
      ['rename_table', 7],
      ['rename_column', 9],
      ['rename_column', 10],
      ['rename_column', 14],
    ],
  );
  t.notMatch(source.sql, /UPDATE customers/, 'the schema text stops at -- @data');
  const plain = await loadSchemaSource(
    'CREATE TABLE a (x) -- a comment, no annotation\n; -- a plain comment that mentions @renamed from=x later',
  );
  t.same([plain.renames, plain.allowDrops, plain.dataSteps], [{}, {}, []]);
  const oneLine = await loadSchemaSource('CREATE TABLE b (\n  x INTEGER); -- @renamed from=a_x\n');
  t.same(oneLine.renames, { columns: { b: { x: 'a_x' } } }, 'a column line that also closes the table');
});

t.test('a malformed or misplaced annotation is an error with its line', async (t) => {
  const table = 'CREATE TABLE a (\n  x INTEGER\n);\n';
  await refused(t, `${table}-- @rename from=b`, 4, /@rename: unknown annotation/, 'a misspelt annotation');
  await refused(
    t,
    `${table}-- @renamed from=b`,
    4,
    /must end the line of the CREATE TABLE or of the column/,
    '@renamed on a line of its own',
  );
  await refused(
    t,
    'CREATE TABLE a (x); CREATE INDEX i ON a (x); -- @renamed from=j',
    1,
    /holds table a and column a\.x/,
    'a line holding a table and its column',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE VIEW v AS SELECT x FROM a; -- @renamed from=w',
    2,
    /only tables, columns and indexes are renamed/,
    'a view',
  );
  await refused(t, 'CREATE TABLE a ( -- @renamed from\n x);', 1, /expected from=<old name>/, 'from without a name');
  await refused(t, 'CREATE TABLE a ( -- @renamed from=old-name\n x);', 1, /quote a name/, 'a name that needs quotes');
  await refused(
    t,
    'CREATE TABLE a (x);\n/* @renamed from=b */\nCREATE VIEW v AS SELECT 1;',
    2,
    /must stand in the CREATE TABLE before its columns \(the table\), after a column's name/,
    'a block comment @renamed outside a table or index',
  );
  await refused(
    t,
    '/* @allow-drop table b */\nCREATE TABLE a (x);',
    1,
    /is a line comment \(-- @allow-drop …, -- @data\)/,
    'a block comment @allow-drop',
  );
  await refused(
    t,
    `CREATE TABLE a (x); -- @allow-drop table b`,
    1,
    /must stand on a line of its own/,
    '@allow-drop after a statement',
  );
  await refused(
    t,
    `-- @allow-drop database main\n${table}`,
    1,
    /expected one of table, column, index, view, trigger/,
    'an unknown kind',
  );
  await refused(
    t,
    `-- @allow-drop column legacy\n${table}`,
    1,
    /expected <table>\.<column>/,
    'a column without its table',
  );
  await refused(t, `-- @allow-drop table\n${table}`, 1, /expected the table's name/, 'no name');
  await refused(
    t,
    `${table}-- @data please\nUPDATE a SET x = 1;`,
    4,
    /takes nothing after it/,
    '@data with words after it',
  );
  await refused(
    t,
    'CREATE TABLE a (\n  -- @data\n  x);',
    2,
    /must stand on a line of its own between statements/,
    '@data inside a statement',
  );
  await refused(
    t,
    `${table}-- @data\nUPDATE a SET x = 1;\n-- @data\n`,
    6,
    /belong before the -- @data marker on line 4/,
    'a second @data',
  );
  await refused(
    t,
    `${table}-- @data\nCREATE TABLE b (y);`,
    5,
    /a data step .* may only be INSERT, UPDATE, DELETE, REPLACE, WITH; "CREATE TABLE b \(y\)" is not/,
    'DDL as a data step',
  );
  await refused(t, `${table}-- @data\nATTACH 'x.db' AS x;`, 5, /may only be/, 'ATTACH as a data step');
});

t.test('an annotation that contradicts the schema it is in', async (t) => {
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE TABLE b ( -- @renamed from=a\n  y);',
    2,
    /this schema still defines table a/,
    'renamed from a table still defined',
  );
  await refused(
    t,
    'CREATE TABLE b (\n  x,\n  y -- @renamed from=x\n);',
    3,
    /table b still has a column x/,
    'renamed from a column still defined',
  );
  await refused(
    t,
    'CREATE TABLE b (\n  x, -- @renamed from=old\n  y -- @renamed from=OLD\n);',
    3,
    /a rename from column b\.OLD is already declared on line 2/,
    'two columns renamed from one',
  );
  await refused(
    t,
    'CREATE TABLE b ( -- @renamed from=a\n x);\nCREATE TABLE c ( -- @renamed from=a\n y);',
    3,
    /a rename from table a is already declared on line 1/,
    'two tables renamed from one',
  );
  await refused(
    t,
    '-- @allow-drop column b.x\nCREATE TABLE b (x);',
    1,
    /this schema still defines column b\.x/,
    'allowed to drop a column it defines',
  );
  await refused(
    t,
    '-- @allow-drop table b\nCREATE TABLE b (x);',
    1,
    /still defines table b/,
    'allowed to drop a table it defines',
  );
});

async function withRows(t: Test, sql: string): Promise<TestDb> {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, sql);
  return db;
}

const BEFORE = `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "display name" TEXT, legacy TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id), total REAL NOT NULL);
CREATE INDEX "old index" ON orders (total);
INSERT INTO accounts VALUES (1, 'A@x', 'Ann', 'l1'), (2, 'b@x', NULL, NULL);
INSERT INTO orders VALUES (10, 1, 9.5), (11, 1, 3), (12, 2, 0);
`;
const AFTER = ANNOTATED.slice(0, ANNOTATED.indexOf('-- @data'))
  .replace('-- @allow-drop table scratch\n-- @allow-drop view v_old\n-- @allow-drop trigger tr_old\n', '')
  .replace('mail TEXT NOT NULL,', 'mail TEXT NOT NULL UNIQUE,');

async function applyFile(db: TestDb, source: SchemaSource): Promise<Awaited<ReturnType<typeof syncToSchema>>> {
  return syncToSchema(db.client, source.desired, { planOptions: (actual) => planOptionsAgainst(source, actual) });
}

t.test('--schema renames keep every row, under the new names', async (t) => {
  const db = await withRows(t, BEFORE);
  const source = await loadSchemaSource(AFTER, 'schema file after.sql');
  const { plan } = await applyFile(db, source);
  const kinds = plan.steps.map((s) => s.kind);
  t.same(
    kinds.filter((k) => k.startsWith('rename')),
    ['rename_table', 'rename_column', 'rename_column', 'rename_column'],
    'renamed, not dropped and added',
  );
  t.ok(
    plan.steps.some((s) => s.kind === 'drop_index' && s.object === 'old index'),
    'the allowed index is dropped',
  );
  t.same(plan.skipped, [], 'the allowed column is not kept');
  t.same(await rows(db.client, 'SELECT id, mail, "full name" FROM customers ORDER BY id'), [
    { id: 1, mail: 'A@x', 'full name': 'Ann' },
    { id: 2, mail: 'b@x', 'full name': null },
  ]);
  t.same(await rows(db.client, 'SELECT id, customer_id, total FROM orders ORDER BY id'), [
    { id: 10, customer_id: 1, total: 9.5 },
    { id: 11, customer_id: 1, total: 3 },
    { id: 12, customer_id: 2, total: 0 },
  ]);
  t.notOk(
    (await introspect(db.client)).tables.find((x) => x.name === 'customers')?.columns.some((c) => c.name === 'legacy'),
    'legacy dropped as allowed',
  );
  t.ok(await integrityOk(db.client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(db.client), 0, 'foreign_key_check empty');
  t.match(
    (await introspect(db.client)).tables.find((x) => x.name === 'orders')?.foreignKeys,
    [{ targetTable: 'customers' }],
    'the foreign key follows the rename',
  );

  const before = await snapshot(db.client);
  const again = await applyFile(db, source);
  t.same(again.plan.steps, [], 'a re-run with the annotations still there changes nothing');
  t.same(await snapshot(db.client), before);
});

t.test('--schema renames that do not fit the database are errors naming the line', async (t) => {
  const source = await loadSchemaSource(AFTER, 'schema file after.sql');
  const fresh = await withRows(t, 'CREATE TABLE unrelated (x);');
  const snap = await snapshot(fresh.client);
  const error = await applyFile(fresh, source).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, DesiredSchemaError);
  t.match(error, {
    message:
      /^schema file after\.sql, line 4: @renamed from=accounts: the database has no table accounts to rename \(nor a table customers\); remove the annotation/,
  });
  t.same(await snapshot(fresh.client), snap, 'the database is unchanged');

  const both = await withRows(t, `${BEFORE} CREATE TABLE customers (id INTEGER PRIMARY KEY);`);
  t.throws(
    () => planOptionsAgainst(source, { tables: [], indexes: [], triggers: [], views: [] }),
    /line 4: .*no table accounts/,
  );
  const bothError = await applyFile(both, source).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(bothError, {
    message: /line 4: @renamed from=accounts: the database has both table accounts and table customers/,
  });

  const noColumn = await withRows(t, BEFORE.replace('"display name" TEXT', 'nickname TEXT').replace("'Ann'", "'N'"));
  const columnError = await applyFile(noColumn, source).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(columnError, {
    line: 7,
    message:
      /line 7: @renamed from="display name": table accounts has no column display name to rename \(nor a column full name\)/,
  });
  t.equal(
    (await rows(noColumn.client, "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'accounts'"))[0]?.['n'],
    1,
    'nothing renamed',
  );
});

t.test('an empty --schema file is refused against a database with tables', async (t) => {
  const empty = await loadSchemaSource('-- nothing yet\n', 'schema file empty.sql', { allowEmpty: true });
  const db = await withRows(t, BEFORE);
  const snap = await snapshot(db.client);
  const error = await syncToSchema(db.client, empty.desired, {
    allowDestructive: true,
    planOptions: (actual) => planOptionsAgainst(empty, actual),
  }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(error, { message: /^schema file empty\.sql: the schema defines no tables, and the database has 2/ });
  t.same(await snapshot(db.client), snap, 'nothing dropped');
  const blank = tempDb(dirFor(t));
  t.teardown(() => blank.client.close());
  t.same((await applyFile(blank, empty)).plan.steps, [], 'against an empty database it is simply in sync');
});

t.test('loadSchemaFile: errors say "schema file <path>, line N" and data steps are refused', async (t) => {
  const dir = dirFor(t);
  const withData = join(dir, 'with-data.sql');
  writeFileSync(withData, 'CREATE TABLE a (x);\n-- @data\nINSERT INTO a VALUES (1);\n');
  await t.rejects(loadSchemaFile(withData), {
    message: `schema file ${withData}, line 2: -- @data: data steps need a schema version (SCHEMA_DIR), which records that they ran; a --schema file records none`,
  });
  const attach = join(dir, 'attach.sql');
  writeFileSync(attach, `CREATE TABLE a (x);\nATTACH '${join(dir, 'side.db')}' AS side;\n`);
  await t.rejects(loadSchemaFile(attach), {
    message: new RegExp(`^schema file ${attach.replaceAll('.', '\\.')}, line 2: ATTACH .* is not a schema statement`),
  });
  const good = join(dir, 'good.sql');
  writeFileSync(good, '-- @allow-drop column a.y\nCREATE TABLE a (x);\n');
  t.same((await loadSchemaFile(good)).allowDrops, { columns: { a: ['y'] } });
});
