/**
 * The `--schema` path through the real CLI: a file that would write elsewhere (ATTACH, VACUUM
 * INTO) writes nothing even in `plan`; errors say "schema file <path>, line N"; renames written
 * as annotations keep the rows.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import t from 'tap';
import { cli, parseJson, ROOT } from '../e2e/_cli.js';

const work = mkdtempSync(join(tmpdir(), 'schema-sync-source-cli-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const builtIn = { SCHEMA_DIR: undefined };

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

t.test('plan --schema with ATTACH or VACUUM INTO writes no file and names the line', async (t) => {
  const dbPath = join(work, 'target.db');
  const seed = createClient({ url: pathToFileURL(dbPath).href });
  await seed.execute('CREATE TABLE a (x INTEGER)');
  seed.close();
  const sidePath = join(work, 'side.db');
  const vacuumPath = join(work, 'copy.db');
  const relative = 'schema-sync-attach-probe.db';
  const cases: Array<[string, string]> = [
    [
      'attach.sql',
      `CREATE TABLE a (x INTEGER);\n-- a second database\nATTACH DATABASE '${sidePath}' AS side;\nCREATE TABLE side.t (y);\n`,
    ],
    ['attach-relative.sql', `CREATE TABLE a (x INTEGER);\n\nATTACH '${relative}' AS side;\n`],
    ['vacuum.sql', `CREATE TABLE a (x INTEGER);\n\nVACUUM INTO '${vacuumPath}';\n`],
  ];
  const entriesBefore = readdirSync(work).length + cases.length;
  for (const [name, sql] of cases) {
    const schema = file(name, sql);
    const human = await cli(['plan', '--db', `file:${dbPath}`, '--schema', schema], builtIn);
    t.equal(human.code, 1, `${name}: exit 1`);
    t.match(
      human.stderr,
      new RegExp(`^schema-sync: schema file ${schema.replaceAll('.', '\\.')}, line 3: (ATTACH|VACUUM)`),
      `${name}: "schema file <path>, line 3" (${human.stderr.trim()})`,
    );
    if (name !== 'attach.sql') continue;
    const json = await cli(['apply', '--db', `file:${dbPath}`, '--schema', schema, '--json'], builtIn);
    t.equal(json.code, 1, 'apply refuses it too');
    t.match(String(parseJson(json)['message']), /line 3: ATTACH DATABASE .* is not a schema statement/);
  }
  t.notOk(existsSync(sidePath), 'ATTACH created nothing');
  t.notOk(existsSync(vacuumPath), 'VACUUM INTO created nothing');
  const stray = join(ROOT, relative);
  t.notOk(existsSync(stray), 'nothing in the working directory either');
  if (existsSync(stray)) rmSync(stray);
  t.equal(readdirSync(work).length, entriesBefore, 'no other file appeared');
});

t.test(
  'apply --schema with @renamed keeps the rows; a rename the database cannot take is an error with the line',
  async (t) => {
    const dbPath = join(work, 'rename.db');
    const url = `file:${dbPath}`;
    const before = file(
      'before.sql',
      'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), body TEXT);\n',
    );
    t.equal((await cli(['apply', '--db', url, '--schema', before], builtIn)).code, 0);
    const client = createClient({ url: pathToFileURL(dbPath).href });
    t.teardown(() => client.close());
    await client.execute("INSERT INTO users VALUES (1, 'ann'), (2, 'bob')");
    await client.execute("INSERT INTO posts VALUES (10, 1, 'hi'), (11, 2, 'yo')");
    const after = file(
      'after.sql',
      `CREATE TABLE members ( -- @renamed from=users
  id INTEGER PRIMARY KEY,
  "display name" TEXT NOT NULL -- @renamed from=name
);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES members (id), body TEXT);
`,
    );
    const planned = await cli(['plan', '--db', url, '--schema', after, '--json'], builtIn);
    t.equal(planned.code, 0);
    t.same(
      (parseJson(planned)['steps'] as Array<{ kind: string }>).map((s) => s.kind).filter((k) => k.startsWith('rename')),
      ['rename_table', 'rename_column'],
    );
    const applied = await cli(['apply', '--db', url, '--schema', after], builtIn);
    t.equal(applied.code, 0, applied.stderr);
    const kept = await client.execute(
      'SELECT m.id, m."display name" AS name, p.body FROM members AS m JOIN posts AS p ON p.user_id = m.id ORDER BY m.id',
    );
    t.same(
      kept.rows.map((r) => [r['id'], r['name'], r['body']]),
      [
        [1, 'ann', 'hi'],
        [2, 'bob', 'yo'],
      ],
      'every row, joined through the renamed table',
    );
    t.equal((await client.execute('PRAGMA integrity_check')).rows[0]?.[0], 'ok');
    t.equal((await client.execute('PRAGMA foreign_key_check')).rows.length, 0);
    const again = await cli(['apply', '--db', url, '--schema', after, '--json'], builtIn);
    t.equal(parseJson(again)['outcome'], 'up_to_date', 'a re-run changes nothing');

    const other = join(work, 'other.db');
    t.equal((await cli(['apply', '--db', `file:${other}`, '--schema', before], builtIn)).code, 0);
    const typo = file(
      'typo.sql',
      `CREATE TABLE members ( -- @renamed from=userz
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES members (id), body TEXT);
`,
    );
    const failed = await cli(['plan', '--db', `file:${other}`, '--schema', typo], builtIn);
    t.equal(failed.code, 1);
    t.match(
      failed.stderr,
      new RegExp(
        `schema file ${typo.replaceAll('.', '\\.')}, line 1: @renamed from=userz: the database has no table userz to rename`,
      ),
      failed.stderr.trim(),
    );
  },
);

t.test('a syntax error names the line and column of the error, not of its statement', async (t) => {
  const dbPath = join(work, 'syntax.db');
  const seed = createClient({ url: pathToFileURL(dbPath).href });
  await seed.execute('CREATE TABLE a (x)');
  seed.close();
  const cases: Array<[string, string, number, number, RegExp]> = [
    [
      'trailing-comma.sql',
      'CREATE TABLE a (x);\n\nCREATE TABLE b (\n  y INT,\n  z TEXT,\n);\n',
      6,
      1,
      /near "\)": syntax error/,
    ],
    [
      'third-literal.sql',
      "CREATE TABLE a (x);\nCREATE TABLE c (\n  p TEXT DEFAULT 'x',\n  q TEXT DEFAULT 'x' 'x'\n);\n",
      4,
      22,
      /near "'x'": syntax error/,
    ],
    ['unfinished.sql', 'CREATE TABLE a (x);\nCREATE TABLE d (\n  e INT', 3, 8, /incomplete input/],
    ['stray.sql', 'CREATE TABLE a (x);\nCREATE TABLE f (\n  g INT DEFAULT #\n);\n', 3, 17, /unrecognized token: "#"/],
  ];
  for (const [name, sql, line, column, problem] of cases) {
    const schema = file(name, sql);
    const planned = await cli(['plan', '--db', `file:${dbPath}`, '--schema', schema], builtIn);
    t.equal(planned.code, 1, `${name}: exit 1`);
    t.match(
      planned.stderr,
      new RegExp(`^schema-sync: schema file ${schema.replaceAll('.', '\\.')}, line ${line}, column ${column}: `),
      `${name}: line ${line}, column ${column} (${planned.stderr.trim().split('\n')[0] ?? ''})`,
    );
    t.match(planned.stderr, problem, `${name}: SQLite's words`);
  }
});
