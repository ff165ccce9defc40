/**
 * Round trips to a remote database, counted at the transport (HTTP requests the local servers
 * received): a new user's database 1 (its owner claimed and its schema created in one proven batch);
 * version check 1, introspection 1, apply 1 whatever the number of tables; an
 * up-to-date user's sign-in after a restart costs 1 database request and 1 token mint: the start
 * learnt the hostname from the group's listing (without it: a create that answers "already exists"
 * and a lookup of the hostname too).
 */
import t from 'tap';
import { tursoDatabaseNameFor } from '../../lib/naming.js';
import { schemaDir } from '../helpers/app.js';
import {
  apiCallsSince,
  buildTursoApp,
  initialize,
  startPlatform,
  userClient,
  type TursoTestApp,
  assertIntact,
} from '../support/turso-app.js';
import type { TursoPlatform } from '../support/turso-platform.js';

const tables = (n: number, extra = ''): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL${extra});\nCREATE INDEX t${i}_name ON t${i} (name);`,
  ).join('\n');

const version = (description: string, date: string, body: string): string =>
  `-- description: ${description}\n-- created_at: ${date}\n${body}\n`;

const hranaOf = (platform: TursoPlatform, userId: string): string[] =>
  platform.databases.get(tursoDatabaseNameFor(userId, platform.org))?.hrana.requests ?? [];

for (const count of [2, 60]) {
  t.test(
    `${count} tables: a new user costs 1 database request (owner claim, emptiness proof, schema and audit row in one batch)`,
    async (t) => {
      const platform = await startPlatform(t);
      const dir = schemaDir(t, { '1.0.0.sql': version('v1', '2024-01-01T00:00:00Z', tables(count)) });
      const h = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: dir } });
      const from = platform.requests.length;
      const res = await initialize(h, 'ada');
      t.match(res.json(), { schema_synced: true, schema_version: '1.0.0' });
      t.same(hranaOf(platform, 'ada'), ['POST /v2/pipeline']);
      t.same(
        apiCallsSince(platform, from),
        ['POST databases', 'POST databases/{name}/auth/tokens'],
        'one create, one token mint',
      );
      const client = userClient(t, res.json());
      t.equal(
        (await client.execute("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name LIKE 't%'"))
          .rows[0]?.['n'],
        count,
      );
      t.same(
        (await client.execute('SELECT user_id FROM _schema_sync_owner')).rows.map((r) => r[0]),
        ['ada'],
        'the owner was claimed in the same request',
      );
      t.same(
        (await client.execute('SELECT version, previous_version FROM schema_version')).rows.map((r) => [r[0], r[1]]),
        [['1.0.0', null]],
        'one audit row',
      );
      await assertIntact(t, client);
    },
  );
}

t.test('an upgrade of 60 tables (a rebuild each) is 3 requests; explicit sync of a current user is 2', async (t) => {
  const platform = await startPlatform(t);
  const v1 = version('v1', '2024-01-01T00:00:00Z', tables(60));
  const v2 = version(
    'v2',
    '2024-02-01T00:00:00Z',
    tables(60, ", note TEXT NOT NULL DEFAULT '' CHECK (length(note) < 100)"),
  );
  const old = await buildTursoApp(t, platform, { env: { SCHEMA_DIR: schemaDir(t, { '1.0.0.sql': v1 }) } });
  const first = await initialize(old, 'ada');
  const client = userClient(t, first.json());
  await client.batch(
    Array.from({ length: 60 }, (_, i) => `INSERT INTO t${i} (name) VALUES ('a'), ('b')`),
    'write',
  );
  const db = platform.databases.get(tursoDatabaseNameFor('ada', platform.org));
  const h = await buildTursoApp(t, platform, {
    env: { SCHEMA_DIR: schemaDir(t, { '1.0.0.sql': v1, '2.0.0.sql': v2 }) },
  });
  const before = db?.hrana.requests.length ?? 0;
  const res = await initialize(h, 'ada');
  t.match(res.json(), { schema_synced: true, schema_version: '2.0.0', message: /synced from 1\.0\.0 to 2\.0\.0/ });
  t.equal((db?.hrana.requests.length ?? 0) - before, 3, 'version check, introspection, one batch');
  t.equal((await client.execute('SELECT count(*) AS n FROM t59')).rows[0]?.['n'], 2, 'rows kept');
  await assertIntact(t, client);
  const mid = db?.hrana.requests.length ?? 0;
  const sync = await h.call({ method: 'POST', url: '/api/user/sync-schema/ada', token: h.token('ada') });
  t.equal(sync.statusCode, 200);
  t.equal((db?.hrana.requests.length ?? 0) - mid, 2, 'version check and introspection; nothing to apply');
});

t.test('after a restart an up-to-date sign-in is 1 database request and 1 token mint; then 0', async (t) => {
  const platform = await startPlatform(t);
  const first = await buildTursoApp(t, platform);
  t.equal((await initialize(first, 'auth0|5f7c8ec7')).statusCode, 200);
  const startedAt = platform.requests.length;
  const h = await buildTursoApp(t, platform, { env: { TURSO_GROUP_TOKEN: platform.sign({ a: 'rw', gid: 'users' }) } });
  t.same(apiCallsSince(platform, startedAt), ['GET databases'], "the start read the group's listing (one page)");
  t.equal(await h.app.databases.warmedUp, 1, 'and learnt the one database');
  const fromApi = platform.requests.length;
  const fromDb = hranaOf(platform, 'auth0|5f7c8ec7').length;
  const res = await initialize(h, 'auth0|5f7c8ec7');
  t.match(res.json(), { schema_synced: true, message: /up to date/ });
  t.equal(
    hranaOf(platform, 'auth0|5f7c8ec7').length - fromDb,
    1,
    'one database request (version check, owner check riding along)',
  );
  t.same(
    apiCallsSince(platform, fromApi),
    ['POST databases/{name}/auth/tokens'],
    'no create, no lookup: the hostname came from the listing; one token mint',
  );
  const again = platform.requests.length;
  const dbAgain = hranaOf(platform, 'auth0|5f7c8ec7').length;
  for (let i = 0; i < 3; i++) t.equal((await initialize(h, 'auth0|5f7c8ec7')).statusCode, 200);
  t.equal(platform.requests.length - again, 0, 'no more API requests in this process');
  t.equal(hranaOf(platform, 'auth0|5f7c8ec7').length - dbAgain, 0, 'no more database requests');
  const version = await h.call({
    method: 'GET',
    url: '/api/user/schema-version/auth0%7C5f7c8ec7',
    token: h.token('auth0|5f7c8ec7'),
  });
  t.equal(version.statusCode, 200);
  t.equal(hranaOf(platform, 'auth0|5f7c8ec7').length - dbAgain, 1, 'schema-version reads once');
});

t.test('without the warm-up (TURSO_WARM_HOSTNAMES=false) a restart costs a create and a lookup too', async (t) => {
  const platform = await startPlatform(t);
  const first = await buildTursoApp(t, platform);
  t.equal((await initialize(first, 'ada')).statusCode, 200);
  const startedAt = platform.requests.length;
  const h = await buildTursoApp(t, platform, {
    env: { TURSO_GROUP_TOKEN: platform.sign({ a: 'rw', gid: 'users' }), TURSO_WARM_HOSTNAMES: 'false' },
  });
  t.same(apiCallsSince(platform, startedAt), [], 'nothing read at start');
  t.equal(await h.app.databases.warmedUp, 0);
  const fromDb = hranaOf(platform, 'ada').length;
  t.match((await initialize(h, 'ada')).json(), { schema_synced: true, message: /up to date/ });
  t.equal(hranaOf(platform, 'ada').length - fromDb, 1, 'one database request');
  t.same(
    apiCallsSince(platform, startedAt),
    ['POST databases', 'GET databases/{name}', 'POST databases/{name}/auth/tokens'],
    'create says "already exists", one lookup for the hostname, one token mint',
  );
});

t.test('the warm-up follows every listing page and serves a returning user without create or lookup', async (t) => {
  const platform = await startPlatform(t);
  const first = await buildTursoApp(t, platform);
  const users = Array.from({ length: 205 }, (_, i) => `user-${i}`);
  for (const user of users) await first.provider.ensure(first.provider.locate(user));
  const startedAt = platform.requests.length;
  const h = await buildTursoApp(t, platform, { env: { TURSO_GROUP_TOKEN: platform.sign({ a: 'rw', gid: 'users' }) } });
  t.same(apiCallsSince(platform, startedAt), ['GET databases', 'GET databases', 'GET databases'], 'three pages of 100');
  t.equal(await h.app.databases.warmedUp, 205);
  t.ok(
    h.logs.some((line) => line.msg === 'learnt database hostnames from the provider listing'),
    'the operator is told',
  );
  const fromApi = platform.requests.length;
  t.match((await initialize(h, 'user-204')).json(), { schema_synced: true, schema_version: '1.1.0' });
  t.same(apiCallsSince(platform, fromApi), ['POST databases/{name}/auth/tokens'], 'the last page was learnt too');
});

t.test('a failed listing is logged and sign-ins fall back to create and lookup', async (t) => {
  const platform = await startPlatform(t);
  const first = await buildTursoApp(t, platform);
  t.equal((await initialize(first, 'ada')).statusCode, 200);
  const listing = {
    status: 500,
    times: Number.POSITIVE_INFINITY,
    match: ({ method, path }: { method: string; path: string }) => method === 'GET' && path === 'databases',
  };
  platform.faults.push(listing);
  const h = await buildTursoApp(t, platform, {
    env: { TURSO_GROUP_TOKEN: platform.sign({ a: 'rw', gid: 'users' }) },
    api: { maxAttempts: 2, baseDelayMs: 1 },
  });
  listing.times = 0;
  t.equal(await h.app.databases.warmedUp, 0);
  t.ok(h.logs.some((line) => line.level === 40 && /provider listing failed/.test(String(line.msg))));
  const fromApi = platform.requests.length;
  t.match((await initialize(h, 'ada')).json(), { schema_synced: true });
  t.same(apiCallsSince(platform, fromApi), [
    'POST databases',
    'GET databases/{name}',
    'POST databases/{name}/auth/tokens',
  ]);
});

t.test('the token mint overlaps the sync: it starts before the database request is answered', async (t) => {
  const platform = await startPlatform(t);
  const events: string[] = [];
  const transport: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const what = url.pathname.endsWith('/auth/tokens') ? 'mint' : url.pathname.endsWith('/v2/pipeline') ? 'db' : null;
    if (what !== null) events.push(`${what} sent`);
    const response = await fetch(input, init);
    if (what !== null) events.push(`${what} answered`);
    return response;
  };
  const h = await buildTursoApp(t, platform, { fetch: transport });
  const signIn = async (replica: TursoTestApp, user: string): Promise<void> => {
    events.length = 0;
    t.match((await initialize(replica, user)).json(), { schema_synced: true });
    t.ok(
      events.indexOf('mint sent') < events.indexOf('db answered'),
      `${user}: the mint was sent before the database answered (${events.join(', ')})`,
    );
    t.equal(events.filter((e) => e === 'db sent').length, 1, `${user}: one database request`);
    t.equal(events.filter((e) => e === 'mint sent').length, 1, `${user}: one mint`);
  };
  await signIn(h, 'ada'); // new: created, then the fresh batch and the mint at once
  const restarted = await buildTursoApp(t, platform, {
    fetch: transport,
    env: { TURSO_GROUP_TOKEN: platform.sign({ a: 'rw', gid: 'users' }) },
  });
  await signIn(restarted, 'ada'); // a restarted replica: the version check and the mint at once
});
