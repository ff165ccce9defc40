/**
 * SQL versions at parity with TypeScript versions: a SCHEMA_DIR version's `-- @renamed`,
 * `-- @allow-drop` and `-- @data` take effect through sync on a database with rows, and each must
 * name what the previous version has. Plus: a schema_version row that is not semver.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { introspect } from '../../lib/introspect.js';
import { planSync, syncDatabase, SyncError } from '../../lib/sync.js';
import { buildRegistry, loadRegistry, RegistryError } from '../../schema/registry.js';
import type { SchemaVersionSource } from '../../schema/version.js';
import { dirFor, exec, foreignKeyViolations, integrityOk, rows, snapshot, tempDb } from './_support.js';
import { targetOf } from '../../lib/target.js';

function schemaDir(t: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(dirFor(t), 'versions-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const V1 = `-- description: accounts and orders
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, legacy TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, total REAL NOT NULL);
CREATE INDEX orders_total ON orders (total);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
`;
const V2 = `-- description: customers
-- @allow-drop column accounts.legacy
-- @allow-drop index orders_total
-- @allow-drop view big_orders
CREATE TABLE customers (    -- @renamed from=accounts
  id INTEGER PRIMARY KEY,
  mail TEXT NOT NULL,       -- @renamed from=email
  tier TEXT NOT NULL DEFAULT 'free'
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE, -- @renamed from=account_id
  total REAL NOT NULL
);

-- @data
UPDATE customers SET tier = 'gold' WHERE id IN (SELECT customer_id FROM orders WHERE total >= 100);
`;

t.test('a .sql version renames, drops what it allows and runs its data steps, keeping every row', async (t) => {
  const dir = schemaDir(t, { '1.0.0.sql': V1, '1.1.0.sql': V2 });
  const registry = await loadRegistry({ schemaDir: dir });
  const v2 = registry.current;
  t.same(v2.renames, {
    tables: { customers: 'accounts' },
    columns: { customers: { mail: 'email' }, orders: { customer_id: 'account_id' } },
  });
  t.same(v2.allowDrops, { columns: { accounts: ['legacy'] }, indexes: ['orders_total'], views: ['big_orders'] });
  t.same(v2.dataSteps, [
    "UPDATE customers SET tier = 'gold' WHERE id IN (SELECT customer_id FROM orders WHERE total >= 100)",
  ]);
  t.equal(v2.description, 'customers');

  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(
    db.client,
    targetOf(
      await buildRegistry([
        { version: '1.0.0', description: '', createdAt: '2024-01-01', schema: { sql: V1 }, file: '1.0.0.sql' },
      ]),
    ),
  );
  await exec(
    db.client,
    `
    INSERT INTO accounts VALUES (1, 'a@x', 'l1'), (2, 'b@x', NULL), (3, 'c@x', 'l3');
    INSERT INTO orders VALUES (10, 1, 150), (11, 1, 5), (12, 2, 20);
  `,
  );
  const result = await syncDatabase(db.client, targetOf(registry));
  t.equal(result.outcome, 'applied');
  t.same(
    result.plan.steps.filter((s) => s.kind.startsWith('rename')).map((s) => s.sql),
    [
      'ALTER TABLE "accounts" RENAME TO "customers"',
      'ALTER TABLE "customers" RENAME COLUMN "email" TO "mail"',
      'ALTER TABLE "orders" RENAME COLUMN "account_id" TO "customer_id"',
    ],
  );
  t.same(result.plan.skipped, [], 'nothing kept: the drops were allowed');
  t.same(
    await rows(db.client, 'SELECT id, mail, tier FROM customers ORDER BY id'),
    [
      { id: 1, mail: 'a@x', tier: 'gold' },
      { id: 2, mail: 'b@x', tier: 'free' },
      { id: 3, mail: 'c@x', tier: 'free' },
    ],
    'every row, renamed, and the data step ran',
  );
  t.same(await rows(db.client, 'SELECT id, customer_id, total FROM orders ORDER BY id'), [
    { id: 10, customer_id: 1, total: 150 },
    { id: 11, customer_id: 1, total: 5 },
    { id: 12, customer_id: 2, total: 20 },
  ]);
  const schema = await introspect(db.client);
  t.same(
    [schema.indexes.filter((i) => i.origin === 'c').map((i) => i.name), schema.views.map((v) => v.name)],
    [[], []],
    'the allowed index and view are gone',
  );
  t.ok(await integrityOk(db.client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(db.client), 0, 'foreign_key_check empty');
  await db.client.execute('DELETE FROM customers WHERE id = 1');
  t.same(
    await rows(db.client, 'SELECT id FROM orders ORDER BY id'),
    [{ id: 12 }],
    'the cascade follows the renamed table',
  );

  const before = await snapshot(db.client);
  t.equal(
    (await syncDatabase(db.client, targetOf(registry), { verify: true })).outcome,
    'up_to_date',
    'the annotations do not apply twice',
  );
  t.same(await snapshot(db.client), before);
});

async function rejectsRegistry(
  t: Test,
  files: Record<string, string>,
  file: string,
  problem: RegExp,
  what: string,
): Promise<void> {
  const error = await loadRegistry({ schemaDir: schemaDir(t, files) }).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(error, RegistryError, what);
  t.ok((error as RegistryError).file.endsWith(file), `${what}: names ${file}`);
  t.match((error as Error).message, problem, `${what}: ${(error as Error).message}`);
}

t.test('an annotation that names something the previous version lacks stops the registry', async (t) => {
  const v2 = (sql: string): Record<string, string> => ({ '1.0.0.sql': V1, '1.1.0.sql': sql });
  await rejectsRegistry(
    t,
    v2(V2.replace('from=accounts', 'from=acounts')),
    '1.1.0.sql',
    /1\.1\.0\.sql: line 5: @renamed from=acounts: version 1\.0\.0 has no table acounts/,
    'a misspelt table',
  );
  await rejectsRegistry(
    t,
    v2(V2.replace('from=email', 'from=e_mail')),
    '1.1.0.sql',
    /line 7: @renamed from=e_mail: version 1\.0\.0 has no column accounts\.e_mail/,
    "a misspelt column (looked up under the table's old name)",
  );
  await rejectsRegistry(
    t,
    v2(V2.replace('accounts.legacy', 'accounts.legacyy')),
    '1.1.0.sql',
    /line 2: @allow-drop column accounts\.legacyy: version 1\.0\.0 has no column accounts\.legacyy/,
    'an allowance for a column that never was',
  );
  await rejectsRegistry(
    t,
    v2(V2.replace('index orders_total', 'index orders_totals')),
    '1.1.0.sql',
    /line 3: @allow-drop index orders_totals: version 1\.0\.0 has no index orders_totals/,
    'an allowance for an index that never was',
  );
  await rejectsRegistry(
    t,
    v2(V2.replace('view big_orders', 'trigger big_orders')),
    '1.1.0.sql',
    /version 1\.0\.0 has no trigger big_orders/,
    'the wrong kind',
  );
  await rejectsRegistry(
    t,
    { '1.0.0.sql': V2.replace(/-- @data[\s\S]*/, '') },
    '1.0.0.sql',
    /line 2: @allow-drop column accounts\.legacy: the first version has no earlier version to rename or drop from/,
    'annotations in the first version',
  );
  await rejectsRegistry(
    t,
    v2(
      `${V1.replace('CREATE TABLE orders', 'CREATE TABLE customers (id INTEGER PRIMARY KEY);\nCREATE TABLE orders')}`
        .replace('-- description: accounts and orders\n', '')
        .replace('CREATE TABLE accounts (', 'CREATE TABLE accounts ( -- @renamed from=customers\n'),
    ),
    '1.1.0.sql',
    /this schema still defines table customers/,
    'a rename from a table the version keeps',
  );
  await rejectsRegistry(
    t,
    v2(`${V2}\nCREATE TABLE late (x);\n`),
    '1.1.0.sql',
    /line 19: a data step .* "CREATE TABLE late \(x\)" is not/,
    'DDL after -- @data',
  );
  await rejectsRegistry(t, v2('-- only a comment\n'), '1.1.0.sql', /defines no tables/, 'an empty version');
  await rejectsRegistry(
    t,
    v2(`CREATE TABLE accounts (id);\n-- @renamed from=x\n`),
    '1.1.0.sql',
    /line 2: @renamed: must end the line/,
    'a misplaced annotation',
  );
  const rawDir = schemaDir(t, {});
  writeFileSync(
    join(rawDir, '1.0.0.sql'),
    Buffer.concat([Buffer.from('CREATE TABLE a (x);\n-- caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
  );
  const raw = await loadRegistry({ schemaDir: rawDir }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(
    raw,
    { message: /1\.0\.0\.sql: line 2: the text is not valid UTF-8 \(byte 0xe9\)/ },
    'a Latin-1 byte in a version file',
  );
});

t.test('TypeScript versions get the same checks, naming the field', async (t) => {
  const source = (version: string, sql: string, extra: Partial<SchemaVersionSource> = {}): SchemaVersionSource => ({
    version,
    description: '',
    createdAt: '2024-01-01',
    schema: { sql },
    file: `${version}.ts`,
    ...extra,
  });
  const one = source('1.0.0', 'CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);');
  await t.rejects(
    buildRegistry([
      one,
      source('1.1.0', 'CREATE TABLE b (id INTEGER PRIMARY KEY, x TEXT);', { renames: { tables: { b: 'nope' } } }),
    ]),
    { message: /1\.1\.0\.ts: renames\.tables\["b"\]: version 1\.0\.0 has no table nope/ },
  );
  await t.rejects(
    buildRegistry([
      one,
      source('1.1.0', 'CREATE TABLE a (id INTEGER PRIMARY KEY, y TEXT);', { renames: { columns: { a: { z: 'x' } } } }),
    ]),
    { message: /renames\.columns\["a"\]\["z"\]: this schema has no column a\.z/ },
  );
  await t.rejects(
    buildRegistry([
      one,
      source('1.1.0', 'CREATE TABLE a (id INTEGER PRIMARY KEY);', { allowDrops: { tables: ['ghost'] } }),
    ]),
    { message: /allowDrops\.tables "ghost": version 1\.0\.0 has no table ghost/ },
  );
  const ok = await buildRegistry([
    one,
    source('1.1.0', 'CREATE TABLE a (id INTEGER PRIMARY KEY, y TEXT);', { renames: { columns: { a: { y: 'x' } } } }),
  ]);
  t.same(ok.current.renames, { columns: { a: { y: 'x' } } }, 'a rename that fits is kept');
});

t.test('a schema_version row whose version is not semver is refused, naming the table and the value', async (t) => {
  const registry = await buildRegistry([
    {
      version: '1.0.0',
      description: '',
      createdAt: '2024-01-01',
      schema: { sql: 'CREATE TABLE a (x);' },
      file: '1.0.0.sql',
    },
  ]);
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await syncDatabase(db.client, targetOf(registry));
  await db.client.execute("UPDATE schema_version SET version = 'v1-final'");
  const before = await snapshot(db.client);
  for (const [what, run] of [
    ['sync', () => syncDatabase(db.client, targetOf(registry))],
    ['plan', () => planSync(db.client, targetOf(registry))],
  ] as const) {
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, SyncError, `${what}: a SyncError`);
    t.match(
      error,
      { code: 'INVALID_RECORDED_VERSION', details: { recordedVersion: 'v1-final' } },
      `${what}: refused, a version it cannot order`,
    );
    t.match(
      (error as Error).message,
      /table schema_version records version "v1-final" \(row \d+\), which is not a semantic version/,
      `${what}: names the table and the value`,
    );
  }
  t.same(await snapshot(db.client), before, 'the database is unchanged');
});

t.test('renames chained over versions a database skips are composed, keeping the rows', async (t) => {
  const v = (version: string, sql: string): SchemaVersionSource => ({
    version,
    description: '',
    createdAt: '2024-01-01',
    schema: { sql },
    file: `${version}.sql`,
  });
  const v1 = v(
    '1.0.0',
    'CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\nCREATE TABLE kids (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));',
  );
  const v2 = v(
    '1.1.0',
    'CREATE TABLE b ( -- @renamed from=a\n  id INTEGER PRIMARY KEY,\n  y TEXT -- @renamed from=x\n);\nCREATE TABLE kids (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES b (id));',
  );
  const v3 = v(
    '1.2.0',
    'CREATE TABLE c ( -- @renamed from=b\n  id INTEGER PRIMARY KEY,\n  z TEXT -- @renamed from=y\n);\nCREATE TABLE kids (id INTEGER PRIMARY KEY,\n  parent INTEGER REFERENCES c (id) -- @renamed from=a_id\n);',
  );
  const all = await buildRegistry([v1, v2, v3]);
  for (const start of [[v1], [v1, v2]]) {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await syncDatabase(db.client, targetOf(await buildRegistry(start)));
    const [table, column] = start.length === 1 ? ['a', 'x'] : ['b', 'y'];
    await exec(
      db.client,
      `INSERT INTO ${table} (id, ${column}) VALUES (1, 'one'), (2, 'two'); INSERT INTO kids VALUES (10, 1), (11, 2);`,
    );
    const result = await syncDatabase(db.client, targetOf(all));
    const from = start.length === 1 ? '1.0.0' : '1.1.0';
    t.same(
      result.plan.steps.filter((s) => s.kind.startsWith('rename')).map((s) => s.sql),
      [
        `ALTER TABLE "${table}" RENAME TO "c"`,
        `ALTER TABLE "c" RENAME COLUMN "${column}" TO "z"`,
        'ALTER TABLE "kids" RENAME COLUMN "a_id" TO "parent"',
      ],
      `from ${from}: one rename per object, from the name the database has`,
    );
    t.same(result.plan.skipped, [], `from ${from}: nothing left behind`);
    t.same(
      await rows(db.client, 'SELECT c.id, c.z, k.id AS kid FROM c JOIN kids AS k ON k.parent = c.id ORDER BY c.id'),
      [
        { id: 1, z: 'one', kid: 10 },
        { id: 2, z: 'two', kid: 11 },
      ],
      `from ${from}: every row, under the newest names`,
    );
    t.ok(await integrityOk(db.client), `from ${from}: integrity_check ok`);
    t.equal(await foreignKeyViolations(db.client), 0, `from ${from}: foreign_key_check empty`);
  }
});
