/**
 * A desired view or index whose name a kept table holds (the desired schema lacks the table, and
 * dropping it is not allowed): the plan warns, naming the table and the way out, and the apply is a
 * clear refusal — it fails on that CREATE, its message says which table holds the name and what
 * to allow, and the database is unchanged. Allowing the drop converges (rows compared, checks clean).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import t from 'tap';
import { ApplyError } from '../../lib/apply.js';
import { cliInProcess as cli } from '../e2e/_in-process.js';
import {
  converge,
  dirFor,
  exec,
  fileBytes,
  foreignKeyViolations,
  integrityOk,
  migrateTo,
  planTo,
  snapshot,
  tempDb,
} from './_support.js';

const SETUP = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
CREATE TABLE k1 (id INTEGER PRIMARY KEY, note TEXT);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
INSERT INTO k1 VALUES (1, 'keep me');`;

for (const [kind, object] of [
  ['index', 'CREATE INDEX k1 ON t (a);'],
  ['view', 'CREATE VIEW k1 AS SELECT a FROM t;'],
] as const) {
  const desired = `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n${object}`;

  t.test(`a desired ${kind} named like a kept table: warned, refused clearly, nothing changed`, async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await exec(db.client, SETUP);
    const plan = await planTo(db.client, desired);
    t.match(
      plan.warnings.join('\n'),
      new RegExp(
        `table k1 is kept with its rows, so the desired ${kind} of that name cannot be created .*the apply will fail and change nothing; allow dropping table k1 .* or give the ${kind} another name`,
      ),
    );
    t.match(plan.skipped, [{ kind: 'table', object: 'k1' }]);
    t.match(plan.steps.find((step) => step.kind === `create_${kind}`)?.reason, /table k1 holds the name/);
    const before = await snapshot(db.client);
    const bytes = fileBytes(db.path);
    const error = await migrateTo(db.client, desired).then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, ApplyError);
    t.match(
      (error as Error).message,
      new RegExp(
        `(already a table named k1|table k1 already exists) at step \\d+ \\(create_${kind} k1: new ${kind}, which cannot be created: table k1 holds the name, kept with its rows because dropping it needs an explicit allowance; allow dropping table k1 or give the ${kind} another name\\)`,
      ),
      'the message says which object holds the name and what to do',
    );
    t.same(await snapshot(db.client), before, 'schema and rows unchanged');
    t.ok(fileBytes(db.path).equals(bytes), 'file unchanged');
    t.ok(await integrityOk(db.client), 'integrity_check ok');
    t.equal(await foreignKeyViolations(db.client), 0, 'foreign_key_check empty');
  });

  t.test(`the same ${kind}, dropping the table allowed: converges`, async (t) => {
    const { plan, before, after } = await converge(t, SETUP, desired, { allowDrops: { tables: ['k1'] } });
    t.same(plan.warnings, []);
    const kinds = plan.steps.filter((step) => step.kind !== 'assert').map((step) => [step.kind, step.object]);
    t.same(kinds, [
      ['drop_table', 'k1'],
      [`create_${kind}`, 'k1'],
    ]);
    t.same(after.rows['t'], before.rows['t'], 'rows of t kept');
    t.notOk('k1' in after.rows, 'the table is gone, as allowed');
  });
}

t.test('through the CLI: exit 1, the message names the table and the allowance', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'schema-sync-name-taken-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const url = pathToFileURL(join(work, 'db.db')).href;
  const seed = createClient({ url });
  await exec(seed, SETUP);
  seed.close();
  const schema = join(work, 'desired.sql');
  writeFileSync(schema, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\nCREATE INDEX k1 ON t (a);\n');
  const env = { SCHEMA_DIR: undefined };
  const plan = await cli(['plan', '--db', url, '--schema', schema], env);
  t.equal(plan.code, 0);
  t.match(
    plan.stdout,
    /^-- warning: table k1 is kept with its rows, so the desired index of that name cannot be created/m,
  );
  const applied = await cli(['apply', '--db', url, '--schema', schema], env);
  t.equal(applied.code, 1, 'refused');
  t.match(applied.stderr, /already a table named k1 .*table k1 holds the name.*allow dropping table k1/);
  const allowed = await cli(['apply', '--db', url, '--schema', schema, '--allow-destructive'], env);
  t.equal(allowed.code, 0, 'with the drop allowed it applies');
});
