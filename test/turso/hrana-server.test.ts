/**
 * The Hrana-over-HTTP stand-in, driven by the real @libsql/client (HTTP transport): execute with
 * typed values, batch, migrate, interactive transactions on one connection, stream expiry, JSON
 * errors, auth, and the mode where `PRAGMA foreign_keys=off` is ignored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, LibsqlError } from '@libsql/client';
import t, { type Test } from 'tap';
import { startHranaServer, type HranaServer } from '../support/hrana-server.js';

async function server(
  t: Test,
  options: { ttl?: number; ignoreFk?: boolean } = {},
): Promise<{ hrana: HranaServer; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-hrana-'));
  const file = join(dir, 'db.db');
  const hrana = await startHranaServer({
    file,
    authorize: (token) => token === 'good',
    ...(options.ttl === undefined ? {} : { streamTtlMs: options.ttl }),
    ...(options.ignoreFk === undefined ? {} : { ignoreForeignKeysOff: options.ignoreFk }),
  });
  t.teardown(async () => {
    await hrana.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { hrana, file };
}

t.test('execute round-trips typed values; each call is one POST /v2/pipeline', async (t) => {
  const { hrana, file } = await server(t);
  const db = createClient({ url: hrana.url, authToken: 'good' });
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE v (i INTEGER, r REAL, s TEXT, b BLOB, n)');
  const big = 9_007_199_254_740_993n;
  const insert = await db.execute({
    sql: 'INSERT INTO v VALUES (?, ?, ?, ?, ?)',
    args: [big, 2.0, 'héllo', new Uint8Array([0, 1, 255]), null],
  });
  t.equal(insert.rowsAffected, 1);
  t.equal(insert.lastInsertRowid, 1n);
  // The client sends a bigint as an integer and a JS number as a float.
  const named = await db.execute({
    sql: 'SELECT :a + 1 AS x, typeof(:a) AS t, typeof(:f) AS tf',
    args: { a: 41n, f: 41 },
  });
  t.match(named.rows[0], { x: 42, t: 'integer', tf: 'real' });
  const intClient = createClient({ url: hrana.url, authToken: 'good', intMode: 'bigint' });
  t.teardown(() => intClient.close());
  const row = (await intClient.execute('SELECT i, r, s, b, n, typeof(r) AS tr FROM v')).rows[0];
  t.equal(row?.['i'], big, '64-bit integer intact');
  t.equal(row?.['r'], 2, 'REAL 2.0');
  t.equal(row?.['tr'], 'real');
  t.equal(row?.['s'], 'héllo');
  t.same([...new Uint8Array(row?.['b'] as ArrayBuffer)], [0, 1, 255]);
  t.equal(row?.['n'], null);
  t.ok(
    hrana.requests.every((r) => r === 'POST /v2/pipeline'),
    'only pipeline requests',
  );
  t.equal(hrana.requests.length, 4, 'one request per call');
  // The file is a real libSQL database.
  const local = createClient({ url: `file:${file}` });
  t.equal((await local.execute('SELECT count(*) AS n FROM v')).rows[0]?.['n'], 1);
  local.close();
});

t.test('batch is atomic and conditional; migrate runs with foreign keys off', async (t) => {
  const { hrana } = await server(t);
  const db = createClient({ url: hrana.url, authToken: 'good' });
  t.teardown(() => db.close());
  await db.batch(
    [
      'CREATE TABLE p (id INTEGER PRIMARY KEY)',
      'CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))',
      'INSERT INTO p VALUES (1)',
    ],
    'write',
  );
  await t.rejects(
    db.batch(['INSERT INTO p VALUES (2)', 'INSERT INTO p VALUES (1)'], 'write'),
    /UNIQUE constraint failed: p\.id/,
  );
  t.equal((await db.execute('SELECT count(*) AS n FROM p')).rows[0]?.['n'], 1, 'the failed batch left nothing');
  // Foreign keys are on per connection: a dangling reference is refused outside migrate…
  await t.rejects(db.execute('INSERT INTO c VALUES (1, 99)'), /FOREIGN KEY/);
  // …and allowed inside it, where the client sends PRAGMA foreign_keys=off before BEGIN.
  await db.migrate(['INSERT INTO c VALUES (1, 99)']);
  t.equal((await db.execute('SELECT count(*) AS n FROM c')).rows[0]?.['n'], 1);
  const before = hrana.requests.length;
  await db.migrate(Array.from({ length: 50 }, (_, i) => `CREATE TABLE t${i} (x)`));
  t.equal(hrana.requests.length - before, 1, 'a 50-statement migrate is one request');
});

t.test('an interactive transaction keeps one connection; rollback and commit work', async (t) => {
  const { hrana } = await server(t);
  const db = createClient({ url: hrana.url, authToken: 'good' });
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE k (v TEXT)');
  const tx = await db.transaction('write');
  await tx.execute("INSERT INTO k VALUES ('a')");
  t.equal((await tx.execute('SELECT count(*) AS n FROM k')).rows[0]?.['n'], 1, 'own write visible in the transaction');
  t.equal(hrana.openStreams(), 1);
  await tx.rollback();
  tx.close();
  t.equal((await db.execute('SELECT count(*) AS n FROM k')).rows[0]?.['n'], 0, 'rolled back');
  const tx2 = await db.transaction('write');
  await tx2.batch(["INSERT INTO k VALUES ('b')", "INSERT INTO k VALUES ('c')"]);
  await tx2.commit();
  t.equal((await db.execute('SELECT count(*) AS n FROM k')).rows[0]?.['n'], 2);
  await db.executeMultiple("INSERT INTO k VALUES ('d'); INSERT INTO k VALUES ('e');");
  t.equal((await db.execute('SELECT count(*) AS n FROM k')).rows[0]?.['n'], 4, 'sequence');
});

t.test('batons: an idle stream expires and its transaction is rolled back; a reused baton is refused', async (t) => {
  const { hrana } = await server(t, { ttl: 200 });
  const db = createClient({ url: hrana.url, authToken: 'good' });
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE k (v TEXT)');
  const tx = await db.transaction('write');
  await tx.execute("INSERT INTO k VALUES ('a')");
  await new Promise((resolve) => setTimeout(resolve, 400));
  await t.rejects(tx.execute('SELECT 1'), /expired/);
  t.equal(
    (await db.execute('SELECT count(*) AS n FROM k')).rows[0]?.['n'],
    0,
    'the expired transaction did not commit',
  );

  const first = await fetch(`${hrana.url}/v2/pipeline`, {
    method: 'POST',
    headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
    body: JSON.stringify({ baton: null, requests: [{ type: 'store_sql', sql_id: 1, sql: 'SELECT 7 AS x' }] }),
  });
  const { baton } = (await first.json()) as { baton: string };
  const second = await fetch(`${hrana.url}/v2/pipeline`, {
    method: 'POST',
    headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
    body: JSON.stringify({
      baton,
      requests: [
        { type: 'execute', stmt: { sql_id: 1, want_rows: true } },
        { type: 'close_sql', sql_id: 1 },
      ],
    }),
  });
  const answer = (await second.json()) as { baton: string; results: { response: { result: { rows: unknown[][] } } }[] };
  t.same(answer.results[0]?.response.result.rows, [[{ type: 'integer', value: '7' }]], 'stored SQL runs by id');
  const reused = await fetch(`${hrana.url}/v2/pipeline`, {
    method: 'POST',
    headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
    body: JSON.stringify({ baton, requests: [{ type: 'close' }] }),
  });
  t.equal(reused.status, 400);
  t.equal(reused.headers.get('content-type'), 'application/json');
  t.match(await reused.json(), { message: /baton/, code: 'BATON_REUSED' });
});

t.test('auth: a missing or wrong token is a 401 JSON error the client reports', async (t) => {
  const { hrana } = await server(t);
  const db = createClient({ url: hrana.url, authToken: 'bad' });
  t.teardown(() => db.close());
  const error = await db.execute('SELECT 1').catch((e: unknown) => e);
  t.type(error, LibsqlError);
  t.match((error as LibsqlError).message, /Unauthorized/);
  const raw = await fetch(`${hrana.url}/v2/pipeline`, { method: 'POST', body: '{}' });
  t.equal(raw.status, 401);
  t.equal(raw.headers.get('content-type'), 'application/json');
});

t.test('ignoreForeignKeysOff: migrate can no longer turn foreign keys off, so a cascade fires', async (t) => {
  const { hrana } = await server(t, { ignoreFk: true });
  const db = createClient({ url: hrana.url, authToken: 'good' });
  t.teardown(() => db.close());
  await db.batch([
    'CREATE TABLE p (id INTEGER PRIMARY KEY)',
    'CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) ON DELETE CASCADE)',
    'INSERT INTO p VALUES (1)',
    'INSERT INTO c VALUES (1, 1)',
  ]);
  await db.migrate(['SELECT 1', 'DELETE FROM p']);
  t.equal(
    (await db.execute('SELECT count(*) AS n FROM c')).rows[0]?.['n'],
    0,
    'the ignored pragma let the delete cascade',
  );
  t.ok(
    hrana.statements.some((sql) => /foreign_keys=off/i.test(sql)),
    'the client did send the pragma',
  );
});
