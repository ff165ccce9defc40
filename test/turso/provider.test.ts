/**
 * The Turso provider against the local Platform API and Hrana servers: names, creation (and
 * "already exists" as success), hostnames from the API, the handed-out URL and token, token
 * caching, owner records and collisions, and listing with pagination.
 */
import { createClient as createTursoApiClient } from '@tursodatabase/api';
import fc from 'fast-check';
import t from 'tap';
import { isTursoDatabaseName, isValidUserId, tursoDatabaseNameFor } from '../../lib/naming.js';
import { createTursoProvider } from '../../lib/providers/turso.js';
import { OWNER_TABLE } from '../../lib/providers/turso-connection.js';
import { buildTursoApp, initialize, startPlatform, userClient } from '../support/turso-app.js';

t.test('names: Turso-valid for every id, fit <name>-<org> in 63, and differ by case and _ vs -', async (t) => {
  const orgs = ['acme', 'a'.repeat(36)];
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 128 }).filter(isValidUserId),
      fc.constantFrom(...orgs),
      (id, org) => {
        const name = tursoDatabaseNameFor(id, org);
        return isTursoDatabaseName(name, org) && name.length <= 64 && `${name}-${org}`.length <= 63;
      },
    ),
    { numRuns: 3000 },
  );
  const ids = [
    'user_2abcXYZ',
    'User_2abcXYZ',
    'user-2abcXYZ',
    'USER_2ABCXYZ',
    'x'.repeat(128),
    'x'.repeat(127) + 'y',
    '---',
    '|||',
  ];
  const names = ids.map((id) => tursoDatabaseNameFor(id, 'acme'));
  t.equal(new Set(names).size, ids.length, 'all different');
  t.match(names[0], /^user-2abcxyz-[a-z2-7]{26}$/, 'readable prefix, then the hash');
  t.match(tursoDatabaseNameFor('|||', 'acme'), /^[a-z2-7]{26}$/, 'no readable part: the hash alone');
  t.throws(() => tursoDatabaseNameFor('x', 'o'.repeat(40)), /TURSO_ORG/);
  t.throws(() => tursoDatabaseNameFor('../x', 'acme'), { name: 'InvalidUserIdError' });
});

t.test('first sign-in creates the database in TURSO_GROUP; URL and token come from the API', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  const res = await initialize(h, 'user_2abcXYZ');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { success: true, schema_synced: true, schema_version: '1.1.0', message: /created/ });
  const name = tursoDatabaseNameFor('user_2abcXYZ', platform.org);
  const db = platform.databases.get(name);
  t.ok(db, 'created under the hashed name');
  t.equal(db?.group, 'users');
  t.equal(body.database_url, `http://${db?.Hostname}`, 'exactly http://<Hostname> with TURSO_TLS=false');
  // The token opens this database, and only this one.
  const own = userClient(t, body);
  t.same(
    (await own.execute('SELECT version FROM schema_version')).rows.map((row) => row['version']),
    ['1.1.0'],
  );
  t.equal(
    (await own.execute(`SELECT user_id FROM ${OWNER_TABLE}`)).rows[0]?.['user_id'],
    'user_2abcXYZ',
    'the database records its owner',
  );
  const other = await initialize(h, 'someone-else');
  const foreign = userClient(t, { database_url: other.json().database_url, database_token: body.database_token });
  await t.rejects(foreign.execute('SELECT 1'), /Unauthorized/, "a user's token does not open another user's database");
  const claims = JSON.parse(Buffer.from(body.database_token.split('.')[1], 'base64url').toString()) as {
    exp: number;
    id: string;
    a: string;
  };
  t.equal(claims.id, db?.DbId, 'a database token, not the group token');
  t.ok(Math.abs(claims.exp - (Date.now() / 1000 + 7 * 86_400)) < 60, 'TURSO_TOKEN_EXPIRATION default 7d');
  t.same(
    platform.requests
      .filter((r) => r.path.endsWith('/auth/tokens') && r.path.startsWith('databases/'))
      .map((r) => r.query),
    [
      { expiration: '7d', authorization: 'full-access' },
      { expiration: '7d', authorization: 'full-access' },
    ],
  );
});

t.test('TURSO_TLS=true connects over https and hands out exactly libsql://<Hostname>', async (t) => {
  const platform = await startPlatform(t);
  const seen: string[] = [];
  // The local servers speak plain HTTP: this transport records the URL the provider asked for, then sends it over http.
  const transport: typeof fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    seen.push(url);
    return fetch(url.replace(/^https:\/\/127\.0\.0\.1/, 'http://127.0.0.1'), init);
  };
  const provider = createTursoProvider({
    apiUrl: platform.url,
    apiToken: platform.apiToken,
    org: platform.org,
    group: 'users',
    tls: true,
    groupToken: undefined,
    tokenExpiration: '1d',
    fetch: transport,
  });
  const db = provider.locate('ada');
  await provider.start();
  t.same(await provider.ensure(db), { created: true });
  const hostname = platform.databases.get(db.name)?.Hostname as string;
  const credentials = await provider.credentials(db);
  t.equal(credentials.url, `libsql://${hostname}`);
  t.ok(seen.includes(`https://${hostname}/v2/pipeline`), 'the owner check went to https://<Hostname>');
});

t.test('"already exists" is success; the hostname then comes from a lookup; absence is never cached', async (t) => {
  const platform = await startPlatform(t);
  const a = await buildTursoApp(t, platform);
  const b = await buildTursoApp(t, platform);
  const db = a.provider.locate('shared');
  t.equal(await a.provider.exists(db), false);
  t.same(await b.provider.ensure(db), { created: true }, 'replica b creates it');
  t.equal(await a.provider.exists(db), true, 'replica a sees it: absence was not cached');
  // A replica creating after b (and not warmed up from the listing): the 409 is success and the
  // hostname is looked up.
  const onDemand = { env: { TURSO_WARM_HOSTNAMES: 'false' } };
  const c = await buildTursoApp(t, platform, onDemand);
  const before = platform.requests.length;
  t.same(await c.provider.ensure(db), { created: false });
  t.same(
    platform.requests.slice(before).map((r) => `${r.method} ${r.status}`),
    ['POST 409', 'GET 200'],
  );
  // Still being created when c looks (the API does not list it yet): c looks again.
  const d = await buildTursoApp(t, platform, onDemand);
  platform.faults.push({ match: (r) => r.method === 'GET' && r.path.startsWith('databases/'), status: 404, times: 2 });
  const mid = platform.requests.length;
  t.same(await d.provider.ensure(db), { created: false });
  t.same(
    platform.requests.slice(mid).map((r) => `${r.method} ${r.status}`),
    ['POST 409', 'GET 404', 'GET 404', 'GET 200'],
  );
  t.equal((await c.provider.credentials(db)).url, `http://${platform.databases.get(db.name)?.Hostname}`);
});

t.test('a database token is minted once per process and renewed in the last quarter of its life', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform, { env: { TURSO_TOKEN_EXPIRATION: '4s' } });
  const mints = () => platform.count('POST', /^databases\/[^/]+\/auth\/tokens$/);
  const first = await initialize(h, 'ada');
  const burst = await Promise.all(Array.from({ length: 10 }, () => initialize(h, 'ada')));
  t.equal(mints(), 1, 'one mint for eleven sign-ins');
  t.ok(burst.every((res) => res.json().database_token === first.json().database_token));
  await new Promise((resolve) => setTimeout(resolve, 3_300));
  const renewed = await Promise.all(Array.from({ length: 5 }, () => initialize(h, 'ada')));
  t.equal(mints(), 2, 'renewed once, shared by concurrent sign-ins');
  t.not(renewed[0]?.json().database_token, first.json().database_token);
  t.equal(new Set(renewed.map((res) => res.json().database_token)).size, 1);
});

t.test('an owner mismatch (a name collision) is refused, never served', async (t) => {
  const platform = await startPlatform(t);
  const first = await buildTursoApp(t, platform);
  const res = await initialize(first, 'victim');
  // Simulate a collision: the database now records another owner.
  await userClient(t, res.json()).execute(`UPDATE ${OWNER_TABLE} SET user_id = 'intruder'`);
  const h = await buildTursoApp(t, platform);
  const again = await initialize(h, 'victim');
  t.equal(again.statusCode, 500);
  t.notOk('database_url' in again.json(), 'no credentials handed out');
  t.ok(
    h.logs.some((line) => /belongs to another user/.test(JSON.stringify(line))),
    'logged as a collision',
  );
  const version = await h.call({ method: 'GET', url: '/api/user/schema-version/victim', token: h.token('victim') });
  t.not(version.statusCode, 200, 'not served on other routes either');
});

t.test('listing follows pagination and stays inside TURSO_GROUP', async (t) => {
  const platform = await startPlatform(t);
  const h = await buildTursoApp(t, platform);
  const ids = ['u1', 'u2', 'u3', 'u4', 'u5'];
  for (const id of ids) t.equal((await initialize(h, id)).statusCode, 200);
  const official = createTursoApiClient({
    org: platform.org,
    token: platform.apiToken,
    baseUrl: `${platform.url}/v1/`,
  });
  await official.databases.create('outsider', { group: 'default' });
  const pages: string[] = [];
  const names: string[] = [];
  const before = platform.requests.length;
  for await (const db of h.provider.api.listDatabases({ group: 'users', limit: 2 })) names.push(db.Name);
  for (const r of platform.requests.slice(before)) pages.push(r.query['cursor'] ?? 'first');
  t.equal(pages.length, 3, '5 databases, 2 a page: 3 requests');
  t.same(
    names.sort(),
    ids.map((id) => tursoDatabaseNameFor(id, platform.org)).sort(),
    'all of the group, none outside it',
  );
  const listed: { name: string; userId: string | null }[] = [];
  for await (const db of h.provider.listDatabases()) listed.push(db);
  t.equal(listed.length, 5);
  t.ok(
    listed.every((db) => db.userId !== null && tursoDatabaseNameFor(db.userId, platform.org) === db.name),
    'owners known for databases this process verified',
  );
});

t.test('the Platform API stand-in answers the official @tursodatabase/api client', async (t) => {
  const platform = await startPlatform(t);
  const api = createTursoApiClient({ org: platform.org, token: platform.apiToken, baseUrl: `${platform.url}/v1/` });
  const created = await api.databases.create('alpha', { group: 'users' });
  t.match(created, { name: 'alpha', hostname: /^127\.0\.0\.1:\d+$/, id: String });
  t.match(await api.databases.get('alpha'), { name: 'alpha', group: 'users', hostname: created.hostname });
  t.same(
    (await api.databases.list({ group: 'users' })).map((db) => db.name),
    ['alpha'],
  );
  t.match(await api.databases.createToken('alpha', { expiration: '1h', authorization: 'read-only' }), { jwt: String });
  t.match(await api.groups.createToken('users', { expiration: '1h' }), { jwt: String });
  await t.rejects(api.databases.create('alpha', { group: 'users' }), { name: 'TursoClientError', status: 409 });
  const bad = createTursoApiClient({ org: platform.org, token: 'wrong', baseUrl: `${platform.url}/v1/` });
  await t.rejects(bad.databases.list(), { name: 'TursoClientError', status: 401 });
  t.match(await api.databases.delete('alpha'), { database: 'alpha' });
  await t.rejects(api.databases.get('alpha'), { name: 'TursoClientError', status: 404 });
});
