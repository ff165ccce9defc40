/**
 * GET /api/user/schema-plan/{user_id}: a dry run that changes nothing.
 */
import t from 'tap';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { auditRows, objectNames, registries, V1 } from '../helpers/fixtures.js';
import { schemaDir } from '../helpers/app.js';

const initialize = (h: TestApp, userId: string) =>
  h.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: h.token(userId),
    body: { email: 'ada@example.com', user_id: userId },
  });
const plan = (h: TestApp, userId: string, query = '', token = h.token(userId)) =>
  h.call({ method: 'GET', url: `/api/user/schema-plan/${encodeURIComponent(userId)}${query}`, token });

t.test('lists the ordered statements a sync would run, and runs none of them', async (t) => {
  const { v1, v2 } = registries(t);
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'u');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await plan(h, 'u');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, {
    user_id: 'u',
    from_version: '1.0.0',
    to_version: '2.0.0',
    up_to_date: false,
    destructive: false,
    skipped: [],
    warnings: Array,
  });
  const objects = body.steps.map((step: { object: string }) => step.object);
  t.ok(objects.includes('tags') && objects.includes('notes_body'), 'creates the table and the index');
  for (const step of body.steps)
    t.match(step, { kind: String, object: String, sql: String, destructive: false, reason: String });
  t.ok(objects.indexOf('tags') < objects.indexOf('notes_body'), 'tables before indexes');
  const db = h.openDb('u');
  t.same(await objectNames(db), ['notes', 'schema_version'], 'nothing applied');
  t.same(
    (await auditRows(db)).map((row) => row.version),
    ['1.0.0'],
  );
});

t.test('an up-to-date user plans nothing', async (t) => {
  const h = await buildTestApp(t);
  await initialize(h, 'u');
  t.match((await plan(h, 'u')).json(), { up_to_date: true, steps: [], destructive: false });
});

t.test('allow_destructive=true shows the drops sync would otherwise skip', async (t) => {
  const v1 = schemaDir(t, { '1.0.0.sql': `${V1}CREATE TABLE legacy (x);\n` });
  const v2 = schemaDir(t, {
    '1.0.0.sql': `${V1}CREATE TABLE legacy (x);\n`,
    '2.0.0.sql': '-- description: no legacy\n' + V1,
  });
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  await initialize(old, 'u');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const kept = (await plan(h, 'u')).json();
  t.equal(kept.destructive, false);
  t.match(kept.skipped, [{ object: 'legacy' }]);
  const dropped = (await plan(h, 'u', '?allow_destructive=true')).json();
  t.equal(dropped.destructive, true);
  t.ok(
    dropped.steps.some(
      (step: { object: string; destructive: boolean }) => step.object === 'legacy' && step.destructive,
    ),
  );
  t.ok((await objectNames(h.openDb('u'))).includes('legacy'), 'still only a plan');
  const bad = await plan(h, 'u', '?allow_destructive=yes');
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'INVALID_REQUEST');
  t.equal((await plan(h, 'u', '?unknown=1')).statusCode, 400);
});

t.test('404 unknown user, 409 database ahead, 403 another user', async (t) => {
  const { v1, v2 } = registries(t);
  const ahead = await buildTestApp(t, { env: { SCHEMA_DIR: v2 } });
  await initialize(ahead, 'future');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v1 }, dataDir: ahead.dataDir });
  t.equal((await plan(h, 'ghost')).json().code, 'USER_NOT_FOUND');
  const refused = await plan(h, 'future');
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().code, 'DATABASE_AHEAD');
  t.equal((await plan(h, 'future', '', h.token('mallory'))).statusCode, 403);
});
