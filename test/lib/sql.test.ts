/**
 * The SQL helpers the engine relies on: tokenizer, statement splitter, canonical SQL (what makes a
 * differently written schema a no-op) and the CREATE TABLE parser (what the pragmas do not report).
 */
import t from 'tap';
import { definitionKey, mentionsAny } from '../../lib/plan/compare.js';
import { loadDesiredSchema } from '../../lib/desired.js';
import { parseCreateTable } from '../../lib/sql/create-table.js';
import { splitStatements } from '../../lib/sql/statements.js';
import { canonicalExpression, canonicalSql, quoteIdentifier, SqlSyntaxError, tokenize } from '../../lib/sql/tokens.js';

t.test('tokenize: strings, quoted names, blobs, numbers, comments, operators', async (t) => {
  const tokens = tokenize(`SELECT 'it''s', "a ""b""", [c d], \`e\`, x'0A', 1.5e3, .5, 0x1F, ?1, :name -- comment ;
    /* block ; */ a->>'$.x' || b <> c`);
  t.same(
    tokens.map((token) => token.kind),
    [
      'word',
      'string',
      'punct',
      'quoted',
      'punct',
      'quoted',
      'punct',
      'quoted',
      'punct',
      'blob',
      'punct',
      'number',
      'punct',
      'number',
      'punct',
      'number',
      'punct',
      'variable',
      'punct',
      'variable',
      'word',
      'punct',
      'string',
      'punct',
      'word',
      'punct',
      'word',
    ],
  );
  t.same(
    tokens.filter((token) => token.kind === 'quoted').map((token) => token.value),
    ['a "b"', 'c d', 'e'],
  );
  t.same(
    tokens
      .filter((token) => token.kind === 'punct')
      .map((token) => token.text)
      .slice(-3),
    ['->>', '||', '<>'],
  );
  t.throws(() => tokenize("SELECT 'open"), SqlSyntaxError);
  t.throws(() => tokenize('SELECT "open'), SqlSyntaxError);
});

t.test('splitStatements: semicolons in strings, comments and trigger bodies', async (t) => {
  const script = `
    -- leading comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT ';');;
    /* ; */ CREATE TABLE "b;" (y);
    CREATE TRIGGER t1 AFTER INSERT ON a BEGIN
      INSERT INTO "b;" VALUES (CASE WHEN NEW.x = 'END' THEN 1 ELSE 2 END);
      UPDATE a SET x = (SELECT CASE x WHEN 'a' THEN 'b' END) WHERE 0;
    END;
    CREATE TEMP TRIGGER t2 BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no; really'); END;
    CREATE VIEW v AS SELECT 'BEGIN' AS s
  `;
  const statements = splitStatements(script);
  t.equal(statements.length, 5);
  t.match(statements[0], /^CREATE TABLE a \(x TEXT DEFAULT ';'\)$/);
  t.equal(statements[1], 'CREATE TABLE "b;" (y)', 'a comment before a statement is not part of it');
  t.match(statements[2], /^CREATE TRIGGER t1 .* END$/s);
  t.match(statements[3], /^CREATE TEMP TRIGGER t2 .*END$/);
  t.equal(statements[4], "CREATE VIEW v AS SELECT 'BEGIN' AS s", 'no trailing semicolon needed');
  t.same(splitStatements(' ;; -- nothing\n'), []);
  // the split script really loads
  const schema = await loadDesiredSchema(script.replace('CREATE TEMP TRIGGER', 'CREATE TRIGGER'));
  t.same(
    schema.triggers.map((trigger) => trigger.name),
    ['t1', 't2'],
  );
});

t.test('canonical SQL: layout, keyword case, quote style and redundant parentheses do not matter', async (t) => {
  t.equal(canonicalSql('SELECT  a,B FROM "T"  WHERE x=1'), canonicalSql('select a , b from t where X = 1'));
  t.equal(canonicalSql('[my col] + `other`'), canonicalSql('"my col" + "OTHER"'));
  t.equal(canonicalSql('"select"'), canonicalSql('[SELECT]'), 'a quoted keyword stays quoted, in any quote style');
  t.not(canonicalSql('"select"'), canonicalSql('select'), 'a quoted keyword is a name, not the keyword');
  t.not(canonicalSql("'ABC'"), canonicalSql("'abc'"), 'string literals keep their case');
  t.equal(canonicalExpression('((a > 0))'), canonicalExpression('a>0'));
  t.not(canonicalExpression('(a) + (b)'), canonicalExpression('a) + (b'), 'only enclosing parentheses go');
  t.equal(definitionKey('CREATE INDEX IF NOT EXISTS i ON t (a)'), definitionKey('create index "i" on T(A)'));
  t.equal(definitionKey('CREATE UNIQUE INDEX "ü" ON t (a)'), definitionKey('CREATE UNIQUE INDEX ü ON t (a)'));
  t.not(
    definitionKey('CREATE INDEX "Ü" ON t (a)'),
    definitionKey('CREATE INDEX ü ON t (a)'),
    'non-ASCII case is significant, as in SQLite',
  );
  t.ok(mentionsAny('CREATE VIEW v AS SELECT * FROM "My Table"', new Set(['my table'])));
  t.notOk(mentionsAny("CREATE VIEW v AS SELECT 'orders' AS x FROM t", new Set(['order'])));
  t.equal(quoteIdentifier('a "b"'), '"a ""b"""');
});

t.test('parseCreateTable: what the pragmas do not report', async (t) => {
  const sql = `CREATE TABLE IF NOT EXISTS main."T x" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT COLLATE "NOCASE" NOT NULL CHECK (length(name) > 0) CHECK (name <> 'x'),
    price DECIMAL(10, 2) DEFAULT (0.0),
    total REAL GENERATED ALWAYS AS (price * 2) STORED,
    half AS (price / 2),
    parent INT REFERENCES "T x" (id) ON DELETE CASCADE,
    CONSTRAINT positive CHECK (price >= 0),
    UNIQUE (name, price),
    FOREIGN KEY (parent) REFERENCES "T x" (id)
  ) STRICT`;
  const parsed = parseCreateTable(sql);
  t.equal(parsed.name, 'T x');
  t.equal(sql.slice(parsed.nameStart, parsed.nameEnd), '"T x"');
  t.same(
    parsed.columns.map((column) => column.name),
    ['id', 'name', 'price', 'total', 'half', 'parent'],
  );
  t.same(
    parsed.columns.map((column) => column.autoincrement),
    [true, false, false, false, false, false],
  );
  t.equal(parsed.columns[1]?.collate, 'NOCASE');
  t.same(parsed.columns[1]?.checks, ['length(name) > 0', "name <> 'x'"]);
  t.same(parsed.columns[3]?.generated, { expression: 'price * 2', storage: 'STORED' });
  t.same(parsed.columns[4]?.generated, { expression: 'price / 2', storage: 'VIRTUAL' });
  t.equal(parsed.columns[5]?.definitionSql, 'parent INT REFERENCES "T x" (id) ON DELETE CASCADE');
  t.same(parsed.checks, ['price >= 0']);
  t.equal(
    sql.slice(parsed.columnsEnd - 'ON DELETE CASCADE'.length, parsed.columnsEnd),
    'ON DELETE CASCADE',
    'columns end after the last column',
  );
  t.equal(parseCreateTable('CREATE VIRTUAL TABLE f USING fts5(a, b)').virtual, true);
  t.throws(() => parseCreateTable('CREATE INDEX i ON t (a)'), SqlSyntaxError);
});
