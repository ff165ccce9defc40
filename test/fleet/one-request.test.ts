/**
 * A remote rollout costs one request per behind database once its group has a plan: the plan is
 * applied blind in a batch that proves, inside its transaction, the version row and the schema it
 * was made from. Counted at the transport (the Hrana stand-in's requests per database). Databases
 * that are elsewhere (already migrated, a drifted schema) fail the proof, change nothing, and take
 * the full path; every database ends at the target with its rows, integrity and foreign keys intact.
 */
import { createClient, type Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { schemaDir } from '../helpers/app.js';
import { buildTursoApp, initialize, startPlatform, tursoEnv } from '../support/turso-app.js';
import type { TursoPlatform } from '../support/turso-platform.js';
import { runSyncAll } from './_fleet.js';

const V1 = `CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES owners (id), body TEXT NOT NULL);`;
// notes.body gains a collation (a rebuild under foreign keys), notes a column and an index.
const V2 = `CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES owners (id), body TEXT NOT NULL COLLATE NOCASE, pinned INTEGER NOT NULL DEFAULT 0);
CREATE INDEX notes_pinned ON notes (pinned);`;
const USERS = Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(2, '0')}`);

const requestsOf = (platform: TursoPlatform): Map<string, number> =>
  new Map([...platform.databases.values()].map((db) => [db.Name, db.hrana.requests.length]));

async function withFile<T>(file: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = createClient({ url: `file:${file}` });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The users' databases at 1.0.0 behind a Turso stand-in, sorted by name, and the 2.0.0 registry. */
async function fleetAtV1(t: Test) {
  const platform = await startPlatform(t);
  const v1 = schemaDir(t, { '1.0.0.sql': V1 });
  const v2 = schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 });
  const old = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v1 } });
  for (const user of USERS) t.equal((await initialize(old, user)).statusCode, 200);
  const files = [...platform.databases.values()].sort((a, b) => (a.Name < b.Name ? -1 : 1));
  return { platform, v2, files };
}

t.test('behind databases of one group: one request each once the group has a plan', async (t) => {
  const { platform, v2, files } = await fleetAtV1(t);
  for (const db of files) {
    await withFile(db.file, (client) =>
      client.batch(
        [
          { sql: 'INSERT INTO owners (id, name) VALUES (1, ?)', args: [db.Name] },
          { sql: 'INSERT INTO notes (owner, body) VALUES (1, ?), (1, ?)', args: [`${db.Name} a`, `${db.Name} b`] },
        ],
        'write',
      ),
    );
  }
  // Two databases are elsewhere: one drifted (an extra index at the same version), one already at 2.0.0.
  const [drifted, ahead] = [files[5], files[8]];
  if (drifted === undefined || ahead === undefined) throw new Error('fleet too small');
  await withFile(drifted.file, (client) => client.execute('CREATE INDEX notes_body ON notes (body)'));
  const aheadApp = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: v2 } });
  const aheadUser = USERS[files.indexOf(ahead)] as string;
  t.match((await initialize(aheadApp, aheadUser)).json(), { schema_version: '2.0.0' });

  const before = requestsOf(platform);
  const run = await runSyncAll(['--json', '--concurrency', '1'], tursoEnv(platform, { SCHEMA_DIR: v2 }));
  t.equal(run.code, 0, run.err);
  const spent = new Map([...requestsOf(platform)].map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
  const summary = run.lines.at(-1)?.['summary'] as { outcomes: Record<string, number> } | undefined;
  t.match(summary?.outcomes, { applied: USERS.length - 1, up_to_date: 1, failed: 0 });

  const first = files[0]?.Name as string;
  t.ok((spent.get(first) ?? 0) >= 3, `the first database takes the full path (${spent.get(first)} requests)`);
  for (const db of files) {
    if (db === files[0] || db === drifted || db === ahead) continue;
    t.equal(spent.get(db.Name), 1, `${db.Name}: one request`);
  }
  t.ok((spent.get(drifted.Name) ?? 0) >= 3, 'the drifted database fails the proof and takes the full path');
  t.ok((spent.get(ahead.Name) ?? 0) >= 2, 'the migrated database fails the proof, then reads its version');
  const behind = USERS.length - 1;
  const total = [...spent.values()].reduce((sum, n) => sum + n, 0);
  // The first: 4 (version, fingerprint, introspection, apply); the drifted one: 1 + 4; the migrated
  // one: 1 + its version read; every other: 1.
  t.ok(total <= 4 + (behind - 2) + 5 + 2, `${total} requests for ${behind} behind databases`);

  for (const db of files) {
    await withFile(db.file, async (client) => {
      t.same(
        (await client.execute('SELECT version FROM schema_version ORDER BY id')).rows.map((r) => r[0]),
        ['1.0.0', '2.0.0'],
        `${db.Name}: one 2.0.0 audit row`,
      );
      t.same(
        (await client.execute('SELECT owner, body, pinned FROM notes ORDER BY id')).rows.map((r) => [r[0], r[1], r[2]]),
        [
          [1, `${db.Name} a`, 0],
          [1, `${db.Name} b`, 0],
        ],
        `${db.Name}: rows kept`,
      );
      t.same(
        (await client.execute('PRAGMA integrity_check')).rows.map((r) => r[0]),
        ['ok'],
      );
      t.same((await client.execute('PRAGMA foreign_key_check')).rows, []);
      const collation = await client.execute("SELECT sql FROM sqlite_schema WHERE name = 'notes'");
      t.match(String(collation.rows[0]?.[0]), /COLLATE NOCASE/, `${db.Name}: rebuilt`);
    });
  }
  t.equal(
    await withFile(
      drifted.file,
      async (client) =>
        (await client.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'notes_body'")).rows[0]?.[0],
    ),
    1,
    'the drifted database got its own plan: its extra index is kept through the rebuild',
  );

  // A re-run has no plan to guess with: one request (the version row) per database.
  const again = requestsOf(platform);
  const rerun = await runSyncAll(['--json', '--concurrency', '1'], tursoEnv(platform, { SCHEMA_DIR: v2 }));
  t.equal(rerun.code, 0, rerun.err);
  for (const db of files) {
    t.equal(
      (requestsOf(platform).get(db.Name) ?? 0) - (again.get(db.Name) ?? 0),
      1,
      `${db.Name}: no-op in one request`,
    );
  }
});

t.test('with many lanes the first database goes alone, so the others still cost one request each', async (t) => {
  const { platform, v2, files } = await fleetAtV1(t);
  const before = requestsOf(platform);
  const run = await runSyncAll(['--json', '--concurrency', '8'], tursoEnv(platform, { SCHEMA_DIR: v2 }));
  t.equal(run.code, 0, run.err);
  t.match(run.lines.at(-1)?.['summary'], { outcomes: { applied: USERS.length } });
  const spent = files.map((db) => (requestsOf(platform).get(db.Name) ?? 0) - (before.get(db.Name) ?? 0));
  t.ok((spent[0] ?? 0) >= 3, `the first takes the full path (${spent[0]} requests)`);
  t.same(spent.slice(1), new Array<number>(USERS.length - 1).fill(1), 'every other one request');
  for (const db of files)
    await withFile(db.file, async (client) => {
      t.same(
        (await client.execute('SELECT version FROM schema_version ORDER BY id')).rows.map((r) => r[0]),
        ['1.0.0', '2.0.0'],
      );
      t.same(
        (await client.execute('PRAGMA integrity_check')).rows.map((r) => r[0]),
        ['ok'],
      );
      t.same((await client.execute('PRAGMA foreign_key_check')).rows, []);
    });
});
