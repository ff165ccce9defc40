/**
 * `npm run versions:sql -- <dir>` (scripts/versions-to-sql.ts) moves TypeScript versions to a
 * SCHEMA_DIR of .sql files: the files must load to the same versions (checksums, dates, renames,
 * drop allowances, data steps), and a database synced with the TypeScript versions must be up to
 * date under the SQL ones. docs/schema-versions.md documents these steps.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { planMigration } from '../../lib/plan/planner.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetOf } from '../../lib/target.js';
import { buildRegistry, loadRegistry, type SchemaRegistry } from '../../schema/registry.js';
import type { SchemaVersionSource } from '../../schema/version.js';
import { builtInVersions } from '../../schema/versions/index.js';
import { versionToSql, writeSqlVersions } from '../../scripts/versions-to-sql.js';
import { version_1_2_0 } from '../fixtures/schema-versions/v1_2_0.js';
import { dirFor, exec, integrityOk, rows, snapshot, tempDb } from '../lib/_support.js';

const facts = (registry: SchemaRegistry) =>
  registry.versions.map(({ version, description, createdAt, checksum, renames, allowDrops, dataSteps }) => ({
    version,
    description,
    createdAt,
    checksum,
    renames,
    allowDrops,
    dataSteps,
  }));

async function movedToSql(t: Test, sources: readonly SchemaVersionSource[]): Promise<SchemaRegistry> {
  const dir = join(dirFor(t), 'sql');
  const files = await writeSqlVersions(dir, sources);
  t.same(
    files.map((file) => file.slice(dir.length + 1)),
    sources.map((source) => `${source.version}.sql`),
    'one <semver>.sql per version',
  );
  return loadRegistry({ schemaDir: dir });
}

t.test('the built-in versions as SQL files load to the same versions', async (t) => {
  const sql = await movedToSql(t, builtInVersions);
  t.same(facts(sql), facts(await loadRegistry()), 'same checksums, descriptions, dates and declarations');
  t.equal(sql.current.version, '1.1.0');
});

t.test('renames, drop allowances and data steps become annotations that load to the same declarations', async (t) => {
  const withDrops: SchemaVersionSource = {
    ...version_1_2_0,
    version: '1.3.0',
    schema: {
      definition: {
        tables: Object.values((await import('../fixtures/schema-versions/v1_2_0.js')).tables_1_2_0).filter(
          (table) => table.name !== 'price_alerts',
        ),
      },
    },
    renames: {},
    allowDrops: { tables: ['price_alerts'], views: ['portfolio_values'] },
    dataSteps: ['DELETE FROM trades WHERE quantity = 0;'],
  };
  const sources = [...builtInVersions, version_1_2_0, withDrops];
  const text = versionToSql(version_1_2_0);
  t.match(text, /^ {2}"memo" TEXT -- @renamed from=notes$/m, 'the rename ends the column line');
  t.match(text, /\n-- @data\nUPDATE accounts SET timezone = 'Europe\/London' WHERE base_currency = 'GBP';\n$/);
  t.match(versionToSql(withDrops), /^-- @allow-drop table price_alerts\n-- @allow-drop view portfolio_values$/m);
  const sql = await movedToSql(t, sources);
  const typed = await buildRegistry(sources);
  // The checksum covers each table's CREATE text, so the `-- @renamed` comment inside trades'
  // changes 1.2.0's; the schema itself is the same (docs/schema-versions.md says so).
  const withoutChecksum = (registry: SchemaRegistry) => facts(registry).map((v) => ({ ...v, checksum: undefined }));
  t.same(withoutChecksum(sql), withoutChecksum(typed), 'same dates and declarations');
  t.same(
    facts(sql).map((v) => v.checksum === facts(typed).find((w) => w.version === v.version)?.checksum),
    [true, true, false, true],
    'same checksums but for the version whose CREATE TABLE carries a -- @renamed comment',
  );
  for (const [i, version] of sql.versions.entries()) {
    const plan = planMigration(typed.versions[i]?.desired ?? version.desired, version.desired);
    t.same(plan.steps, [], `${version.version}: the same schema`);
  }
  t.same(sql.versions[2]?.renames, { columns: { trades: { memo: 'notes' } } });
});

t.test('a database synced with the TypeScript versions is up to date under the SQL files', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const typed = await loadRegistry();
  t.equal((await syncDatabase(db.client, targetOf(typed))).outcome, 'applied');
  await exec(db.client, "INSERT INTO accounts (id, email) VALUES (1, 'a@example.com')");
  const before = await snapshot(db.client);
  const result = await syncDatabase(db.client, targetOf(await movedToSql(t, builtInVersions)));
  t.equal(result.outcome, 'up_to_date');
  t.equal(result.statements, 0, 'nothing to run');
  t.same(await snapshot(db.client), before, 'schema and rows unchanged');
  t.same(await rows(db.client, 'SELECT count(*) AS n FROM schema_version'), [{ n: 1 }], 'no second audit row');
  t.ok(await integrityOk(db.client));
});

t.test('a version whose checksum moved is compared once more and re-recorded, its schema unchanged', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const sources = [...builtInVersions, version_1_2_0];
  t.equal((await syncDatabase(db.client, targetOf(await buildRegistry(sources)))).outcome, 'applied');
  await exec(db.client, "INSERT INTO accounts (id, email) VALUES (1, 'a@example.com')");
  const before = await snapshot(db.client);
  const sql = await movedToSql(t, sources);
  const result = await syncDatabase(db.client, targetOf(sql));
  t.equal(result.outcome, 'applied', 'an audit row with the new checksum');
  t.same(result.plan.steps, [], 'and no statement');
  t.same((await snapshot(db.client)).rows, before.rows, 'rows unchanged');
  t.same(await rows(db.client, 'SELECT version, checksum FROM schema_version ORDER BY id DESC LIMIT 1'), [
    { version: '1.2.0', checksum: sql.current.checksum },
  ]);
  t.equal((await syncDatabase(db.client, targetOf(sql))).outcome, 'up_to_date', 'then current');
  t.ok(await integrityOk(db.client));
});

t.test('refuses a directory that already holds .sql files, and a bad registry', async (t) => {
  const dir = join(dirFor(t), 'taken');
  mkdirSync(dir);
  writeFileSync(join(dir, '9.9.9.sql'), 'CREATE TABLE x (y);');
  await t.rejects(writeSqlVersions(dir), /already holds \.sql files/);
  t.equal(readFileSync(join(dir, '9.9.9.sql'), 'utf8'), 'CREATE TABLE x (y);', 'left as it was');
  const bad = join(dirFor(t), 'bad');
  await t.rejects(
    writeSqlVersions(bad, [
      ...builtInVersions,
      { ...version_1_2_0, renames: { columns: { trades: { memo: 'nope' } } } },
    ]),
    /nope/,
    'the registry checks run first',
  );
  t.notOk(existsSync(bad), 'and nothing is written');
});
