/**
 * Rebuilding a parent table whose children reference it with ON DELETE CASCADE, on a remote
 * database: the rows all survive; and on a server where `PRAGMA foreign_keys=off` has no effect
 * (the rebuild's DROP would then cascade into the children), the in-batch proof aborts the
 * apply with every row intact.
 */
import type { Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { schemaDir } from '../helpers/app.js';
import { auditRows } from '../helpers/fixtures.js';
import { assertIntact, buildTursoApp, initialize, startPlatform, userClient } from '../support/turso-app.js';

const V1 = `-- description: parents and children
-- created_at: 2024-01-01T00:00:00Z
CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id) ON DELETE CASCADE, label TEXT);
CREATE TABLE grandchildren (id INTEGER PRIMARY KEY, child_id INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE);
`;
// A CHECK and a new NOT NULL column with a default: ALTER TABLE cannot add the CHECK, so parents is rebuilt.
const V2 = `-- description: parents get a checked name and a rank
-- created_at: 2024-02-01T00:00:00Z
CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) > 0), rank INTEGER NOT NULL DEFAULT 0);
CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents(id) ON DELETE CASCADE, label TEXT);
CREATE TABLE grandchildren (id INTEGER PRIMARY KEY, child_id INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE);
`;

async function snapshot(client: Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['parents', 'children', 'grandchildren']) {
    out[table] = (await client.execute(`SELECT id, * FROM ${table} ORDER BY id`)).rows.map((row) => ({
      id: row['id'],
      ...(table === 'parents' ? { name: row['name'] } : {}),
      ...(table === 'children' ? { parent_id: row['parent_id'], label: row['label'] } : {}),
    }));
  }
  return out;
}

async function seeded(t: Test, ignoreForeignKeysOff: boolean) {
  const platform = await startPlatform(t);
  const old = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: schemaDir(t, { '1.0.0.sql': V1 }) } });
  const res = await initialize(old, 'family');
  t.equal(res.statusCode, 200);
  const client = userClient(t, res.json());
  await client.batch(
    [
      "INSERT INTO parents (id, name) VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger')",
      "INSERT INTO children (id, parent_id, label) VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c'), (13, 3, NULL), (14, 3, 'e')",
      'INSERT INTO grandchildren (id, child_id) VALUES (100, 10), (101, 12), (102, 14)',
    ],
    'write',
  );
  platform.ignoreForeignKeysOff = ignoreForeignKeysOff;
  const before = await snapshot(client);
  const h = await buildTursoApp(t, platform, {
    env: { SCHEMA_DIR: schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 }) },
  });
  return { platform, client, before, h };
}

t.test('a parent rebuild over Hrana keeps every child and grandchild row', async (t) => {
  const { client, before, h } = await seeded(t, false);
  const res = await initialize(h, 'family');
  t.match(res.json(), { schema_synced: true, schema_version: '2.0.0' });
  t.same(await snapshot(client), before, 'every row of every table, unchanged');
  t.same(
    (await client.execute('SELECT DISTINCT rank FROM parents')).rows.map((row) => row['rank']),
    [0],
  );
  t.match((await client.execute("SELECT sql FROM sqlite_schema WHERE name = 'parents'")).rows[0]?.['sql'], /CHECK/);
  t.same(
    (await auditRows(client)).map((row) => row.version),
    ['1.0.0', '2.0.0'],
  );
  await assertIntact(t, client);
});

t.test('with PRAGMA foreign_keys=off ignored by the server, the rebuild aborts and every row stays', async (t) => {
  const { platform, client, before, h } = await seeded(t, true);
  const res = await initialize(h, 'family');
  t.equal(res.statusCode, 200, 'sign-in still succeeds');
  t.match(
    res.json(),
    {
      schema_synced: false,
      schema_version: '1.0.0',
      error: { code: 'APPLY_FAILED', message: /foreign keys must be off/ },
    },
    'the in-batch proof caught it',
  );
  t.same(await snapshot(client), before, 'no cascade reached the children: every row intact');
  t.notMatch(
    (await client.execute("SELECT sql FROM sqlite_schema WHERE name = 'parents'")).rows[0]?.['sql'],
    /CHECK/,
    'schema unchanged',
  );
  t.same(
    (await auditRows(client)).map((row) => row.version),
    ['1.0.0'],
    'no version recorded',
  );
  await assertIntact(t, client);
  const sync = await h.call({ method: 'POST', url: '/api/user/sync-schema/family', token: h.token('family') });
  t.equal(sync.statusCode, 500);
  t.equal(sync.json().code, 'APPLY_FAILED');
  t.same(await snapshot(client), before);
  // A server that honours the pragma again: the same sync succeeds.
  platform.ignoreForeignKeysOff = false;
  const retry = await h.call({ method: 'POST', url: '/api/user/sync-schema/family', token: h.token('family') });
  t.equal(retry.statusCode, 200);
  t.same(await snapshot(client), before);
  await assertIntact(t, client);
});
