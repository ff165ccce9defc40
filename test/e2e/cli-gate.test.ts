/**
 * The CLI as a CI gate and as a tool people read (issue 7), run in-process through the same
 * `run(argv, io)` the binary calls: plan --check, plan --from/--to, inspect --sql, the one-line
 * summary, and what a failure says. Databases are real libSQL files in a temp dir.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createClient } from '@libsql/client';
import { cliInProcess as cli } from './_in-process.js';
import { parseJson, schemaFacts, scratch, snapshot } from './_cli.js';

const { dir: work, newDb, schemaFile } = scratch('schema-sync-gate-', (fn) => t.teardown(fn));

async function checkDatabase(t: Test, url: string): Promise<void> {
  const client = createClient({ url });
  try {
    t.same(
      (await client.execute('PRAGMA integrity_check')).rows.map((row) => row[0]),
      ['ok'],
      'integrity_check is ok',
    );
    t.equal((await client.execute('PRAGMA foreign_key_check')).rows.length, 0, 'foreign_key_check is empty');
  } finally {
    client.close();
  }
}

/** Every file under `dir`, recursively, so a test can prove nothing was created. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const BEFORE = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, legacy TEXT);
CREATE INDEX t_a ON t(a);
CREATE VIEW v AS SELECT id, a FROM t;
`;
const AFTER = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER);
CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));
`;

t.test('plan --check exits 0 in sync and 4 with changes pending, JSON or not', async (t) => {
  const { url } = newDb();
  const before = schemaFile('check-before.sql', BEFORE);
  const after = schemaFile('check-after.sql', AFTER);
  t.equal((await cli(['apply', '--db', url, '--schema', before])).code, 0, 'the database is at before.sql');

  const same = await cli(['plan', '--db', url, '--schema', before, '--check']);
  t.equal(same.code, 0, 'in sync: exit 0');
  t.match(same.stdout, /^-- no changes/m, 'saying there are no changes');

  const pending = await cli(['plan', '--db', url, '--schema', after, '--check']);
  t.equal(pending.code, 4, 'changes pending: exit 4');
  t.match(pending.stderr, /changes pending/, 'saying so on stderr');
  const json = await cli(['plan', '--db', url, '--schema', after, '--check', '--json']);
  t.equal(json.code, 4, 'exit 4 with --json too');
  const output = parseJson(json);
  t.equal(output['pending'], true, 'the JSON says changes are pending');
  t.type(output['steps'], Array, 'and keeps the plan fields');
  t.type(output['skipped'], Array);
  t.type(output['warnings'], Array);
  t.equal(output['target'], 'check-after.sql');

  const without = await cli(['plan', '--db', url, '--schema', after]);
  t.equal(without.code, 0, 'without --check a plan with changes exits 0, as before');

  // Objects the desired schema lacks are kept, not changes: nothing is pending.
  const kept = schemaFile('check-kept.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, legacy TEXT);\n');
  const keptPlan = await cli(['plan', '--db', url, '--schema', kept, '--check', '--json']);
  t.equal(keptPlan.code, 0, 'only kept (skipped) objects: exit 0');
  t.ok((parseJson(keptPlan)['skipped'] as unknown[]).length > 0, 'the kept objects are reported');

  t.equal((await cli(['apply', '--db', url, '--schema', after, '--allow-destructive'])).code, 0, 'apply after.sql');
  t.equal(
    (await cli(['plan', '--db', url, '--schema', after, '--allow-destructive', '--check'])).code,
    0,
    'then the gate passes',
  );
  await checkDatabase(t, url);
});

t.test('plan --check in registry mode: pending until the version is recorded', async (t) => {
  const dir = mkdtempSync(join(work, 'versions-'));
  writeFileSync(
    join(dir, '1.0.0.sql'),
    '-- description: first\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n',
  );
  const env = { SCHEMA_DIR: dir };
  const { path, url } = newDb();
  // The same tables, created by hand: no statement to run, but no version recorded either.
  const client = createClient({ url });
  await client.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
  client.close();
  const unrecorded = await cli(['plan', '--db', url, '--check', '--json'], env);
  t.equal(unrecorded.code, 4, 'no recorded version: apply would record one, so exit 4');
  t.same(parseJson(unrecorded)['steps'], [], 'although no statement is planned');
  t.equal((await cli(['apply', '--db', url], env)).code, 0);
  t.equal((await cli(['plan', '--db', url, '--check'], env)).code, 0, 'recorded and in sync: exit 0');
  writeFileSync(
    join(dir, '1.1.0.sql'),
    '-- description: second\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER);\n',
  );
  t.equal((await cli(['plan', '--db', url, '--check'], env)).code, 4, 'a new version: exit 4');
  t.ok(listing(work).includes(path.slice(work.length + 1)), 'the database is still there');
});

t.test('plan --from a.sql --to b.sql diffs two files without a database', async (t) => {
  const a = schemaFile('offline-a.sql', BEFORE);
  const b = schemaFile('offline-b.sql', AFTER);
  const files = listing(work);
  const offline = await cli(['plan', '--from', a, '--to', b, '--allow-destructive', '--json']);
  t.equal(offline.code, 0, 'exit 0', { output: offline.stdout + offline.stderr });
  t.same(listing(work), files, 'no file is created');
  const steps = (parseJson(offline)['steps'] as Array<{ sql: string }>).map((step) => step.sql);

  // The same plan as against a database at a.sql.
  const { url } = newDb();
  t.equal((await cli(['apply', '--db', url, '--schema', a])).code, 0);
  const online = await cli(['plan', '--db', url, '--schema', b, '--allow-destructive', '--json']);
  t.same(
    steps,
    (parseJson(online)['steps'] as Array<{ sql: string }>).map((step) => step.sql),
    'the statements equal those planned against a database at a.sql',
  );
  t.ok(steps.length > 0, 'and there are some');

  t.equal((await cli(['plan', '--from', a, '--to', a, '--check'])).code, 0, '--check: identical files exit 0');
  t.equal((await cli(['plan', '--from', a, '--to', b, '--check'])).code, 4, '--check: different files exit 4');
  const human = await cli(['plan', '--from', a, '--to', b]);
  t.match(
    human.stdout,
    new RegExp(`^-- plan for ${a.replaceAll('.', '\\.')} → offline-b\\.sql$`, 'm'),
    'the heading names both files',
  );

  for (const [what, args] of [
    ['--from without --to', ['plan', '--from', a]],
    ['--to without --from', ['plan', '--to', b]],
    ['--from with --db', ['plan', '--from', a, '--to', b, '--db', url]],
    ['--from with --schema', ['plan', '--from', a, '--to', b, '--schema', b]],
    ['--from on apply', ['apply', '--db', url, '--from', a, '--to', b]],
  ] as const) {
    t.equal((await cli(args)).code, 2, `${what} is a usage error (exit 2)`);
  }
  // Annotations in the --to file are checked against the --from schema, as against a database.
  const users = schemaFile('offline-users.sql', 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n');
  const renamed = schemaFile(
    'offline-renamed.sql',
    'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT -- @renamed from=name\n);\n',
  );
  const rename = parseJson(await cli(['plan', '--from', users, '--to', renamed, '--json']));
  t.same(
    (rename['steps'] as Array<{ kind: string; object: string }>).map((step) => [step.kind, step.object]),
    [['rename_column', 'users.full_name']],
    'a @renamed column in --to becomes a rename, not drop + add',
  );
  const wrong = await cli(['plan', '--from', a, '--to', renamed]);
  t.equal(wrong.code, 1, 'a @renamed naming nothing in --from exits 1');
  t.match(
    wrong.stderr,
    new RegExp(`^schema-sync: schema file ${renamed.replaceAll('.', '\\.')}, line 3: `),
    'naming the --to file and the line',
  );

  const missing = await cli(['plan', '--from', a, '--to', join(work, 'nope.sql')]);
  t.equal(missing.code, 2, 'a missing --to file exits 2');
  t.match(
    missing.stderr,
    /^schema-sync: --to: schema file .*nope\.sql does not exist\n$/,
    'in one line naming the file',
  );
});

/** A schema that exercises what `inspect --sql` must reproduce. */
const RICH = `CREATE TABLE "Accounts" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  created_at TEXT NOT NULL DEFAULT (datetime('now')),
  day TEXT DEFAULT (date('now', '+1 day')),
  score REAL DEFAULT -1.5,
  flags INTEGER DEFAULT (1 + 2),
  stamp TEXT DEFAULT CURRENT_TIMESTAMP,
  raw BLOB DEFAULT x'00ff',
  note TEXT DEFAULT 'it''s',
  CHECK (length(email) > 3)
);
CREATE TABLE "order items" (
  order_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  account_id INTEGER REFERENCES "Accounts"(id) ON DELETE CASCADE,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price REAL,
  total REAL GENERATED ALWAYS AS (qty * price) STORED,
  label TEXT AS (upper(order_id || '-' || line)) VIRTUAL,
  PRIMARY KEY (order_id, line)
) WITHOUT ROWID;
CREATE TABLE strict_t (id INTEGER PRIMARY KEY, v ANY, n INT NOT NULL DEFAULT 0) STRICT;
CREATE INDEX items_by_account ON "order items"(account_id) WHERE account_id IS NOT NULL;
CREATE INDEX accounts_lower ON "Accounts"(lower(email) DESC);
CREATE VIEW z_base AS SELECT id, email FROM "Accounts";
CREATE VIEW a_top AS SELECT email FROM z_base WHERE id < 10;
CREATE TRIGGER accounts_touch AFTER UPDATE ON "Accounts" BEGIN UPDATE "Accounts" SET stamp = CURRENT_TIMESTAMP WHERE id = NEW.id; END;
`;

t.test('inspect --sql prints DDL that recreates the schema', async (t) => {
  const { url } = newDb();
  const rich = schemaFile('rich.sql', RICH);
  const applied = await cli(['apply', '--db', url, '--schema', rich]);
  t.equal(applied.code, 0, 'the rich schema applies', { output: applied.stdout + applied.stderr });
  const client = createClient({ url });
  await client.execute('INSERT INTO "Accounts" (email) VALUES (\'ann@example.com\')');
  client.close();

  const dumped = await cli(['inspect', '--db', url, '--sql']);
  t.equal(dumped.code, 0, 'inspect --sql exits 0');
  t.notMatch(
    dumped.stdout,
    /schema_version|_schema_sync_|sqlite_sequence/,
    "schema-sync's own and SQLite's tables are left out",
  );
  t.match(dumped.stdout, /DEFAULT \(datetime\('now'\)\)/, 'an expression default keeps its parentheses');
  const ddl = schemaFile('rich-dump.sql', dumped.stdout);

  // Re-applied to an empty database over a plain connection: SQLite reports the same schema.
  const fresh = newDb();
  const plain = createClient({ url: fresh.url });
  try {
    await plain.executeMultiple(dumped.stdout);
    const original = createClient({ url });
    try {
      const [want, have] = [await schemaFacts(original), await schemaFacts(plain)];
      t.same(
        [...have.tables.entries()],
        [...want.tables.entries()],
        'every table, column, key, foreign key and index is the same',
      );
      t.same([...have.views.entries()], [...want.views.entries()], 'every view is the same');
      t.same([...have.triggers.entries()], [...want.triggers.entries()], 'every trigger is the same');
    } finally {
      original.close();
    }
  } finally {
    plain.close();
  }
  const again = await cli(['inspect', '--db', fresh.url, '--sql']);
  t.equal(
    again.stdout.split('\n').slice(1).join('\n'),
    dumped.stdout.split('\n').slice(1).join('\n'),
    'inspecting the copy prints the same DDL',
  );

  // Used as a --schema file against the original, it is a no-op.
  const gate = await cli(['plan', '--db', url, '--schema', ddl, '--check']);
  t.equal(gate.code, 0, 'plan --schema <inspect --sql output> --check finds nothing to do', { output: gate.stdout });
  const fromTo = await cli(['plan', '--from', rich, '--to', ddl, '--check']);
  t.equal(fromTo.code, 0, 'and so does plan --from rich.sql --to dump.sql', { output: fromTo.stdout });

  t.equal((await cli(['inspect', '--db', url, '--sql', '--json'])).code, 2, '--sql with --json is a usage error');
  await checkDatabase(t, url);
});

t.test('inspect (human) prints every default as valid SQL', async (t) => {
  const { url } = newDb();
  t.equal((await cli(['apply', '--db', url, '--schema', schemaFile('rich-human.sql', RICH)])).code, 0);
  const human = await cli(['inspect', '--db', url]);
  t.equal(human.code, 0);
  const defaults = [
    ...human.stdout.matchAll(/^ {2}(\S+) .*?(DEFAULT (?:\(.*\)|\S+))(?: COLLATE| AS \(| CHECK \(|$)/gm),
  ];
  t.ok(defaults.length >= 8, `the defaults are printed (${defaults.length})`);
  const probe = createClient({ url: ':memory:' });
  try {
    const client = createClient({ url });
    for (const [, column, clause] of defaults) {
      // The clause must load where CREATE TABLE takes it and mean the same default.
      const table = `probe_${String(column).replace(/\W/g, '_')}`;
      await probe.execute(`CREATE TABLE ${table} (x ${clause})`);
      const got = (await probe.execute(`SELECT dflt_value FROM pragma_table_info('${table}')`)).rows[0]?.[0];
      const want = (
        await client.execute({
          sql: "SELECT c.dflt_value FROM sqlite_schema AS s, pragma_table_info(s.name) AS c WHERE s.type = 'table' AND c.name = ?",
          args: [String(column)],
        })
      ).rows.map((row) => row[0]);
      t.ok(want.includes(got ?? null), `${String(column)}: "${String(clause)}" loads and keeps the default`);
    }
    client.close();
  } finally {
    probe.close();
  }
});

t.test('human plan output: one summary line, assertions in one line, destructive steps marked', async (t) => {
  const { url } = newDb();
  t.equal((await cli(['apply', '--db', url, '--schema', schemaFile('human-before.sql', BEFORE)])).code, 0);
  const after = schemaFile('human-after.sql', AFTER);
  const human = await cli(['plan', '--db', url, '--schema', after, '--allow-destructive']);
  t.equal(human.code, 0);
  const json = parseJson(await cli(['plan', '--db', url, '--schema', after, '--allow-destructive', '--json']));
  const steps = json['steps'] as Array<{ kind: string; destructive: boolean; sql: string }>;
  const summaries = human.stdout.split('\n').filter((line) => /^-- \d+ changes?: /.test(line));
  t.equal(summaries.length, 1, 'one summary line');
  // t rebuilt (dropping legacy), u created, view v and index t_a dropped (t_a by name: every
  // object the apply removes is listed, not left to go with the rebuild's old table).
  t.equal(
    summaries[0],
    `-- 4 changes: 1 created, 0 added, 1 rebuilt, 2 dropped, 0 skipped (3 destructive); ${steps.length} statements`,
    'counting changes by object',
  );
  t.same(
    json['summary'],
    {
      changes: 4,
      statements: steps.length,
      created: 1,
      added: 0,
      rebuilt: 1,
      recreated: 0,
      renamed: 0,
      dropped: 2,
      dataSteps: 0,
      destructive: 3,
      skipped: 0,
      assertions: steps.filter((step) => step.kind === 'assert').length,
    },
    'the JSON carries the same counts',
  );
  const assertions = steps.filter((step) => step.kind === 'assert');
  t.ok(assertions.length >= 5, 'the plan has assertion statements');
  for (const step of assertions) t.notOk(human.stdout.includes(step.sql), `not printed: ${step.sql.slice(0, 50)}…`);
  t.match(
    human.stdout,
    /^-- checked inside the batch \(\d+ assertion statements, listed by --json\): foreign keys are off; row counts and foreign-key violations of t do not change$/m,
    'the assertions are one line',
  );
  for (const step of steps.filter((candidate) => candidate.kind !== 'assert'))
    t.ok(human.stdout.includes(`${step.sql};`), `printed: ${step.sql.slice(0, 50)}…`);
  t.match(human.stdout, /^-- \d+\. DESTRUCTIVE drop_view v: /m, 'a drop is marked DESTRUCTIVE');
  t.match(
    human.stdout,
    /^-- \d+\. DESTRUCTIVE drop_index t_a: not in the desired schema \(drop allowed\)$/m,
    'the index of the rebuilt table is dropped by name, not silently with the old table',
  );
  t.match(
    human.stdout,
    /^-- \d+\. DESTRUCTIVE rebuild_table t: rebuild: .*dropping column\(s\) legacy$/m,
    'so is a rebuild that drops a column',
  );

  const kept = await cli(['plan', '--db', url, '--schema', after]);
  t.match(
    kept.stdout,
    /^-- 4 changes: 1 created, 0 added, 1 rebuilt, 2 recreated, 0 dropped, 3 skipped \(kept, not in the desired schema\); \d+ statements$/m,
    'without --allow-destructive the kept view and index are recreated, and the three objects skipped',
  );
  t.notMatch(kept.stdout, /DESTRUCTIVE/, 'nothing destructive');
});

t.test('a failing apply says why in words: no temp-table names, no doubled codes', async (t) => {
  const { url } = newDb();
  t.equal(
    (
      await cli([
        'apply',
        '--db',
        url,
        '--schema',
        schemaFile('fail-before.sql', 'CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT);\n'),
      ])
    ).code,
    0,
  );
  const client = createClient({ url });
  await client.execute("INSERT INTO u (email) VALUES ('dup'), ('dup')");
  const before = await snapshot(client);
  client.close();
  const after = schemaFile('fail-after.sql', 'CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE);\n');
  const human = await cli(['apply', '--db', url, '--schema', after]);
  t.equal(human.code, 1, 'exits 1');
  const message = human.stderr.split('\n').find((line) => line.startsWith('schema-sync: ')) ?? '';
  t.match(message, /UNIQUE constraint failed: u\.email/, 'the constraint is named on the real table', { message });
  t.notMatch(message, /_schema_sync_/, 'no internal temp-table name');
  t.notMatch(message, /\b(SQLITE_\w+): \1\b/, 'no doubled code');
  const json = parseJson(await cli(['apply', '--db', url, '--schema', after, '--json']));
  t.equal(json['code'], 'APPLY_FAILED', 'the JSON code is unchanged');
  t.notMatch(String(json['message']), /_schema_sync_|\b(SQLITE_\w+): \1\b/, 'the JSON message is clean too');
  t.match(String(json['statement']), /^INSERT INTO /, 'the JSON still names the failing statement verbatim');
  const check = createClient({ url });
  t.equal((await snapshot(check)).digest, before.digest, 'the database is unchanged');
  check.close();
});

t.test('schema file errors say "schema file <path>, line N"', async (t) => {
  const { path, url } = newDb();
  const broken = schemaFile(
    'broken-lines.sql',
    'CREATE TABLE a (id INTEGER PRIMARY KEY);\n\n-- a comment\nCREATE TABLE b (id INTEGER PRIMARY KEY,);\n',
  );
  for (const args of [
    ['apply', '--db', url, '--schema', broken],
    ['plan', '--from', broken, '--to', broken],
  ]) {
    const result = await cli(args);
    t.equal(result.code, 1, `${args[0]}: exit 1`);
    t.equal(result.stderr.replace(/^applying to .*\n/, '').split('\n').length, 2, 'one line');
    t.match(result.stderr, `schema file ${broken}, line 4, column 40: `, 'naming the file, the line and the column');
  }
  const json = parseJson(await cli(['apply', '--db', url, '--schema', broken, '--json']));
  t.equal(json['code'], 'SCHEMA_INVALID', 'the JSON code says the schema is invalid');
  t.match(String(json['message']), /line 4/, 'with the line');
  t.notOk(listing(work).includes(path.slice(work.length + 1)), 'no database was created');
  const missing = await cli(['apply', '--db', url, '--schema', join(work, 'nope.sql')]);
  t.equal(missing.code, 2, 'a missing schema file is a usage error');
  t.match(missing.stderr, /^schema-sync: --schema: schema file .*nope\.sql does not exist\n$/, 'in one line');
});

t.test('bad --db inputs: one line, a documented exit code, nothing created', async (t) => {
  const notDb = schemaFile('not-a-db.txt', 'hello, I am not a database\n');
  mkdirSync(join(work, 'a-directory'));
  const cases: Array<[string, string, number, RegExp]> = [
    [
      'a missing directory',
      `file:${join(work, 'missing', 'dir', 'x.db')}`,
      1,
      /^schema-sync: (no database at .*x\.db|cannot create the database .*x\.db: directory .*missing.dir does not exist)$/m,
    ],
    ['a directory', `file:${join(work, 'a-directory')}`, 1, /a-directory is a directory, not a database file/],
    ['a file that is not a database', `file:${notDb}`, 1, /not-a-db\.txt is not a libSQL\/SQLite database/],
    ['an unsupported scheme', 'postgres://localhost/db', 2, /--db must be a file:<path> or libsql:\/\/… URL/],
    ['an in-memory URL', 'file::memory:', 2, /--db needs a file path/],
  ];
  for (const [what, db, code, message] of cases) {
    const files = listing(work);
    const bytes = readFileSync(notDb);
    for (const command of ['inspect', 'plan', 'apply']) {
      const result = await cli([command, '--db', db]);
      t.equal(result.code, code, `${command} on ${what}: exit ${code}`);
      t.equal(result.stderr.split('\n').length, 2, `${command} on ${what}: one line`, { stderr: result.stderr });
      t.match(result.stderr, message, `${command} on ${what}: says what is wrong`);
      const json = await cli([command, '--db', db, '--json']);
      t.equal(json.code, code, `${command} --json on ${what}: exit ${code}`);
      if (code === 1)
        t.equal(parseJson(json)['code'], 'DATABASE_UNAVAILABLE', `${command} --json on ${what}: DATABASE_UNAVAILABLE`);
    }
    t.same(listing(work), files, `${what}: no file or directory was created`);
    t.same(readFileSync(notDb), bytes, `${what}: the non-database file is untouched`);
  }
  const created = await cli(['apply', '--db', `file:${join(work, 'missing', 'dir', 'x.db')}`]);
  t.match(
    created.stderr,
    /^schema-sync: cannot create the database .*x\.db: directory .*missing.dir does not exist\n$/,
    'apply says which directory is missing',
  );
  t.test('missing file for inspect and plan', async (t) => {
    const { url, path } = newDb();
    for (const command of ['inspect', 'plan']) {
      const result = await cli([command, '--db', url]);
      t.equal(result.code, 1);
      t.equal(result.stderr, `schema-sync: no database at ${path}\n`, 'one line naming the path');
    }
    t.notOk(listing(work).includes(path.slice(work.length + 1)), 'nothing created');
  });
});

t.test(
  'an unreadable database file: one line, nothing changed',
  { skip: process.getuid?.() === 0 ? 'root reads every file' : false },
  async (t) => {
    const { path, url } = newDb();
    t.equal((await cli(['apply', '--db', url, '--schema', schemaFile('unreadable.sql', AFTER)])).code, 0);
    const { chmodSync } = await import('node:fs');
    chmodSync(path, 0o000);
    try {
      for (const command of ['inspect', 'plan', 'apply']) {
        const result = await cli([command, '--db', url]);
        t.equal(result.code, 1, `${command}: exit 1`);
        t.equal(
          result.stderr,
          `schema-sync: cannot read the database ${path}: permission denied\n`,
          `${command}: one line naming the path`,
        );
      }
    } finally {
      chmodSync(path, 0o644);
    }
  },
);

t.test('raw driver errors become sentences naming the path', async (t) => {
  const { describeError } = await import('../../bin/cli/errors.js');
  const missing = join(work, 'no-such-dir', 'x.db');
  let thrown: unknown;
  try {
    createClient({ url: `file:${missing}` }).close();
  } catch (error) {
    thrown = error;
  }
  t.match(
    String((thrown as Error | undefined)?.message),
    /ConnectionFailed/,
    'the driver throws ConnectionFailed(…: 14) for a missing directory',
  );
  t.equal(
    describeError(thrown, `file:${missing}`),
    `cannot open the database file ${missing} (SQLITE_CANTOPEN: the file or its directory cannot be opened)`,
  );
  const notDb = schemaFile('raw-not-a-db.bin', 'x'.repeat(4096));
  const client = createClient({ url: `file:${notDb}` });
  try {
    await client.execute('SELECT * FROM sqlite_schema');
    t.fail('reading a non-database file should fail');
  } catch (error) {
    t.match((error as Error).message, /SQLITE_NOTADB/, 'the driver says SQLITE_NOTADB');
    t.equal(describeError(error, `file:${notDb}`), `${notDb} is not a libSQL/SQLite database`);
  } finally {
    client.close();
  }
});

t.test('an unreachable or refusing server: a sentence naming the host', async (t) => {
  const { createServer } = await import('node:http');
  // A Hrana-over-HTTP endpoint that rejects the token, as Turso does (HTTP 401).
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    const refused = await cli(['inspect', '--db', `http://127.0.0.1:${port}`, '--auth-token', 'wrong']);
    t.equal(refused.code, 1, 'a rejected token exits 1');
    t.equal(
      refused.stderr,
      `schema-sync: 127.0.0.1:${port} refused the credentials (401): check --auth-token or TURSO_AUTH_TOKEN\n`,
      'naming the host',
    );
    // A token written into the URL is never printed, whatever the command or output.
    const secretUrl = `http://127.0.0.1:${port}/?authToken=s3cret-token`;
    const schema = schemaFile('secret.sql', AFTER);
    for (const args of [
      ['inspect', '--db', secretUrl],
      ['plan', '--db', secretUrl, '--schema', schema],
      ['apply', '--db', secretUrl, '--schema', schema],
    ]) {
      for (const json of [[], ['--json']]) {
        const result = await cli([...args, ...json]);
        t.equal(result.code, 1, `${args[0]} ${json.join('')}: exit 1`);
        t.notMatch(result.stdout + result.stderr, /s3cret/, `${args[0]} ${json.join('')}: the token is not printed`);
      }
    }
    const scheme = await cli(['plan', '--db', 'postgres://admin:hunter2@localhost/db']);
    t.equal(scheme.code, 2, 'an unsupported scheme with a password exits 2');
    t.notMatch(scheme.stderr, /hunter2/, 'without printing the password');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  // A port nothing listens on (taken, then freed, and never connected to: no pooled socket).
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedAddress = closed.address();
  const freePort = typeof closedAddress === 'object' && closedAddress !== null ? closedAddress.port : 0;
  await new Promise((resolve) => closed.close(resolve));
  const remote = schemaFile('remote.sql', AFTER);
  for (const command of ['inspect', 'plan', 'apply']) {
    const target = command === 'inspect' ? [] : ['--schema', remote];
    const result = await cli([command, '--db', `http://127.0.0.1:${freePort}`, ...target]);
    t.equal(result.code, 1, `${command}: exit 1`);
    const line = result.stderr.replace(/^applying to .*\n/, '');
    t.equal(
      line,
      `schema-sync: cannot reach 127.0.0.1:${freePort}: the connection was refused\n`,
      `${command}: one sentence naming the host`,
    );
    const json = parseJson(await cli([command, '--db', `http://127.0.0.1:${freePort}`, '--json']));
    t.equal(json['code'], 'DATABASE_UNAVAILABLE', `${command} --json: DATABASE_UNAVAILABLE`);
    t.notMatch(String(json['message']), /fetch failed/, `${command} --json: no raw "fetch failed"`);
  }
});

t.test('--help and the README document every exit code', async (t) => {
  const { EXIT_MEANINGS } = await import('../../bin/cli/exit.js');
  const help = await cli(['--help']);
  t.equal(help.code, 0);
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## CLI'), readme.indexOf('\n## ', readme.indexOf('\n## CLI') + 1));
  for (const [code, meaning] of EXIT_MEANINGS) {
    t.ok(help.stderr.includes(`${code} ${meaning}`), `--help: ${code} ${meaning}`);
    t.match(section, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `README's CLI section has a row for exit code ${code}`);
  }
  for (const command of ['inspect', 'plan', 'apply'])
    t.match(help.stderr, new RegExp(`^ {2}schema-sync ${command} `, 'm'), `--help shows ${command}`);
});
