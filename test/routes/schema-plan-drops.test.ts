/**
 * GET /api/user/schema-plan/{user_id}: what a plan says is all it does. An index that goes with
 * a dropped column is listed as a drop step of its own (no new field: the contract is unchanged).
 */
import t from 'tap';
import { buildTestApp, schemaDir } from '../helpers/app.js';
import { objectNames } from '../helpers/fixtures.js';

const V1 = `-- description: Notes
-- created_at: 2024-01-01T00:00:00Z
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, legacy TEXT);
CREATE INDEX notes_legacy ON notes (legacy);
`;
const V2 = `-- description: no legacy
-- created_at: 2024-02-01T00:00:00Z
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
`;

t.test('allow_destructive=true lists the index that goes with a dropped column', async (t) => {
  const v1 = schemaDir(t, { '1.0.0.sql': V1 });
  const v2 = schemaDir(t, { '1.0.0.sql': V1, '2.0.0.sql': V2 });
  const old = await buildTestApp(t, { env: { SCHEMA_DIR: v1 } });
  const init = await old.call({
    method: 'POST',
    url: '/api/user/initialize',
    token: old.token('u'),
    body: { email: 'ada@example.com', user_id: 'u' },
  });
  t.equal(init.statusCode, 200, 'initialized at 1.0.0');
  const h = await buildTestApp(t, { env: { SCHEMA_DIR: v2 }, dataDir: old.dataDir });
  const res = await h.call({
    method: 'GET',
    url: '/api/user/schema-plan/u?allow_destructive=true',
    token: h.token('u'),
  });
  t.equal(res.statusCode, 200);
  const steps = res.json().steps as Array<Record<string, unknown>>;
  const drop = steps.find((step) => step['kind'] === 'drop_index');
  t.same(
    drop,
    {
      kind: 'drop_index',
      object: 'notes_legacy',
      sql: 'DROP INDEX "notes_legacy"',
      destructive: true,
      reason: 'uses column notes.legacy, which this plan drops (SQLite cannot keep the index without it)',
    },
    'the drop is a step of its own, in the five fields the contract has',
  );
  t.ok(
    steps.findIndex((step) => step === drop) < steps.findIndex((step) => step['kind'] === 'rebuild_table'),
    'before the rebuild',
  );
  t.ok((await objectNames(h.openDb('u'))).includes('notes_legacy'), 'still only a plan');
});
