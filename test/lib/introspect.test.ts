/**
 * Introspection: every field of the model, read from a real libSQL file in one round trip.
 */
import t from 'tap';
import { introspect, INTROSPECTION_SQL, isInternalName, schemaFromRows } from '../../lib/introspect.js';
import type { Column, DatabaseSchema, Table } from '../../lib/model.js';
import { findByName } from '../../lib/model.js';
import { dirFor, countingClient, exec, tempDb } from './_support.js';

const DDL = `
CREATE TABLE parent (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE COLLATE NOCASE,
  n REAL DEFAULT 1.5 CHECK (n > 0),
  t text default 'x',
  d TEXT DEFAULT CURRENT_TIMESTAMP,
  e TEXT DEFAULT (lower('ABC')),
  neg INTEGER DEFAULT -1,
  g INT GENERATED ALWAYS AS (n * 2) VIRTUAL,
  s INT AS (n + 1) STORED,
  dec decimal( 10 , 2 ),
  CHECK (length(code) < 10)
);
CREATE TABLE child (
  a INT,
  b TEXT,
  pid INT REFERENCES parent(id) ON DELETE CASCADE ON UPDATE SET NULL,
  r INT CONSTRAINT fk_r REFERENCES parent (id) ON DELETE RESTRICT,
  PRIMARY KEY (b, a),
  FOREIGN KEY (a) REFERENCES parent ON DELETE SET DEFAULT,
  UNIQUE (pid, b)
) WITHOUT ROWID;
CREATE TABLE comp (x INT, y INT, z INT, FOREIGN KEY (x, y) REFERENCES child (a, b));
CREATE TABLE st (x INTEGER, y TEXT NOT NULL, untyped ANY) STRICT;
CREATE TABLE plain (v);
CREATE INDEX ix_partial ON parent (code COLLATE BINARY DESC, lower(t)) WHERE n > 1;
CREATE UNIQUE INDEX ix_unique ON st (y);
CREATE INDEX ix_coll ON st (y COLLATE NOCASE ASC);
CREATE TRIGGER tr AFTER INSERT ON st BEGIN SELECT 1; SELECT 2; END;
CREATE VIEW v AS SELECT x, y FROM st;
CREATE VIEW v2 AS SELECT * FROM v WHERE x > 0;
`;

function table(schema: DatabaseSchema, name: string): Table {
  const found = findByName(schema.tables, name);
  if (found === undefined) throw new Error(`no table ${name}`);
  return found;
}

function column(t: Table, name: string): Column {
  const found = findByName(t.columns, name);
  if (found === undefined) throw new Error(`no column ${name}`);
  return found;
}

t.test('introspection reads every model field in one round trip', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, DDL);
  const counting = countingClient(db.client);
  const schema = await introspect(counting.client);
  t.same(counting.calls, ['execute'], 'exactly one round trip');

  t.same(
    schema.tables.map((x) => x.name),
    ['child', 'comp', 'parent', 'plain', 'st'],
    'tables sorted by name',
  );
  const parent = table(schema, 'parent');
  t.same(parent.primaryKey, ['id']);
  t.equal(parent.autoincrement, true, 'AUTOINCREMENT');
  t.equal(parent.strict, false);
  t.equal(parent.withoutRowid, false);
  t.same(parent.checks, ['length(code) < 10'], 'table CHECK');
  t.same(
    parent.columns.map((c) => c.name),
    ['id', 'code', 'n', 't', 'd', 'e', 'neg', 'g', 's', 'dec'],
    'column order, generated included',
  );

  t.match(column(parent, 'id'), { type: 'INTEGER', primaryKeyPosition: 1, generated: null });
  t.match(column(parent, 'code'), { type: 'TEXT', notNull: true, collate: 'NOCASE', unique: true, defaultSql: null });
  t.match(column(parent, 'n'), { type: 'REAL', notNull: false, defaultSql: '1.5', checks: ['n > 0'] });
  t.match(column(parent, 't'), { type: 'TEXT', defaultSql: "'x'" }, 'type normalised to upper case');
  t.match(column(parent, 'd'), { defaultSql: 'CURRENT_TIMESTAMP' });
  t.match(column(parent, 'e'), { defaultSql: "lower('ABC')" });
  t.match(column(parent, 'neg'), { defaultSql: '-1' });
  t.same(column(parent, 'g').generated, { expression: 'n * 2', storage: 'VIRTUAL' });
  t.same(column(parent, 's').generated, { expression: 'n + 1', storage: 'STORED' });
  t.equal(column(parent, 'g').hidden, false);
  t.equal(column(parent, 'dec').type, 'DECIMAL(10,2)', 'type with arguments normalised');
  t.equal(column(parent, 'code').definitionSql, 'code TEXT NOT NULL UNIQUE COLLATE NOCASE', 'definition as written');
  t.same(parent.uniques, [[{ name: 'code', desc: false, collate: 'NOCASE' }]], 'inline UNIQUE');

  const child = table(schema, 'child');
  t.equal(child.withoutRowid, true, 'WITHOUT ROWID');
  t.same(child.primaryKey, ['b', 'a'], 'primary key in its declared order');
  t.equal(column(child, 'b').primaryKeyPosition, 1);
  t.equal(column(child, 'a').primaryKeyPosition, 2);
  t.equal(column(child, 'a').notNull, true, 'WITHOUT ROWID primary key columns are NOT NULL');
  const fks = [...child.foreignKeys].sort((x, y) => (x.columns[0] ?? '').localeCompare(y.columns[0] ?? ''));
  t.same(
    fks,
    [
      { columns: ['a'], targetTable: 'parent', targetColumns: [], onDelete: 'SET DEFAULT', onUpdate: 'NO ACTION' },
      { columns: ['pid'], targetTable: 'parent', targetColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'SET NULL' },
      { columns: ['r'], targetTable: 'parent', targetColumns: ['id'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' },
    ],
    'foreign keys with their actions; no target columns when the REFERENCES names none',
  );
  t.same(
    child.uniques,
    [
      [
        { name: 'pid', desc: false, collate: 'BINARY' },
        { name: 'b', desc: false, collate: 'BINARY' },
      ],
    ],
    'table-level UNIQUE',
  );
  t.equal(column(child, 'pid').unique, false, 'a column in a multi-column UNIQUE is not itself unique');

  const comp = table(schema, 'comp');
  t.same(
    comp.foreignKeys,
    [
      {
        columns: ['x', 'y'],
        targetTable: 'child',
        targetColumns: ['a', 'b'],
        onDelete: 'NO ACTION',
        onUpdate: 'NO ACTION',
      },
    ],
    'composite FK',
  );
  t.same(comp.primaryKey, [], 'no primary key');

  const st = table(schema, 'st');
  t.equal(st.strict, true, 'STRICT');
  t.match(column(st, 'y'), { type: 'TEXT', notNull: true });
  t.equal(column(st, 'untyped').type, 'ANY');
  t.equal(column(table(schema, 'plain'), 'v').type, '', 'untyped column');

  const partial = findByName(schema.indexes, 'ix_partial');
  t.match(
    partial,
    {
      table: 'parent',
      unique: false,
      origin: 'c',
      partial: true,
      columns: [
        { name: 'code', desc: true, collate: 'BINARY' },
        { name: null, desc: false, collate: 'BINARY' },
      ],
      sql: 'CREATE INDEX ix_partial ON parent (code COLLATE BINARY DESC, lower(t)) WHERE n > 1',
    },
    'partial, DESC, COLLATE and expression index',
  );
  t.match(findByName(schema.indexes, 'ix_unique'), { unique: true, origin: 'c', partial: false });
  t.match(findByName(schema.indexes, 'ix_coll'), { columns: [{ name: 'y', desc: false, collate: 'NOCASE' }] });
  const autoindexes = schema.indexes.filter((index) => index.origin !== 'c');
  t.same(
    autoindexes.map((index) => [index.table, index.origin, index.sql]).sort(),
    [
      ['child', 'pk', null],
      ['child', 'u', null],
      ['parent', 'u', null],
    ],
    'autoindexes: origin pk/u, no SQL',
  );
  t.ok(
    autoindexes.every((index) => index.unique),
    'autoindexes are unique',
  );

  t.same(schema.triggers, [
    { name: 'tr', table: 'st', sql: 'CREATE TRIGGER tr AFTER INSERT ON st BEGIN SELECT 1; SELECT 2; END' },
  ]);
  t.same(schema.views, [
    { name: 'v', sql: 'CREATE VIEW v AS SELECT x, y FROM st' },
    { name: 'v2', sql: 'CREATE VIEW v2 AS SELECT * FROM v WHERE x > 0' },
  ]);
  t.same(JSON.parse(JSON.stringify(schema)), schema, 'the model is plain JSON');
});

t.test('internal objects are not part of the application schema', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    `
    CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
    INSERT INTO a (v) VALUES ('x');
    CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version TEXT);
    CREATE TABLE _schema_sync_new_a (id INTEGER);
    CREATE VIRTUAL TABLE docs USING fts5(body);
    ANALYZE;
  `,
  );
  const schema = await introspect(db.client);
  t.same(
    schema.tables.map((x) => x.name),
    ['a', 'docs'],
    'no sqlite_sequence, sqlite_stat1, schema_version, _schema_sync_*, fts shadow tables',
  );
  t.equal(findByName(schema.tables, 'docs')?.virtual, true, 'virtual table flagged');
  t.ok(
    isInternalName('SQLITE_sequence') && isInternalName('Schema_Version') && isInternalName('libsql_wasm_func_table'),
  );
  t.notOk(isInternalName('sqlite'), 'a bare "sqlite" name is the application\'s');
});

t.test('identifiers of every kind survive introspection', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(
    db.client,
    `
    CREATE TABLE "my table" ("the ""id""" INTEGER PRIMARY KEY, [select] TEXT, \`MixedCase\` TEXT, "ünïcødé" TEXT DEFAULT 'é');
    CREATE INDEX "idx ""quoted""" ON "my table" ("select", "ünïcødé");
    CREATE VIEW "view of ""my table""" AS SELECT "select" FROM "my table";
  `,
  );
  const schema = await introspect(db.client);
  const tbl = table(schema, 'my table');
  t.same(
    tbl.columns.map((c) => c.name),
    ['the "id"', 'select', 'MixedCase', 'ünïcødé'],
  );
  t.same(tbl.primaryKey, ['the "id"']);
  t.equal(column(tbl, 'ünïcødé').defaultSql, "'é'");
  t.same(
    schema.indexes.map((i) => i.name),
    ['idx "quoted"'],
  );
  t.same(
    findByName(schema.indexes, 'idx "quoted"')?.columns.map((c) => c.name),
    ['select', 'ünïcødé'],
  );
  t.same(
    schema.views.map((v) => v.name),
    ['view of "my table"'],
  );
  t.ok(findByName(tbl.columns, 'mixedcase'), 'names match ASCII-case-insensitively');
});

t.test('schemaFromRows is pure and an empty database is empty', async (t) => {
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  t.same(await introspect(db.client), { tables: [], indexes: [], triggers: [], views: [] });
  t.same(schemaFromRows([]), { tables: [], indexes: [], triggers: [], views: [] });
  await exec(db.client, 'CREATE TABLE x (a INT UNIQUE)');
  const result = await db.client.execute(INTROSPECTION_SQL);
  t.same(schemaFromRows(result.rows), await introspect(db.client));
});
