/**
 * The CLI's contract as a new user meets it: exit codes (0 applied or in sync, 1 failure with the
 * database unchanged, 2 usage, 3 refused, 4 changes pending), JSON that parses, the registry mode
 * without --schema, and the refusal of a database that records a newer version than the
 * application knows. `cli` spawns the compiled CLI (what a shell sees: the process's exit code and
 * streams); `run` calls the same entry function in-process, for the checks that do not depend on
 * the process, so the file stays fast on a loaded machine.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createClient } from '@libsql/client';
import semver from 'semver';
import { loadRegistry } from '../../schema/registry.js';
import { cli, parseJson, scratch, snapshot } from './_cli.js';
import { cliInProcess as run } from './_in-process.js';

const { dir: work, newDb, schemaFile } = scratch('schema-sync-contract-', (fn) => t.teardown(fn));
/** The built-in registry, whatever the environment running the tests says. */
const builtIn = { SCHEMA_DIR: undefined };

t.jobs = 2;

t.test('usage errors exit 2 with the usage text', { buffered: true }, async (t) => {
  const { url } = newDb();
  // [what, args, whether the usage text is printed (bad arguments) or just the reason (a bad URL)]
  const cases: Array<[string, string[], boolean]> = [
    ['no command', [], true],
    ['an unknown command', ['migrate', '--db', url], true],
    ['an unknown flag', ['plan', '--db', url, '--frobnicate'], true],
    ['a missing --db', ['plan'], true],
    ['--db without a value', ['plan', '--db'], true],
    ['inspect with --schema', ['inspect', '--db', url, '--schema', 'x.sql'], true],
    ['an extra positional argument', ['plan', 'extra', '--db', url], true],
    ['a URL with an unsupported scheme', ['plan', '--db', 'postgres://localhost/db'], false],
    ['a bare path instead of a URL', ['apply', '--db', join(work, 'bare.db')], false],
    ['an in-memory URL', ['apply', '--db', 'file::memory:'], false],
  ];
  for (const [what, args, usage] of cases) {
    const result = await run(args, builtIn);
    t.equal(result.code, 2, `${what} exits 2`);
    t.match(result.stderr, usage ? /Usage:/ : /^schema-sync: --db /, `${what} says what is wrong`);
  }
  t.notOk(existsSync(join(work, 'bare.db')), 'a usage error creates no database');
  const json = await cli(['plan', '--db', 'postgres://x', '--json'], builtIn);
  t.equal(json.code, 2, 'a usage error with --json still exits 2');
  const help = await cli(['--help'], builtIn);
  t.equal(help.code, 0, '--help exits 0');
  t.match(help.stderr, /Exit codes: 0 applied or in sync, 1 failure/, '--help documents the exit codes');
});

t.test('inspect and plan on a missing file exit 1 and create nothing', { buffered: true }, async (t) => {
  const { path, url } = newDb();
  for (const command of ['inspect', 'plan']) {
    const result = await cli([command, '--db', url, '--json'], builtIn);
    t.equal(result.code, 1, `${command} exits 1`);
    const output = parseJson(result);
    t.equal(output['outcome'], 'failed', `${command} --json reports the failure as JSON`);
    t.match(String(output['message']), /no database/, `${command} says there is no database`);
    t.notOk(existsSync(path), `${command} did not create the file`);
  }
  const human = await cli(['inspect', '--db', url], builtIn);
  t.equal(human.code, 1, 'without --json too');
  t.match(human.stderr, /no database/, 'the reason is on stderr');
  t.notOk(existsSync(path), 'still no file');
});

t.test('a bad --schema file fails before the database is touched', { buffered: true }, async (t) => {
  const { path, url } = newDb();
  const missing = await run(['apply', '--db', url, '--schema', join(work, 'nope.sql')], builtIn);
  t.equal(missing.code, 2, 'a missing --schema file is a usage error');
  t.notOk(existsSync(path), 'and creates no database');
  const broken = schemaFile('broken.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY,);\n');
  const invalid = await run(['apply', '--db', url, '--schema', broken, '--json'], builtIn);
  t.equal(invalid.code, 1, 'SQL that does not load exits 1');
  t.match(String(parseJson(invalid)['message']), /broken\.sql/, 'naming the file');
  t.notOk(existsSync(path), 'and creates no database');
  const reserved = schemaFile('reserved.sql', 'CREATE TABLE schema_version (id INTEGER PRIMARY KEY, note TEXT);\n');
  const refused = await run(['apply', '--db', url, '--schema', reserved, '--json'], builtIn);
  t.equal(refused.code, 1, "a table named like schema-sync's own audit table is refused");
  t.match(String(parseJson(refused)['message']), /"schema_version" has a name schema-sync reserves/, 'saying why');
  t.notOk(existsSync(path), 'still no database');
});

t.test('--json output parses for inspect, plan and apply; human output shows SQL', { buffered: true }, async (t) => {
  const { url } = newDb();
  const before = schemaFile(
    'json-before.sql',
    'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, legacy TEXT);\nCREATE INDEX t_a ON t(a);\n',
  );
  const after = schemaFile('json-after.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);\n');
  const applied = await run(['apply', '--db', url, '--schema', before, '--json'], builtIn);
  t.equal(applied.code, 0);
  const appliedJson = parseJson(applied);
  t.equal(appliedJson['outcome'], 'applied');
  t.equal(appliedJson['statements'], 2);

  const inspected = await run(['inspect', '--db', url, '--json'], builtIn);
  t.equal(inspected.code, 0);
  const schema = parseJson(inspected)['schema'] as {
    tables: Array<{ name: string; columns: unknown[] }>;
    indexes: Array<{ name: string }>;
  };
  t.same(
    schema.tables.map((table) => [table.name, table.columns.length]),
    [['t', 3]],
    'inspect --json describes the table',
  );
  t.ok(
    schema.indexes.some((index) => index.name === 't_a'),
    'and its index',
  );

  const planned = await run(['plan', '--db', url, '--schema', after, '--allow-destructive', '--json'], builtIn);
  t.equal(planned.code, 0);
  const plan = parseJson(planned) as {
    steps: Array<{ kind: string; destructive: boolean; sql: string }>;
    skipped: unknown[];
    warnings: unknown[];
  };
  t.ok(
    plan.steps.some((step) => step.destructive),
    'plan --json marks destructive steps',
  );
  t.type(plan.skipped, Array);
  t.type(plan.warnings, Array);

  const human = await cli(['plan', '--db', url, '--schema', after, '--allow-destructive'], builtIn);
  t.equal(human.code, 0);
  t.match(human.stdout, /DESTRUCTIVE/, 'human output marks destructive steps');
  t.match(
    human.stdout,
    /^INSERT INTO "_schema_sync_new_t" \("id", "a"\) SELECT "id", "a" FROM "t";$/m,
    'human output is the SQL',
  );

  const gate = await cli(['plan', '--db', url, '--schema', after, '--allow-destructive', '--check'], builtIn);
  t.equal(gate.code, 4, 'plan --check exits 4 when changes are pending (the process exit code)');
  const kept = await run(['plan', '--db', url, '--schema', after], builtIn);
  t.match(
    kept.stdout,
    /kept \(not in the desired schema; pass --allow-destructive to drop\)/,
    'without the flag, unwanted objects are listed as kept',
  );
  t.match(kept.stdout, /t\.legacy/, 'the kept column is named');
});

t.test(
  'a failing apply exits 1, names the statement (human and JSON) and changes nothing',
  { buffered: true },
  async (t) => {
    const { url } = newDb();
    const before = schemaFile('fail-before.sql', 'CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT);\n');
    const after = schemaFile(
      'fail-after.sql',
      'CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE);\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n',
    );
    t.equal((await run(['apply', '--db', url, '--schema', before], builtIn)).code, 0);
    const client = createClient({ url });
    await client.execute("INSERT INTO u (email) VALUES ('dup'), ('dup')");
    const snapBefore = await snapshot(client);
    client.close();

    const human = await cli(['apply', '--db', url, '--schema', after], builtIn);
    t.equal(human.code, 1, 'exits 1');
    t.match(human.stderr, /UNIQUE constraint failed/, 'the reason is on stderr');
    t.match(human.stderr, /failing statement:\n\s+INSERT INTO/, 'so is the failing statement');
    const json = await run(['apply', '--db', url, '--schema', after, '--json'], builtIn);
    t.equal(json.code, 1, 'exits 1 with --json');
    const output = parseJson(json);
    t.equal(output['code'], 'APPLY_FAILED');
    t.match(
      String(output['statement']),
      /^INSERT INTO "u" \("id", "email"\) SELECT/,
      "the JSON names the copy as the failing statement, by the table's real name",
    );

    const check = createClient({ url });
    t.equal((await snapshot(check)).digest, snapBefore.digest, 'the database is unchanged');
    check.close();
  },
);

t.test('registry mode applies the built-in current version once', { buffered: true }, async (t) => {
  const registry = await loadRegistry();
  const current = registry.current.version;
  const { url } = newDb();

  const planned = await run(['plan', '--db', url, '--json'], builtIn);
  t.equal(planned.code, 1, 'plan on a database that does not exist yet exits 1');

  const first = await cli(['apply', '--db', url, '--json'], builtIn);
  t.equal(first.code, 0, 'apply exits 0', { output: first.stdout + first.stderr });
  const result = parseJson(first);
  t.equal(result['outcome'], 'applied');
  t.equal(result['fromVersion'], null, 'from no version');
  t.equal(result['toVersion'], current, `to the current version ${current}`);
  t.ok(Number(result['statements']) > 0, 'with statements');

  const client = createClient({ url });
  const recorded = await client.execute('SELECT version, statements FROM schema_version ORDER BY id');
  t.same(
    recorded.rows.map((row) => [row[0], row[1]]),
    [[current, result['statements']]],
    'one audit row records the version',
  );
  const snapFirst = await snapshot(client);
  client.close();

  const second = await run(['apply', '--db', url, '--json'], builtIn);
  t.equal(second.code, 0, 'a second apply exits 0');
  const again = parseJson(second);
  t.equal(again['outcome'], 'up_to_date', 'and is a no-op');
  t.equal(again['statements'], 0);
  const plan = await run(['plan', '--db', url, '--json'], builtIn);
  t.equal(plan.code, 0);
  t.same(parseJson(plan)['steps'], [], 'plan has nothing to do');
  t.equal(
    (await cli(['plan', '--db', url, '--check'], builtIn)).code,
    0,
    'plan --check exits 0 when in sync (the process exit code)',
  );
  const human = await run(['inspect', '--db', url], builtIn);
  t.match(human.stdout, new RegExp(`schema ${current.replaceAll('.', '\\.')}`), 'inspect shows the recorded version');

  const check = createClient({ url });
  t.equal((await snapshot(check)).digest, snapFirst.digest, 'the second apply changed nothing');
  check.close();
});

t.test('a database recording a newer version is refused with exit 3, unchanged', { buffered: true }, async (t) => {
  const registry = await loadRegistry();
  const newer = semver.inc(registry.current.version, 'major') as string;
  const { url } = newDb();
  t.equal((await run(['apply', '--db', url], builtIn)).code, 0, 'the database is at the current version');
  const client = createClient({ url });
  await client.execute({
    sql: `INSERT INTO schema_version (id, version, description, created_at, applied_at, checksum, statements)
          VALUES ((SELECT max(id) + 1 FROM schema_version), ?, 'from the future', '2099-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z', 'x', 0)`,
    args: [newer],
  });
  await client.execute('ALTER TABLE accounts ADD COLUMN future_column TEXT');
  const snapBefore = await snapshot(client);
  client.close();

  for (const command of ['plan', 'apply']) {
    const json = await run([command, '--db', url, '--json'], builtIn);
    t.equal(json.code, 3, `${command} exits 3`);
    const output = parseJson(json);
    t.equal(output['code'], 'DATABASE_AHEAD', `${command} --json says the database is ahead`);
    t.match(String(output['message']), newer, 'and names the recorded version');
  }
  const destructive = await cli(['apply', '--db', url, '--allow-destructive'], builtIn);
  t.equal(destructive.code, 3, 'apply --allow-destructive exits 3 too');
  t.match(destructive.stderr, /newer/, 'with the reason on stderr');

  const check = createClient({ url });
  t.equal((await snapshot(check)).digest, snapBefore.digest, 'the database is unchanged (its extra column too)');
  check.close();
});

t.test('SCHEMA_DIR replaces the built-in versions', { buffered: true }, async (t) => {
  const dir = mkdtempSync(join(work, 'versions-'));
  writeFileSync(
    join(dir, '1.0.0.sql'),
    '-- description: first\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n',
  );
  writeFileSync(
    join(dir, '1.2.0.sql'),
    '-- description: second\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER NOT NULL DEFAULT 0);\n',
  );
  const { url } = newDb();
  const applied = await run(['apply', '--db', url, '--json'], { SCHEMA_DIR: dir });
  t.equal(applied.code, 0);
  t.equal(parseJson(applied)['toVersion'], '1.2.0', 'the highest semver is current');
  const again = await run(['apply', '--db', url, '--json'], { SCHEMA_DIR: dir });
  t.equal(parseJson(again)['outcome'], 'up_to_date');

  writeFileSync(join(dir, 'latest.sql'), 'CREATE TABLE x (id INTEGER PRIMARY KEY);\n');
  const fresh = newDb();
  const bad = await run(['apply', '--db', fresh.url, '--json'], { SCHEMA_DIR: dir });
  t.equal(bad.code, 1, 'a bad registry exits 1');
  const output = parseJson(bad);
  t.equal(output['code'], 'REGISTRY_INVALID');
  t.match(String(output['message']), /latest\.sql/, 'naming the file');
  t.notOk(existsSync(fresh.path), 'before creating the database');
});

t.test('registry mode upgrades a 1.0.0 database with rows to the current version', { buffered: true }, async (t) => {
  const registry = await loadRegistry();
  const first = registry.versions[0];
  if (first === undefined || registry.versions.length < 2) {
    t.pass('the built-in registry has a single version: nothing to upgrade');
    return;
  }
  const dir = mkdtempSync(join(work, 'old-registry-'));
  writeFileSync(join(dir, `${first.version}.sql`), `-- description: ${first.description}\n${first.sql}`);
  const { url } = newDb();
  const old = await run(['apply', '--db', url, '--json'], { SCHEMA_DIR: dir });
  t.equal(old.code, 0, `the database is brought to ${first.version} by an older deployment`);
  t.equal(parseJson(old)['toVersion'], first.version);
  const client = createClient({ url });
  await client.executeMultiple(`
    INSERT INTO accounts (id, email) VALUES (1, 'ann@example.com'), (2, 'bob@example.com');
    INSERT INTO portfolios (id, account_id, name) VALUES (10, 1, 'main'), (20, 2, 'main');
    INSERT INTO positions (portfolio_id, symbol, quantity) VALUES (10, 'AAPL', 1), (20, 'MSFT', 2);
    INSERT INTO trades (portfolio_id, symbol, side, quantity, price, executed_at) VALUES (10, 'AAPL', 'buy', 1, 100, '2024-01-01');`);
  const counts = async (): Promise<unknown[]> =>
    (
      await client.execute(
        'SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM portfolios), (SELECT count(*) FROM positions), (SELECT count(*) FROM trades)',
      )
    ).rows.map((row) => [...Array(4).keys()].map((i) => row[i]));
  const before = await counts();

  const upgraded = await run(['apply', '--db', url, '--json'], builtIn);
  t.equal(upgraded.code, 0, 'apply exits 0', { output: upgraded.stdout + upgraded.stderr });
  const result = parseJson(upgraded);
  t.equal(result['outcome'], 'applied');
  t.equal(result['fromVersion'], first.version, `from ${first.version}`);
  t.equal(result['toVersion'], registry.current.version, `to ${registry.current.version}`);
  t.same(await counts(), before, 'every row is still there');
  const versions = await client.execute('SELECT version FROM schema_version ORDER BY id');
  t.same(
    versions.rows.map((row) => row[0]),
    [first.version, registry.current.version],
    'the audit trail records both versions',
  );
  t.same((await client.execute('PRAGMA foreign_key_check')).rows.length, 0, 'no foreign-key violations');
  client.close();

  const again = await run(['apply', '--db', url, '--json'], builtIn);
  t.equal(parseJson(again)['outcome'], 'up_to_date', 'a second apply is a no-op');
});

t.test('two applies racing on one new database apply the version once', { buffered: true }, async (t) => {
  const registry = await loadRegistry();
  const { url } = newDb();
  const results = await Promise.all([
    cli(['apply', '--db', url, '--json'], builtIn),
    cli(['apply', '--db', url, '--json'], builtIn),
  ]);
  t.same(
    results.map((result) => result.code),
    [0, 0],
    'both exit 0',
    { outputs: results.map((result) => result.stdout + result.stderr) },
  );
  const outcomes = results.map((result) => parseJson(result)['outcome']).sort();
  t.ok(outcomes.includes('applied'), `one applies (${outcomes.join(', ')})`);
  const client = createClient({ url });
  const audit = await client.execute('SELECT version FROM schema_version');
  t.same(
    audit.rows.map((row) => row[0]),
    outcomes.filter((outcome) => outcome === 'applied').map(() => registry.current.version),
    'one audit row per apply that says it applied',
  );
  t.equal(audit.rows.length, 1, 'the version is recorded once');
  client.close();
});
