/**
 * Rename annotations as sqldef writes them, through the CLI (in-process) on real libSQL files:
 * `-- @renamed from=…` ending the line, and `/* @renamed from=… *\/` after a table's, column's or
 * index's name; `@renamed` on a CREATE [UNIQUE] INDEX (with or without WHERE) is a rename, done as
 * SQLite's drop + create (an index holds no data). After each apply: rows compared, integrity_check
 * and foreign_key_check clean, a re-plan empty; and applying the annotated schema again to the
 * renamed database changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { parseJson } from '../e2e/_cli.js';
import { cliInProcess as cli } from '../e2e/_in-process.js';
import { exec, foreignKeyViolations, integrityOk, rows } from './_support.js';

const work = mkdtempSync(join(tmpdir(), 'schema-sync-sqldef-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const env = { SCHEMA_DIR: undefined };
let counter = 0;

interface PlanJson {
  readonly steps: ReadonlyArray<{ kind: string; object: string; sql: string; reason: string; destructive: boolean }>;
  readonly summary: Record<string, number>;
}

interface Case {
  readonly current: string;
  readonly rows: string;
  readonly desired: string;
  /** The renaming statements the plan must hold (other steps may follow, e.g. a column change). */
  readonly renames: readonly string[];
  /** Queries after the apply, with what they return (the rows under their new names). */
  readonly check: ReadonlyArray<readonly [string, ReadonlyArray<Record<string, unknown>>]>;
  readonly summary?: Record<string, number>;
}

async function runCase(t: Test, c: Case): Promise<void> {
  const n = counter++;
  const dbUrl = pathToFileURL(join(work, `db-${n}.db`)).href;
  const current = join(work, `current-${n}.sql`);
  const desired = join(work, `desired-${n}.sql`);
  writeFileSync(current, c.current);
  writeFileSync(desired, c.desired);
  t.equal((await cli(['apply', '--db', dbUrl, '--schema', current], env)).code, 0, 'current schema applied');
  const client: Client = createClient({ url: dbUrl });
  t.teardown(() => client.close());
  await exec(client, c.rows);

  const planned = await cli(['plan', '--db', dbUrl, '--schema', desired, '--json'], env);
  t.equal(planned.code, 0, `plans (${planned.stderr.trim()})`);
  const plan = parseJson(planned) as unknown as PlanJson;
  const sql = plan.steps.map((step) => step.sql);
  t.same(sql.slice(0, c.renames.length), c.renames, 'the renames come first');
  t.notOk(
    plan.steps.some((step) => step.destructive),
    'nothing destructive: a rename keeps the data',
  );
  if (c.summary !== undefined) t.match(plan.summary, c.summary, 'the summary counts renames');

  const applied = await cli(['apply', '--db', dbUrl, '--schema', desired, '--json'], env);
  t.equal(applied.code, 0, `applies (${applied.stderr.trim()})`);
  t.same(
    (parseJson(applied) as unknown as PlanJson).steps.map((step) => step.sql),
    sql,
    'apply ran the planned statements',
  );
  for (const [query, expected] of c.check) t.same(await rows(client, query), expected, query);
  t.ok(await integrityOk(client), 'integrity_check ok');
  t.equal(await foreignKeyViolations(client), 0, 'foreign_key_check empty');

  const again = parseJson(
    await cli(['plan', '--db', dbUrl, '--schema', desired, '--json'], env),
  ) as unknown as PlanJson;
  t.same(again.steps, [], 're-planning the annotated schema on the renamed database: nothing to do');
  const reapplied = await cli(['apply', '--db', dbUrl, '--schema', desired, '--json'], env);
  t.match(parseJson(reapplied), { outcome: 'up_to_date', statements: 0 }, 're-applying is a no-op');
}

const USERS = `CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT,
  username TEXT,
  active INTEGER DEFAULT 1
);
`;
const USER_ROWS = "INSERT INTO users VALUES (1, 'a@x', 'ann', 1), (2, 'b@x', 'bob', 0), (3, NULL, 'cy', 1);";
const ALL_USERS = 'SELECT id, email, username, active FROM users ORDER BY id';
const USERS_AFTER: ReadonlyArray<Record<string, unknown>> = [
  { id: 1, email: 'a@x', username: 'ann', active: 1 },
  { id: 2, email: 'b@x', username: 'bob', active: 0 },
  { id: 3, email: null, username: 'cy', active: 1 },
];
const indexNames = "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name";

t.test('a table renamed in a block comment after its name', (t) =>
  runCase(t, {
    current: 'CREATE TABLE old_users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n',
    rows: "INSERT INTO old_users VALUES (1, 'ann'), (2, NULL);",
    desired: 'CREATE TABLE new_users /* @renamed from=old_users */ (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n',
    renames: ['ALTER TABLE "old_users" RENAME TO "new_users"'],
    check: [
      [
        'SELECT id, name FROM new_users ORDER BY id',
        [
          { id: 1, name: 'ann' },
          { id: 2, name: null },
        ],
      ],
    ],
    summary: { renamed: 1, changes: 1 },
  }),
);

t.test('a quoted table name renamed on its line, a column in a block comment', (t) =>
  runCase(t, {
    current: 'CREATE TABLE "user accounts" (\n  id INTEGER PRIMARY KEY,\n  "user name" TEXT\n);\n',
    rows: `INSERT INTO "user accounts" VALUES (1, 'ann'), (2, 'bob');`,
    desired:
      'CREATE TABLE "user_profiles" ( -- @renamed from="user accounts"\n  id INTEGER PRIMARY KEY,\n  name TEXT /* @renamed from="user name" */\n);\n',
    renames: [
      'ALTER TABLE "user accounts" RENAME TO "user_profiles"',
      'ALTER TABLE "user_profiles" RENAME COLUMN "user name" TO "name"',
    ],
    check: [
      [
        'SELECT id, name FROM user_profiles ORDER BY id',
        [
          { id: 1, name: 'ann' },
          { id: 2, name: 'bob' },
        ],
      ],
    ],
    summary: { renamed: 2 },
  }),
);

t.test('columns renamed in block comments, wherever sqldef puts them', (t) =>
  runCase(t, {
    current: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL DEFAULT 0, c TEXT, d TEXT);\n',
    rows: "INSERT INTO t VALUES (1, 'x', 5, 'p', 'q'), (2, NULL, 0, NULL, 'r');",
    desired: `CREATE TABLE t (
  id INTEGER PRIMARY KEY,
  a2 /* @renamed from=a */ TEXT,
  b2 INTEGER NOT NULL DEFAULT 0 /* @renamed from=b */,
  c2 TEXT, /* @renamed from=c */ d2 TEXT /* @renamed from=d */
);
`,
    renames: [
      'ALTER TABLE "t" RENAME COLUMN "a" TO "a2"',
      'ALTER TABLE "t" RENAME COLUMN "b" TO "b2"',
      'ALTER TABLE "t" RENAME COLUMN "c" TO "c2"',
      'ALTER TABLE "t" RENAME COLUMN "d" TO "d2"',
    ],
    check: [
      [
        'SELECT id, a2, b2, c2, d2 FROM t ORDER BY id',
        [
          { id: 1, a2: 'x', b2: 5, c2: 'p', d2: 'q' },
          { id: 2, a2: null, b2: 0, c2: null, d2: 'r' },
        ],
      ],
    ],
    summary: { renamed: 4, changes: 4 },
  }),
);

t.test('a table and its columns renamed with other changes', (t) =>
  runCase(t, {
    current: 'CREATE TABLE old_accounts (id INTEGER PRIMARY KEY, user_name TEXT, is_active INTEGER, old_field TEXT);\n',
    rows: "INSERT INTO old_accounts VALUES (1, 'ann', 1, 'o'), (2, 'bob', NULL, NULL);",
    desired: `CREATE TABLE accounts /* @renamed from=old_accounts */ (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL, -- @renamed from=user_name
  is_active INTEGER DEFAULT 1,
  old_field TEXT,
  created_at TEXT
);
`,
    renames: [
      'ALTER TABLE "old_accounts" RENAME TO "accounts"',
      'ALTER TABLE "accounts" RENAME COLUMN "user_name" TO "username"',
    ],
    check: [
      [
        'SELECT id, username, is_active, old_field, created_at FROM accounts ORDER BY id',
        [
          { id: 1, username: 'ann', is_active: 1, old_field: 'o', created_at: null },
          { id: 2, username: 'bob', is_active: null, old_field: null, created_at: null },
        ],
      ],
    ],
  }),
);

for (const [what, before, after, renames] of [
  [
    'an index renamed in a block comment',
    'CREATE INDEX old_email_idx ON users (email);',
    'CREATE INDEX new_email_idx /* @renamed from=old_email_idx */ ON users (email);',
    [['old_email_idx', 'new_email_idx']],
  ],
  [
    'two indexes renamed on their lines',
    'CREATE INDEX idx_email ON users (email);\nCREATE INDEX idx_username ON users (username);',
    'CREATE INDEX email_idx ON users (email); -- @renamed from=idx_email\nCREATE INDEX username_idx ON users (username); -- @renamed from=idx_username',
    [
      ['idx_email', 'email_idx'],
      ['idx_username', 'username_idx'],
    ],
  ],
  [
    'a unique index renamed',
    'CREATE UNIQUE INDEX old_unique_email ON users (email);',
    'CREATE UNIQUE INDEX unique_email /* @renamed from=old_unique_email */ ON users (email);',
    [['old_unique_email', 'unique_email']],
  ],
  [
    'a partial index renamed, the annotation ending its multi-line CREATE INDEX line',
    'CREATE INDEX old_active_users ON users (email) WHERE active = 1;',
    'CREATE INDEX active_users_idx -- @renamed from=old_active_users\n  ON users (email)\n  WHERE active = 1;',
    [['old_active_users', 'active_users_idx']],
  ],
] as const) {
  t.test(what, (t) =>
    runCase(t, {
      current: `${USERS}${before}\n`,
      rows: USER_ROWS,
      desired: `${USERS}${after}\n`,
      renames: renames.flatMap(([from]) => [`DROP INDEX "${from}"`]),
      check: [
        [ALL_USERS, USERS_AFTER],
        [indexNames, renames.map(([, to]) => ({ name: to })).sort((a, b) => (a.name < b.name ? -1 : 1))],
      ],
      summary: { renamed: renames.length, changes: renames.length, dropped: 0, created: 0 },
    }),
  );
}

t.test(
  'an index rename is reported as one: the drop says where the name goes, the create where it came from',
  async (t) => {
    const dbUrl = pathToFileURL(join(work, 'reported.db')).href;
    const current = join(work, 'reported-current.sql');
    const desired = join(work, 'reported-desired.sql');
    writeFileSync(current, `${USERS}CREATE INDEX old_email_idx ON users (email);\n`);
    writeFileSync(desired, `${USERS}CREATE INDEX new_email_idx /* @renamed from=old_email_idx */ ON users (email);\n`);
    t.equal((await cli(['apply', '--db', dbUrl, '--schema', current], env)).code, 0);
    const plan = parseJson(
      await cli(['plan', '--db', dbUrl, '--schema', desired, '--json'], env),
    ) as unknown as PlanJson & {
      steps: Array<{ source: unknown }>;
    };
    t.match(plan.steps, [
      {
        kind: 'drop_index',
        object: 'old_email_idx',
        reason: /^renamed to new_email_idx/,
        destructive: false,
        source: { kind: 'rename', object: 'index', table: 'users', from: 'old_email_idx', to: 'new_email_idx' },
      },
      {
        kind: 'create_index',
        object: 'new_email_idx',
        sql: 'CREATE INDEX new_email_idx /* @renamed from=old_email_idx */ ON users (email)',
        reason: 'renamed from old_email_idx',
        source: { kind: 'rename', object: 'index', from: 'old_email_idx', to: 'new_email_idx' },
      },
    ]);
    const human = await cli(['plan', '--db', dbUrl, '--schema', desired], env);
    t.match(
      human.stdout,
      /^-- 1 change: 0 created, 0 added, 0 rebuilt, 1 renamed, 0 dropped, 0 skipped; 2 statements$/m,
    );
    t.match(human.stdout, /drop_index old_email_idx: renamed to new_email_idx/);
  },
);

t.test('an index rename that does not fit the database is refused with its line', async (t) => {
  const dbUrl = pathToFileURL(join(work, 'misfit.db')).href;
  const current = join(work, 'misfit-current.sql');
  writeFileSync(current, `${USERS}CREATE INDEX a_idx ON users (email);\nCREATE INDEX b_idx ON users (username);\n`);
  t.equal((await cli(['apply', '--db', dbUrl, '--schema', current], env)).code, 0);
  const both = join(work, 'misfit-both.sql');
  writeFileSync(both, `${USERS}CREATE INDEX b_idx /* @renamed from=a_idx */ ON users (email);\n`);
  const refused = await cli(['plan', '--db', dbUrl, '--schema', both], env);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /line 7: @renamed from=a_idx: the database has both index a_idx and index b_idx/);
  const neither = join(work, 'misfit-neither.sql');
  writeFileSync(neither, `${USERS}CREATE INDEX c_idx ON users (email); -- @renamed from=z_idx\n`);
  t.match(
    (await cli(['plan', '--db', dbUrl, '--schema', neither], env)).stderr,
    /line 7: @renamed from=z_idx: the database has no index z_idx to rename \(nor an index c_idx\)/,
  );
});
