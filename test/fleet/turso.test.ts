/**
 * sync-all with DB_PROVIDER=turso and no --data-dir: every database of TURSO_GROUP, listed page by
 * page through the Platform API, synced over Hrana through the service's own provider — against
 * the local Platform API and Hrana stand-ins backed by real libSQL files.
 */
import { createClient } from '@libsql/client';
import t from 'tap';
import { schemaDir } from '../helpers/app.js';
import { buildTursoApp, initialize, startPlatform, tursoEnv } from '../support/turso-app.js';
import { runSyncAll } from './_fleet.js';

const V1 = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);';
const V2 = `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL COLLATE NOCASE, pinned INTEGER NOT NULL DEFAULT 0);
CREATE INDEX notes_pinned ON notes (pinned);`;
const USERS = ['ada', 'grace', 'auth0|5f7c8ec7', 'linus', 'Ada'];

t.test(
  'every database of the group reaches the current version, rows intact; other groups are left alone',
  async (t) => {
    const platform = await startPlatform(t, { groups: ['default', 'users', 'other'] });
    const v1 = schemaDir(t, { '1.0.0.sql': V1 });
    const v2 = schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 });
    const old = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v1 } });
    for (const user of USERS) t.equal((await initialize(old, user)).statusCode, 200, `${user} initialized at 1.0.0`);
    t.ok('created' in (await old.provider.api.createDatabase('not-ours', 'other')), 'a database of another group');
    const files = new Map([...platform.databases.values()].map((db) => [db.Name, db]));
    for (const db of files.values()) {
      const client = createClient({ url: `file:${db.file}` });
      if (db.group === 'users')
        await client.execute({
          sql: 'INSERT INTO notes (body) VALUES (?), (?)',
          args: [`${db.Name} a`, `${db.Name} b`],
        });
      client.close();
    }

    const env = tursoEnv(platform, { SCHEMA_DIR: v2 });
    const run = await runSyncAll(['--json'], env);
    t.equal(run.code, 0, run.err);
    const summary = run.lines.at(-1)?.['summary'] as
      { databases: number; outcomes: Record<string, number> } | undefined;
    t.match(
      summary,
      { databases: USERS.length, outcomes: { applied: USERS.length, failed: 0 } },
      "the group's databases only, each applied",
    );
    t.ok(platform.count('GET', /^databases/) >= 1, 'listed through the Platform API');

    for (const db of files.values()) {
      const client = createClient({ url: `file:${db.file}` });
      try {
        if (db.group !== 'users') {
          t.same(
            (await client.execute("SELECT name FROM sqlite_schema WHERE name = 'schema_version'")).rows.length,
            0,
            "another group's database untouched",
          );
          continue;
        }
        t.same(
          (await client.execute('SELECT version FROM schema_version ORDER BY id')).rows.map((r) => r[0]),
          ['1.0.0', '2.0.0'],
          `${db.Name} at 2.0.0`,
        );
        t.same(
          (await client.execute('SELECT body, pinned FROM notes ORDER BY id')).rows.map((r) => [r[0], r[1]]),
          [
            [`${db.Name} a`, 0],
            [`${db.Name} b`, 0],
          ],
          'rows kept',
        );
        t.same(
          (await client.execute('PRAGMA integrity_check')).rows.map((r) => r[0]),
          ['ok'],
        );
      } finally {
        client.close();
      }
    }

    const again = await runSyncAll(['--json'], env);
    t.equal(again.code, 0);
    t.match(
      again.lines.at(-1)?.['summary'],
      { outcomes: { up_to_date: USERS.length, applied: 0 } },
      'a re-run finds nothing to do',
    );
    t.equal((await runSyncAll(['--lanes', 'threads'], env)).code, 2, 'thread lanes are refused for remote databases');
  },
);
