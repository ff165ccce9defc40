/**
 * The registry: SCHEMA_DIR of <semver>.sql files or typed definitions; validated, ordered by semver,
 * every problem naming its file. Plus the built-in 1.0.0 → 1.1.0 on a database with rows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { introspect } from '../../lib/introspect.js';
import { findByName } from '../../lib/model.js';
import { planMigration } from '../../lib/plan/planner.js';
import { syncDatabase } from '../../lib/sync.js';
import { buildRegistry, checksumOf, loadRegistry, readSqlVersions, RegistryError } from '../../schema/registry.js';
import { renderDefinition, validateDefinition } from '../../schema/definition.js';
import type { SchemaVersionSource } from '../../schema/version.js';
import { builtInVersions } from '../../schema/versions/index.js';
import { version_1_0_0 } from '../../schema/versions/v1_0_0.js';
import { dirFor, exec, integrityOk, rows, snapshot, tempDb } from './_support.js';
import { targetOf } from '../../lib/target.js';

function schemaDir(t: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(dirFor(t), 'schema-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function rejectsRegistry(
  t: Test,
  promise: Promise<unknown>,
  file: string,
  problem: RegExp,
  message: string,
): Promise<void> {
  try {
    await promise;
    t.fail(`${message}: expected a RegistryError`);
  } catch (error) {
    t.type(error, RegistryError, `${message}: a RegistryError`);
    const registryError = error as RegistryError;
    t.ok(registryError.file.includes(file), `${message}: names the file (${registryError.file})`);
    t.ok(registryError.message.includes(file), `${message}: the message names the file`);
    t.match(registryError.message, problem, `${message}: says what is wrong`);
  }
}

t.test('SCHEMA_DIR of .sql files: description header, semver order, highest is current', async (t) => {
  const dir = schemaDir(t, {
    '1.9.0.sql': '-- description: nine\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n',
    '1.10.0.sql':
      '-- description: ten, the newest\n-- created_at: 2024-05-01T00:00:00Z\nCREATE TABLE a (id INTEGER PRIMARY KEY, b TEXT);\nCREATE INDEX ix ON a (b);\n',
    '1.2.0.sql': 'CREATE TABLE a (x INT);',
    'README.md': 'not a version',
  });
  const registry = await loadRegistry({ schemaDir: dir });
  t.same(
    registry.versions.map((v) => v.version),
    ['1.2.0', '1.9.0', '1.10.0'],
    'semver order, not string order',
  );
  t.equal(registry.current.version, '1.10.0', 'highest semver is current');
  t.equal(registry.current.description, 'ten, the newest');
  t.equal(registry.current.createdAt, '2024-05-01T00:00:00.000Z', 'created_at from the header, not the clock');
  t.equal(registry.versions.find((v) => v.version === '1.9.0')?.description, 'nine');
  t.equal(registry.versions.find((v) => v.version === '1.2.0')?.description, '', 'no header: empty description');
  t.equal(
    registry.versions.find((v) => v.version === '1.2.0')?.createdAt,
    '1970-01-01T00:00:00.000Z',
    'no header: a fixed date',
  );
  t.equal(
    registry.versions.find((v) => v.version === '2.0.0'),
    undefined,
  );
  t.ok(registry.current.file.endsWith('1.10.0.sql'));
  t.same(
    registry.current.desired.tables.map((x) => x.name),
    ['a'],
  );
  t.same(
    registry.current.desired.indexes.map((x) => x.name),
    ['ix'],
    'the desired schema is introspected',
  );
  const again = await loadRegistry({ schemaDir: dir });
  t.equal(again.current.checksum, registry.current.checksum, 'checksum is stable across loads');
  t.not(
    registry.versions.find((v) => v.version === '1.9.0')?.checksum,
    registry.current.checksum,
    'different schemas, different checksums',
  );
  t.equal(checksumOf(registry.current.desired), registry.current.checksum);
});

t.test('a bad registry throws RegistryError naming the file and the problem', async (t) => {
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { '1.0.sql': 'CREATE TABLE a (x)' }) }),
    '1.0.sql',
    /not a semantic version/,
    'two-part version',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { 'v1.0.0.sql': 'CREATE TABLE a (x)' }) }),
    'v1.0.0.sql',
    /not a semantic version/,
    'v-prefixed version',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { 'latest.sql': 'CREATE TABLE a (x)' }) }),
    'latest.sql',
    /not a semantic version/,
    'a word',
  );
  await rejectsRegistry(
    t,
    loadRegistry({
      schemaDir: schemaDir(t, {
        '1.0.0.sql': 'CREATE TABLE a (x)',
        '1.1.0.sql': 'CREATE TABLE a (x);\nCREATE TABEL b (y);',
      }),
    }),
    '1.1.0.sql',
    /syntax error|TABEL/i,
    'SQL that fails',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { '1.0.0.sql': 'CREATE INDEX i ON missing (x);' }) }),
    '1.0.0.sql',
    /no such table/,
    'SQL that refers to a missing table',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { '1.0.0.sql': "CREATE TABLE a (x TEXT DEFAULT 'unterminated);" }) }),
    '1.0.0.sql',
    /unterminated|cannot read/,
    'SQL that does not tokenize',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { '1.0.0.sql': '-- created_at: yesterday\nCREATE TABLE a (x)' }) }),
    '1.0.0.sql',
    /not a date/,
    'a created_at that is not a date',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: schemaDir(t, { 'notes.txt': 'x' }) }),
    'schema-',
    /no <semver>\.sql files/,
    'a directory without versions',
  );
  await rejectsRegistry(
    t,
    loadRegistry({ schemaDir: join(dirFor(t), 'does-not-exist') }),
    'does-not-exist',
    /cannot read the directory/,
    'a missing directory',
  );

  const source = (version: string, file: string): SchemaVersionSource => ({
    version,
    description: version,
    createdAt: '2024-01-01',
    schema: { sql: 'CREATE TABLE a (x)' },
    file,
  });
  await rejectsRegistry(
    t,
    buildRegistry([source('1.0.0', 'one.sql'), source('1.0.0', 'two.sql')]),
    'two.sql',
    /1\.0\.0 is also defined in one\.sql/,
    'duplicate version',
  );
  await rejectsRegistry(
    t,
    buildRegistry([source('1.0.0', 'a.sql'), source('1.0.0-rc.1', 'b.sql'), source('1.0.0', 'c.sql')]),
    'c.sql',
    /also defined/,
    'duplicate among several',
  );
  await rejectsRegistry(
    t,
    buildRegistry([{ ...source('1.0.0', 'empty-step.ts'), dataSteps: ['  '] }]),
    'empty-step.ts',
    /data step must be exactly one statement, not 0/,
    'an empty data step',
  );
  // A driver runs a text's first statement and ignores the rest: the second would silently not run.
  await rejectsRegistry(
    t,
    buildRegistry([{ ...source('1.0.0', 'two-steps.ts'), dataSteps: ['UPDATE a SET x = 1; UPDATE a SET x = 2'] }]),
    'two-steps.ts',
    /data step must be exactly one statement, not 2/,
    'two statements in one data step',
  );
  await rejectsRegistry(
    t,
    buildRegistry([{ ...source('1.0.0', 'ddl-step.ts'), dataSteps: ['DROP TABLE a'] }]),
    'ddl-step.ts',
    /data step may only be INSERT, UPDATE, DELETE, REPLACE, WITH/,
    'a data step that changes the schema',
  );
  await rejectsRegistry(
    t,
    buildRegistry([{ ...source('1.0.0', 'nul-step.ts'), dataSteps: ['UPDATE a SET x = 1 /* a\u0000b */'] }]),
    'nul-step.ts',
    /NUL character/,
    'a NUL in a data step',
  );
  await rejectsRegistry(
    t,
    buildRegistry([
      { ...source('1.0.0', 'nul.sql'), schema: { sql: 'CREATE TABLE a (x);\n-- \u0000\nCREATE TABLE b (y);' } },
    ]),
    'nul.sql',
    /line 2: the text holds a NUL character/,
    "a NUL in a version's SQL, with its line",
  );
  t.rejects(buildRegistry([]), RegistryError, 'no versions at all');
});

t.test('typed definitions: validated with TypeBox, rendered to DDL, loaded like SQL', async (t) => {
  const good: SchemaVersionSource = {
    version: '2.0.0',
    description: 'typed',
    createdAt: '2024-02-02T00:00:00Z',
    file: 'typed.ts',
    schema: {
      definition: {
        tables: [
          {
            name: 'order',
            columns: [
              { name: 'id', data_type: 'INTEGER', is_nullable: false, is_primary_key: true, autoincrement: true },
              {
                name: 'code',
                data_type: 'TEXT',
                is_nullable: false,
                is_primary_key: false,
                is_unique: true,
                collate: 'NOCASE',
              },
              {
                name: 'qty',
                data_type: 'INTEGER',
                is_nullable: false,
                is_primary_key: false,
                default_value: '1',
                check: 'qty > 0',
              },
              {
                name: 'double',
                data_type: 'INTEGER',
                is_nullable: true,
                is_primary_key: false,
                generated: { expression: 'qty * 2', storage: 'STORED' },
              },
            ],
            indexes: [
              {
                name: 'idx order qty',
                table_name: 'order',
                columns: ['qty DESC', 'lower(code)'],
                is_unique: false,
                where: 'qty > 1',
              },
            ],
            triggers: [],
            strict: true,
          },
        ],
      },
    },
  };
  const registry = await buildRegistry([good]);
  const table = findByName(registry.current.desired.tables, 'order');
  t.ok(table, 'a keyword table name is quoted');
  t.equal(table?.strict, true);
  t.equal(table?.autoincrement, true);
  t.same(
    table?.columns.map((c) => c.name),
    ['id', 'code', 'qty', 'double'],
  );
  t.equal(findByName(table?.columns ?? [], 'code')?.collate, 'NOCASE');
  t.equal(findByName(table?.columns ?? [], 'double')?.generated?.storage, 'STORED');
  t.match(findByName(registry.current.desired.indexes, 'idx order qty'), {
    partial: true,
    columns: [{ name: 'qty', desc: true }, { name: null }],
  });
  t.match(registry.current.sql, /CREATE TABLE "order"/);

  const bad = (definition: unknown): SchemaVersionSource => ({
    ...good,
    file: 'bad.ts',
    schema: { definition: definition as never },
  });
  await rejectsRegistry(
    t,
    buildRegistry([bad({ tables: [{ name: 'x', columns: [], indexes: [], triggers: [] }] })]),
    'bad.ts',
    /invalid schema definition: \/tables\/0\/columns/,
    'a table without columns',
  );
  await rejectsRegistry(
    t,
    buildRegistry([
      bad({
        tables: [
          {
            name: 'x',
            columns: [{ name: 'a', data_type: 'INT', is_nullable: 'yes', is_primary_key: false }],
            indexes: [],
            triggers: [],
          },
        ],
      }),
    ]),
    'bad.ts',
    /is_nullable/,
    'a wrongly typed field',
  );
  await rejectsRegistry(
    t,
    buildRegistry([
      bad({
        tables: [
          {
            name: 'x',
            columns: [{ name: 'a', data_type: 'INT', is_nullable: true, is_primary_key: false, colour: 'red' }],
            indexes: [],
            triggers: [],
          },
        ],
      }),
    ]),
    'bad.ts',
    /invalid schema definition/,
    'an unknown field',
  );
  await rejectsRegistry(
    t,
    buildRegistry([
      bad({
        tables: [
          {
            name: 'x',
            columns: [
              {
                name: 'a',
                data_type: 'INT',
                is_nullable: true,
                is_primary_key: false,
                references: { table: 'y', column: 'id', on_delete: 'EXPLODE' },
              },
            ],
            indexes: [],
            triggers: [],
          },
        ],
      }),
    ]),
    'bad.ts',
    /on_delete/,
    'an unknown FK action',
  );
  await rejectsRegistry(
    t,
    buildRegistry([
      bad({
        tables: [
          {
            name: 'x',
            columns: [{ name: 'a', data_type: 'INT', is_nullable: true, is_primary_key: false }],
            indexes: [{ name: 'i', table_name: 'nope', columns: ['a'], is_unique: false }],
            triggers: [],
          },
        ],
      }),
    ]),
    'bad.ts',
    /no such table: main\.nope|no such table/,
    'a valid definition whose DDL fails',
  );
  t.throws(() => validateDefinition({ tables: 'no' }), /invalid schema definition/);
  t.match(renderDefinition(validateDefinition({ tables: [] })), /^\n?$/, 'an empty definition renders to nothing');
});

t.test('built-in registry: 1.0.0 and 1.1.0 with fixed dates', async (t) => {
  const registry = await loadRegistry();
  t.same(
    registry.versions.map((v) => v.version),
    ['1.0.0', '1.1.0'],
  );
  t.equal(registry.current.version, '1.1.0');
  t.equal(registry.versions.find((v) => v.version === '1.0.0')?.description.startsWith('Initial trading schema'), true);
  t.equal(registry.versions.find((v) => v.version === '1.0.0')?.createdAt, '2024-01-15T10:30:00.000Z');
  t.equal(registry.current.createdAt, '2024-03-01T09:00:00.000Z');
  const v1 = registry.versions.find((v) => v.version === '1.0.0');
  t.same(
    v1?.desired.tables.map((x) => x.name),
    ['accounts', 'portfolios', 'positions', 'trades', 'watchlists'],
  );
  t.ok((v1?.desired.triggers.length ?? 0) >= 4, 'updated_at triggers');
  t.ok((v1?.desired.indexes.filter((i) => i.origin === 'c').length ?? 0) >= 4, 'indexes');
  t.equal(builtInVersions.length, 2);
  const reloaded = await loadRegistry({ schemaDir: '' });
  t.equal(reloaded.current.checksum, registry.current.checksum, 'an empty SCHEMA_DIR means the built-ins');

  const step = planMigration(
    v1?.desired ?? { tables: [], indexes: [], triggers: [], views: [] },
    registry.current.desired,
  );
  const kinds = new Set(step.steps.map((s) => s.kind));
  for (const kind of ['create_table', 'add_column', 'create_index', 'rebuild_table', 'create_view'] as const) {
    t.ok(kinds.has(kind), `1.0.0 → 1.1.0 needs ${kind}`);
  }
  t.same(step.skipped, [], 'nothing unwanted');
});

t.test('built-in 1.0.0 → 1.1.0 on a database with rows keeps every row', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  const v1Only = await buildRegistry([version_1_0_0]);
  const first = await syncDatabase(db.client, targetOf(v1Only), { now: () => new Date('2024-06-01T00:00:00Z') });
  t.equal(first.outcome, 'applied');
  t.equal(first.toVersion, '1.0.0');
  await exec(
    db.client,
    `
    INSERT INTO accounts (id, email, display_name) VALUES (1, 'a@example.com', 'A'), (2, 'b@example.com', NULL);
    INSERT INTO portfolios (id, account_id, name) VALUES (10, 1, 'main'), (11, 2, 'alt');
    INSERT INTO positions (id, portfolio_id, symbol, quantity, average_cost) VALUES (100, 10, 'AAPL', 5, 150.5), (101, 11, 'MSFT', 2, 300);
    INSERT INTO trades (id, portfolio_id, symbol, side, quantity, price, executed_at) VALUES (1000, 10, 'AAPL', 'buy', 5, 150.5, '2024-01-01');
    INSERT INTO watchlists (id, account_id, name, symbols) VALUES (7, 1, 'tech', '["AAPL"]');
  `,
  );
  const before = await snapshot(db.client);
  const registry = await loadRegistry();
  const second = await syncDatabase(db.client, targetOf(registry));
  t.equal(second.outcome, 'applied');
  t.equal(second.fromVersion, '1.0.0');
  t.equal(second.toVersion, '1.1.0');
  const after = await snapshot(db.client);
  t.same(
    after.rows['accounts']?.map((r) => ({ ...r, base_currency: undefined })),
    before.rows['accounts']?.map((r) => ({ ...r, base_currency: undefined })),
    'accounts unchanged',
  );
  t.same(
    after.rows['accounts']?.map((r) => r['base_currency']),
    ['USD', 'USD'],
    'new column filled by its default',
  );
  t.same(after.rows['positions'], before.rows['positions'], 'rebuilt positions: every row and rowid unchanged');
  t.same(after.rows['portfolios'], before.rows['portfolios']);
  t.same(after.rows['watchlists'], before.rows['watchlists']);
  t.same(
    after.rows['trades']?.map((r) => ({ ...r, fees: undefined, notes: undefined })),
    before.rows['trades']?.map((r) => ({ ...r, fees: undefined, notes: undefined })),
  );
  t.same(after.rows['price_alerts'], [], 'new table');
  t.same(
    await rows(db.client, 'SELECT portfolio_id, positions FROM portfolio_values ORDER BY 1'),
    [
      { portfolio_id: 10, positions: 1 },
      { portfolio_id: 11, positions: 1 },
    ],
    'the new view works',
  );
  t.same((await introspect(db.client)).tables.length, 6);
  t.same(planMigration(await introspect(db.client), registry.current.desired).steps, [], 'converged');
  t.ok(await integrityOk(db.client));
  const audit = await rows(
    db.client,
    'SELECT id, version, previous_version, created_at, checksum, statements FROM schema_version ORDER BY id',
  );
  t.same(
    audit.map((r) => [r['id'], r['version'], r['previous_version'], r['created_at']]),
    [
      [1, '1.0.0', null, '2024-01-15T10:30:00.000Z'],
      [2, '1.1.0', '1.0.0', '2024-03-01T09:00:00.000Z'],
    ],
    'audit trail',
  );
  t.equal(audit[1]?.['checksum'], registry.current.checksum);
  t.equal(audit[1]?.['statements'], second.statements);
  // the cascade 1.1.0 added to positions now works
  await db.client.execute('DELETE FROM portfolios WHERE id = 11');
  t.same(
    await rows(db.client, 'SELECT id FROM positions ORDER BY id'),
    [{ id: 100 }],
    'ON DELETE CASCADE added by the rebuild',
  );
});

t.test('readSqlVersions reads headers only at the top', async (t) => {
  const dir = schemaDir(t, { '1.0.0.sql': 'CREATE TABLE a (x);\n-- description: too late\n' });
  const [source] = await readSqlVersions(dir);
  t.equal(source?.description, '');
  t.equal(source?.version, '1.0.0');
});
