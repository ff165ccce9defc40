/**
 * What a desired schema may contain: only schema statements reach the in-memory normaliser; the
 * rest is refused, with its line, before anything runs (ATTACH and VACUUM INTO would write files).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { DesiredSchemaError, loadDesiredSchema } from '../../lib/desired.js';
import { loadSchemaSource } from '../../lib/schema-source.js';
import { splitScript } from '../../lib/sql/statements.js';
import { dirFor, tempDb } from './_support.js';

async function refused(
  t: Test,
  sql: string | Uint8Array,
  line: number | null,
  problem: RegExp,
  what: string,
): Promise<DesiredSchemaError | null> {
  try {
    await loadSchemaSource(sql, 'schema file s.sql');
    t.fail(`${what}: expected a DesiredSchemaError`);
    return null;
  } catch (error) {
    t.type(error, DesiredSchemaError, `${what}: a DesiredSchemaError`);
    const e = error as DesiredSchemaError;
    t.equal(e.line, line, `${what}: line ${line}`);
    t.match(
      e.message,
      line === null ? /^schema file s\.sql: / : new RegExp(`^schema file s\\.sql, line ${line}(, column \\d+)?: `),
      `${what}: says where (${e.message})`,
    );
    t.match(e.message, problem, `${what}: says what`);
    return e;
  }
}

t.test('splitScript: statements and comments with their lines', async (t) => {
  const script = splitScript(
    "-- head\nCREATE TABLE a (\n  x TEXT DEFAULT ';' -- c1\n);\r\n/* b */ CREATE TABLE b (y); -- tail\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN\n  SELECT 1;\nEND;",
  );
  t.same(
    script.statements.map((s) => [s.line, s.text.split('\n')[0]]),
    [
      [2, 'CREATE TABLE a ('],
      [5, 'CREATE TABLE b (y)'],
      [6, 'CREATE TRIGGER tr AFTER INSERT ON a BEGIN'],
    ],
  );
  t.match(script.statements[2]?.text, /END$/, 'a trigger body is one statement');
  t.same(
    script.comments.map((c) => [c.line, c.kind, c.body.trim(), c.ownLine]),
    [
      [1, 'line', 'head', true],
      [3, 'line', 'c1', false],
      [5, 'block', 'b', true],
      [5, 'line', 'tail', false],
    ],
  );
  t.equal(script.lineAt(0), 1);
  t.equal(script.lineAt(script.statements[1]?.start ?? 0), 5);
});

t.test('statements that are not schema are refused with their line, before anything runs', async (t) => {
  const dir = dirFor(t);
  const attached = join(dir, 'attached.db');
  const vacuumed = join(dir, 'vacuumed.db');
  const cases: Array<[string, RegExp]> = [
    [`ATTACH DATABASE '${attached}' AS x`, /ATTACH DATABASE .* is not a schema statement/],
    [`VACUUM INTO '${vacuumed}'`, /VACUUM INTO .* is not a schema statement/],
    ['INSERT INTO a VALUES (1)', /INSERT INTO a VALUES \(1\) is not a schema statement/],
    ['DELETE FROM a', /DELETE FROM a is not a schema statement/],
    ['PRAGMA journal_mode=WAL', /PRAGMA journal_mode=WAL is not a schema statement/],
    ['PRAGMA foreign_keys=ON', /PRAGMA foreign_keys=ON is not a schema statement/],
    ['DROP TABLE a', /DROP TABLE a is not a schema statement/],
    ['ALTER TABLE a ADD COLUMN y', /ALTER TABLE/],
    ['SELECT 1', /SELECT 1 is not a schema statement/],
    ['ANALYZE', /ANALYZE is not a schema statement/],
    ['CREATE TEMP TABLE tt (x)', /TEMP object/],
    ['CREATE TEMPORARY VIEW tv AS SELECT 1', /TEMP object/],
    ['CREATE TABLE temp.tt (x)', /only the main schema/],
    ['CREATE INDEX aux.i ON a (x)', /only the main schema/],
    ['CREATE TABLE c AS SELECT * FROM a', /AS SELECT copies rows/],
    ['EXPLAIN CREATE TABLE c (x)', /is not a schema statement/],
  ];
  for (const [statement, problem] of cases) {
    await refused(
      t,
      `CREATE TABLE a (x INTEGER);\n\n${statement};\nCREATE TABLE after_it (y);\n`,
      3,
      problem,
      statement,
    );
  }
  t.notOk(existsSync(attached), 'ATTACH created no file');
  t.notOk(existsSync(vacuumed), 'VACUUM INTO created no file');
  t.same(readdirSync(dir), [], 'nothing at all was written');
  // The refusal happens before the first statement runs: a later failure is never reached either.
  await refused(
    t,
    "CREATE TABLE a (x);\nCREATE TABLE a (y);\nATTACH 'x.db' AS x;",
    2,
    /second definition/,
    'the first problem in order',
  );
});

t.test('what sqlite3 .schema and .dump print is accepted', async (t) => {
  const schemaOutput = `CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);
CREATE TABLE sqlite_sequence(name,seq);
CREATE VIRTUAL TABLE ft USING fts5(body)
/* ft(body) */;
CREATE TABLE IF NOT EXISTS 'ft_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE IF NOT EXISTS 'ft_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS 'ft_content'(id INTEGER PRIMARY KEY, c0);
CREATE TABLE IF NOT EXISTS 'ft_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE IF NOT EXISTS 'ft_config'(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE INDEX ia ON a(x);
CREATE VIEW v AS SELECT * FROM a
/* v(id,x) */;
CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET x = 'y' WHERE id = NEW.id; END;
CREATE TABLE sqlite_stat1(tbl,idx,stat);
`;
  const schema = await loadDesiredSchema(schemaOutput);
  t.same(
    schema.tables.map((x) => x.name).sort(),
    ['a', 'ft'],
    "the shadow tables fts5 makes are not the application's",
  );
  t.same(
    [
      schema.indexes.filter((i) => i.origin === 'c').map((i) => i.name),
      schema.views.map((v) => v.name),
      schema.triggers.map((x) => x.name),
    ],
    [['ia'], ['v'], ['tr']],
  );
  await refused(
    t,
    schemaOutput.replace(
      "'ft_data'(id INTEGER PRIMARY KEY, block BLOB)",
      "'ft_data'(id INTEGER PRIMARY KEY, block TEXT)",
    ),
    5,
    /second definition of "ft_data": an earlier statement already created table "ft_data" differently/,
    'a shadow table written differently',
  );

  const dump = `PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);
DELETE FROM sqlite_sequence;
CREATE INDEX ia ON a(x);
COMMIT;
`;
  t.same(
    (await loadDesiredSchema(dump)).tables.map((x) => x.name),
    ['a'],
    'the .dump framing of a schema without rows',
  );
  await refused(
    t,
    dump.replace('COMMIT;', "INSERT INTO a VALUES(1,'x');\nCOMMIT;"),
    6,
    /INSERT INTO a .* is not a schema statement/,
    'a .dump with rows',
  );

  // The real tool, when this machine has it: its output for a database with rows and AUTOINCREMENT.
  if (existsSync('/usr/bin/sqlite3')) {
    const db = tempDb(dirFor(t));
    db.client.close();
    execFileSync('/usr/bin/sqlite3', [
      db.path,
      "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT); CREATE INDEX ia ON a(x); INSERT INTO a (x) VALUES ('r');",
    ]);
    const printed = execFileSync('/usr/bin/sqlite3', [db.path, '.schema'], { encoding: 'utf8' });
    t.same(
      (await loadDesiredSchema(printed)).tables.map((x) => x.name),
      ['a'],
      'sqlite3 .schema output loads',
    );
  }
});

t.test('sqlite_* names, reserved names and second definitions are refused with the line', async (t) => {
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE TABLE sqlite_users (id);',
    2,
    /table "sqlite_users": names starting with sqlite_ belong to SQLite/,
    'a sqlite_ table',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE INDEX sqlite_autoindex_a_9 ON a (x);',
    2,
    /index "sqlite_autoindex_a_9"/,
    'a sqlite_ index',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE TABLE sqlite_sequence(name, seq, extra);',
    2,
    /sqlite_sequence/,
    'sqlite_sequence other than SQLite makes it',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\n\nCREATE TABLE "schema_version" (id);',
    3,
    /"schema_version" has a name schema-sync reserves/,
    'the audit table',
  );
  await refused(t, 'CREATE TABLE a (x);\nCREATE VIEW _schema_sync_v AS SELECT 1;', 2, /reserves/, 'an internal prefix');
  await refused(
    t,
    'CREATE TABLE a (x INTEGER);\nCREATE TABLE IF NOT EXISTS a (x INTEGER, y TEXT);',
    2,
    /second definition of "a" \(table\); line 1 already defines table "a".*IF NOT EXISTS/,
    'IF NOT EXISTS with another definition',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE TABLE IF NOT EXISTS A (x);',
    2,
    /second definition/,
    'even the same definition, in another case',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE VIEW a AS SELECT 1;',
    2,
    /already defines table "a"/,
    'a view named like a table',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE INDEX i ON a (x);\nCREATE INDEX i ON a (x);',
    3,
    /second definition of "i" \(index\)/,
    'an index twice',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END;\nCREATE TRIGGER IF NOT EXISTS tr AFTER DELETE ON a BEGIN SELECT 2; END;',
    3,
    /second definition of "tr" \(trigger\)/,
    'a trigger twice',
  );
  const ok = await loadDesiredSchema('CREATE TABLE a (x);\nCREATE TRIGGER a AFTER INSERT ON a BEGIN SELECT 1; END;');
  t.same(
    ok.triggers.map((x) => x.name),
    ['a'],
    "a trigger may share a table's name (SQLite keeps them apart)",
  );
  t.same(
    (await loadDesiredSchema('CREATE TABLE IF NOT EXISTS a (x);')).tables.map((x) => x.name),
    ['a'],
    'one IF NOT EXISTS definition is fine',
  );
});

t.test('text that is not UTF-8, does not tokenize or fails in SQLite names its line', async (t) => {
  const bytes = Buffer.concat([
    Buffer.from("CREATE TABLE a (x);\nCREATE TABLE b (y TEXT DEFAULT '"),
    Buffer.from([0xff, 0xfe]),
    Buffer.from("');\n"),
  ]);
  await refused(t, bytes, 2, /not valid UTF-8 \(byte 0xff\)/, 'a byte that is not UTF-8');
  await refused(
    t,
    Buffer.concat([Buffer.from('CREATE TABLE a (x);\n\n\n-- caf'), Buffer.from([0xc3]), Buffer.from('\n')]),
    4,
    /not valid UTF-8 \(byte 0xc3\)/,
    'a truncated sequence in a comment',
  );
  await refused(
    t,
    Buffer.from([0x43, 0x0a, 0xed, 0xa0, 0x80]),
    2,
    /not valid UTF-8 \(byte 0xed\)/,
    'an encoded surrogate',
  );
  await refused(t, Buffer.from([0x0a, 0x0a, 0xc0, 0xaf]), 3, /byte 0xc0/, 'an overlong form');
  const withBom = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from("CREATE TABLE a (x TEXT DEFAULT 'café');\r\n"),
  ]);
  const loaded = await loadSchemaSource(withBom);
  t.equal(
    loaded.desired.tables[0]?.columns[0]?.defaultSql,
    "'café'",
    'a byte-order mark and CRLF are fine, and UTF-8 text is kept exactly',
  );
  await refused(
    t,
    "CREATE TABLE a (x);\nCREATE TABLE b (y DEFAULT 'open);",
    2,
    /cannot read the SQL: unterminated/,
    'an unterminated string',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\n\nCREATE TABEL b (y);',
    3,
    /is not a schema statement/,
    'a misspelt keyword is not a schema statement',
  );
  await refused(
    t,
    'CREATE TABLE a (x);\n\nCREATE TABLE b (y,);',
    3,
    /near "\)": syntax error in: CREATE TABLE b \(y,\)/,
    'a syntax error, without the SQLITE_ERROR prefix',
  );
  await refused(t, 'CREATE TABLE a (x);\nCREATE INDEX i ON missing (x);', 2, /no such table/, 'a missing table');
});

t.test('a schema without tables', async (t) => {
  await refused(t, '-- nothing here\n', null, /defines no tables/, 'an empty file');
  await refused(t, 'CREATE VIEW v AS SELECT 1;', null, /defines no tables/, 'only a view');
  const allowed = await loadSchemaSource('', 'schema file s.sql', { allowEmpty: true });
  t.same(allowed.desired.tables, [], 'a --schema file may be empty (it is checked against the database instead)');
});
