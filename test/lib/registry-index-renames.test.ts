/**
 * Index renames in registry versions: `@renamed` on a CREATE INDEX (line or block comment) or a
 * TypeScript version's `renames.indexes`, checked against the previous version and composed over
 * versions a database skips, so the database's own index is the one dropped and the newest name
 * the one created. Real files; rows, integrity_check and foreign_key_check after each sync.
 */
import t from 'tap';
import { introspect } from '../../lib/introspect.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetOf } from '../../lib/target.js';
import { buildRegistry } from '../../schema/registry.js';
import type { SchemaVersionSource } from '../../schema/version.js';
import { dirFor, dumpRows, exec, foreignKeyViolations, integrityOk, snapshot, tempDb } from './_support.js';

const TABLE = 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n';
const version = (v: string, sql: string, extra: Partial<SchemaVersionSource> = {}): SchemaVersionSource => ({
  version: v,
  description: '',
  createdAt: '2024-01-01',
  schema: { sql },
  file: `${v}.sql`,
  ...extra,
});
const V1 = version('1.0.0', `${TABLE}CREATE UNIQUE INDEX users_email ON users (email);`);
const V2 = version(
  '1.1.0',
  `${TABLE}CREATE UNIQUE INDEX email_unique /* @renamed from=users_email */ ON users (email);`,
);
const V3 = version(
  '1.2.0',
  `${TABLE}CREATE UNIQUE INDEX users_by_email ON users (email) WHERE email <> ''; -- @renamed from=email_unique`,
);

t.test('index renames chained over versions are one drop + create from the name the database has', async (t) => {
  const all = await buildRegistry([V1, V2, V3]);
  t.same(all.current.renames, { indexes: { users_by_email: 'email_unique' } });
  for (const start of [[V1], [V1, V2]]) {
    const from = (start.at(-1) as SchemaVersionSource).version;
    const old = start.length === 1 ? 'users_email' : 'email_unique';
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await syncDatabase(db.client, targetOf(await buildRegistry(start)));
    await exec(db.client, "INSERT INTO users VALUES (1, 'a@x', 'ann'), (2, 'b@x', NULL);");
    const rowsBefore = await dumpRows(db.client);
    const result = await syncDatabase(db.client, targetOf(all));
    t.equal(result.outcome, 'applied');
    t.match(
      result.plan.steps,
      [
        { kind: 'drop_index', object: old, sql: `DROP INDEX "${old}"`, destructive: false },
        { kind: 'create_index', object: 'users_by_email', reason: `renamed from ${old}` },
      ],
      `from ${from}: the database's index is dropped, the newest one created`,
    );
    t.equal(result.plan.steps.length, 2, `from ${from}: nothing else`);
    t.same(await dumpRows(db.client), rowsBefore, `from ${from}: every row kept`);
    t.same(
      (await introspect(db.client)).indexes.filter((index) => index.origin === 'c').map((index) => index.name),
      ['users_by_email'],
    );
    t.ok(await integrityOk(db.client), `from ${from}: integrity_check ok`);
    t.equal(await foreignKeyViolations(db.client), 0, `from ${from}: foreign_key_check empty`);
    const snap = await snapshot(db.client);
    t.equal((await syncDatabase(db.client, targetOf(all), { verify: true })).outcome, 'up_to_date');
    t.same(await snapshot(db.client), snap, `from ${from}: the rename does not apply twice`);
  }
});

t.test('an index rename must name what the previous version has', async (t) => {
  await t.rejects(
    buildRegistry([V1, version('1.1.0', `${TABLE}CREATE INDEX e /* @renamed from=nope */ ON users (email);`)]),
    { message: /1\.1\.0\.sql: line 2: @renamed from=nope: version 1\.0\.0 has no index nope/ },
  );
  await t.rejects(
    buildRegistry([
      V1,
      version('1.1.0', `${TABLE}CREATE INDEX e ON users (email);`, {
        renames: { indexes: { e: 'users_email', f: 'x' } },
      }),
    ]),
    { message: /renames\.indexes\["f"\]: this schema has no index f/ },
  );
  await t.rejects(
    buildRegistry([
      V1,
      version(
        '1.1.0',
        `${TABLE}CREATE UNIQUE INDEX users_email ON users (email);\nCREATE INDEX e ON users (email); -- @renamed from=users_email`,
      ),
    ]),
    { message: /line 3: @renamed from=users_email: this schema still defines index users_email/ },
  );
  const ts = await buildRegistry([
    V1,
    version('1.1.0', `${TABLE}CREATE UNIQUE INDEX e ON users (email);`, { renames: { indexes: { e: 'users_email' } } }),
  ]);
  t.same(ts.current.renames, { indexes: { e: 'users_email' } }, "a TypeScript version's renames.indexes");
});
