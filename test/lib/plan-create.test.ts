/**
 * Planner: new tables in foreign-key order, identifiers that need quoting, no-ops for a schema
 * written differently, determinism, and purity.
 */
import t from 'tap';
import { loadDesiredSchema } from '../../lib/desired.js';
import { planMigration } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import { emptySchema } from '../../lib/model.js';
import { dirFor, converge, exec, kindsOf, migrateTo, planTo, rows, sqlOf, tempDb } from './_support.js';

t.test('new tables are created in foreign-key order', async (t) => {
  const desired = `
    CREATE TABLE c (id INTEGER PRIMARY KEY, b_id INT NOT NULL REFERENCES b(id) ON DELETE CASCADE);
    CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id));
    CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE aa (id INTEGER PRIMARY KEY, c_id INT REFERENCES c);
  `;
  const { plan: made, db } = await converge(t, '', desired);
  const order = made.steps.filter((s) => s.kind === 'create_table').map((s) => s.object);
  t.same(order, ['a', 'b', 'c', 'aa'], 'every table after the tables it references');
  t.ok(made.steps.every((s) => s.kind === 'create_table' && !s.destructive));
  // the created tables really enforce their foreign keys
  await exec(db.client, "INSERT INTO a VALUES (1, 'x'); INSERT INTO b VALUES (1, 1); INSERT INTO c VALUES (1, 1);");
  await t.rejects(db.client.execute('INSERT INTO c VALUES (2, 99)'), /FOREIGN KEY/);
  await db.client.execute('DELETE FROM b');
  t.same(await rows(db.client, 'SELECT count(*) AS n FROM c'), [{ n: 0 }], 'ON DELETE CASCADE works on the new table');
});

t.test('self references and cycles', async (t) => {
  const desired = `
    CREATE TABLE employee (id INTEGER PRIMARY KEY, manager_id INT REFERENCES employee(id), dept_id INT REFERENCES dept(id));
    CREATE TABLE dept (id INTEGER PRIMARY KEY, head_id INT REFERENCES employee(id));
    CREATE TABLE x (id INTEGER PRIMARY KEY, y_id INT REFERENCES y(id));
    CREATE TABLE y (id INTEGER PRIMARY KEY, z_id INT REFERENCES z(id));
    CREATE TABLE z (id INTEGER PRIMARY KEY, x_id INT REFERENCES x(id));
  `;
  const { plan: made, db } = await converge(t, '', desired);
  t.same(
    made.steps.map((s) => s.kind),
    Array(5).fill('create_table'),
    'five tables, nothing else',
  );
  t.same(new Set(made.steps.map((s) => s.object)), new Set(['employee', 'dept', 'x', 'y', 'z']));
  // the cycle is usable: rows that reference each other can be inserted with deferred checks off
  await db.client.batch([
    'INSERT INTO employee (id) VALUES (1)',
    'INSERT INTO dept VALUES (1, 1)',
    'UPDATE employee SET dept_id = 1, manager_id = 1 WHERE id = 1',
  ]);
  t.same(await rows(db.client, 'SELECT * FROM employee'), [{ id: 1, manager_id: 1, dept_id: 1 }]);
  const again = planMigration(emptySchema, await loadDesiredSchema(desired));
  t.same(sqlOf(again), sqlOf(made), 'cycles break the same way every time');
});

t.test('a new table referencing an existing one (and one the database already has rows in)', async (t) => {
  const setup = "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO a VALUES (1, 'one');";
  const desired =
    'CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id));';
  const { plan: made, before, after } = await converge(t, setup, desired);
  t.same(kindsOf(made), ['create_table']);
  t.same(after.rows['a'], before.rows['a']);
});

t.test('identifiers that need quoting: spaces, quotes, keywords, mixed case, unicode', async (t) => {
  const v1 = `
    CREATE TABLE "order" ("select" TEXT, "from" INTEGER PRIMARY KEY, "MixedCase" TEXT, "with space" TEXT, "quote""d" TEXT, "ünïcødé" TEXT);
    CREATE TABLE "line item" ("id" INTEGER PRIMARY KEY, "order ref" INT REFERENCES "order"("from") ON DELETE CASCADE, "Größe" REAL CHECK ("Größe" >= 0));
    CREATE INDEX "idx ""order"" select" ON "order" ("select", "MixedCase" DESC);
    CREATE VIEW "order view" AS SELECT "select", "ünïcødé" FROM "order";
    CREATE TRIGGER "trg ""x""" AFTER INSERT ON "line item" BEGIN UPDATE "order" SET "select" = 'touched' WHERE "from" = NEW."order ref"; END;
  `;
  const setup = `${v1}
    INSERT INTO "order" VALUES ('s', 1, 'M', 'w s', 'q"', 'ü');
    INSERT INTO "line item" VALUES (1, 1, 2.5);
  `;
  // every table rebuilt (type change / new NOT NULL), a column added, the index changed
  const v2 = `
    CREATE TABLE "order" ("select" TEXT NOT NULL, "from" INTEGER PRIMARY KEY, "MixedCase" TEXT, "with space" TEXT, "quote""d" TEXT, "ünïcødé" TEXT, "new ""col""" TEXT DEFAULT 'n');
    CREATE TABLE "line item" ("id" INTEGER PRIMARY KEY, "order ref" INT REFERENCES "order"("from") ON DELETE CASCADE, "Größe" NUMERIC CHECK ("Größe" >= 0));
    CREATE INDEX "idx ""order"" select" ON "order" ("select" DESC, "MixedCase");
    CREATE VIEW "order view" AS SELECT "select", "ünïcødé" FROM "order";
    CREATE TRIGGER "trg ""x""" AFTER INSERT ON "line item" BEGIN UPDATE "order" SET "select" = 'touched' WHERE "from" = NEW."order ref"; END;
    CREATE TABLE "日本語" ("名前" TEXT PRIMARY KEY) WITHOUT ROWID;
  `;
  const { before, after, plan: made, db } = await converge(t, setup, v2);
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'order'));
  t.ok(made.steps.some((s) => s.kind === 'rebuild_table' && s.object === 'line item'));
  t.ok(made.steps.some((s) => s.kind === 'create_table' && s.object === '日本語'));
  t.same(
    after.rows['order']?.map((r) => ({ ...r, 'new "col"': undefined })),
    before.rows['order']?.map((r) => ({ ...r, 'new "col"': undefined })),
  );
  t.same(after.rows['line item'], before.rows['line item'], 'child rows kept (no cascade)');
  t.same(
    await rows(db.client, 'SELECT * FROM "order view"'),
    [{ select: 'touched', ünïcødé: 'ü' }],
    'the view works (the setup insert fired the trigger)',
  );
  await db.client.execute(`UPDATE "order" SET "select" = 'reset'`);
  await db.client.execute('INSERT INTO "line item" VALUES (2, 1, 1)');
  t.same(await rows(db.client, 'SELECT "select" FROM "order"'), [{ select: 'touched' }], 'the trigger works');
  t.ok((await introspect(db.client)).tables.some((x) => x.name === '日本語'));
});

t.test('no-op: the same schema written differently plans nothing', async (t) => {
  const setup = `
    CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE, balance REAL DEFAULT 0 CHECK (balance >= 0), kind TEXT DEFAULT 'a', price DECIMAL(10,2), created TEXT DEFAULT CURRENT_TIMESTAMP, g INT GENERATED ALWAYS AS (balance * 2) VIRTUAL, CHECK (length(email) > 3));
    CREATE TABLE "Trades" (id INTEGER PRIMARY KEY, account_id INT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, sym TEXT, UNIQUE (account_id, sym)) STRICT;
    CREATE TABLE kv (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;
    CREATE INDEX idx_trades_sym ON "Trades" (sym DESC) WHERE sym IS NOT NULL;
    CREATE UNIQUE INDEX idx_lower ON accounts (lower(email));
    CREATE VIEW v_big AS SELECT id, email FROM accounts WHERE balance > 100;
    CREATE TRIGGER trg AFTER UPDATE ON accounts BEGIN UPDATE accounts SET kind = 'b' WHERE id = NEW.id AND 0; END;
    INSERT INTO accounts (email) VALUES ('abc@x');
  `;
  const rewritten = `
    -- same schema, other layout
    create table if not exists main.ACCOUNTS (
      "id"   integer   primary key autoincrement,
      [email] text not null unique collate nocase,
      \`balance\` real default (0) check ( (balance>=0) ),
      kind text default ('a'),
      price decimal ( 10 , 2 ),
      created text default current_timestamp,
      g int generated always as ((balance*2)) virtual,
      check(length(email)>3)
    );
    create table "Trades"(ID integer primary key, ACCOUNT_ID int not null references "accounts"("id") on delete cascade, SYM text, unique(account_id,sym)) strict;
    CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v ANY) WITHOUT ROWID, STRICT;
    create index if not exists "idx_trades_sym" on trades (SYM desc) where sym is not null;
    CREATE UNIQUE INDEX main.[idx_lower] ON "accounts"(LOWER( email ));
    create view if not exists "v_big" as select ID, EMAIL from ACCOUNTS where BALANCE > 100;
    create trigger if not exists trg after update on accounts begin update accounts set kind = 'b' where id = new.id and 0; end;
  `;
  const unicodeSetup =
    'CREATE TABLE größe (maß TEXT, ünit TEXT); CREATE INDEX idx_maß ON größe (maß, ünit); CREATE VIEW v_größe AS SELECT maß FROM größe;';
  const unicodeRewritten =
    'CREATE TABLE "größe" ("maß" TEXT, [ünit] TEXT); CREATE INDEX "idx_maß" ON "größe" ("maß", `ünit`); CREATE VIEW "v_größe" AS SELECT "maß" FROM "größe";';
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, setup);
  await exec(db.client, unicodeSetup);
  const made = await planTo(db.client, `${rewritten}\n${unicodeRewritten}`);
  t.same(made.steps, [], 'no steps');
  t.same(made.skipped, [], 'nothing skipped');
  t.same(made.warnings, []);
  // The setup's INSERT is not schema: a desired schema refuses it (test/lib/desired.test.ts).
  const verbatim = await planTo(db.client, `${setup.replace(/INSERT INTO [^;]*;/, '')}\n${unicodeSetup}`);
  t.same(verbatim.steps, [], 'and the verbatim DDL plans nothing either');
});

t.test('the plan is deterministic and pure', async (t) => {
  const setup = `
    CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id), b TEXT);
    CREATE INDEX ic ON c (b); CREATE VIEW v AS SELECT * FROM c; CREATE TABLE gone (x);
  `;
  const desired = `
    CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', z INT);
    CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE, b TEXT, n INT DEFAULT 1);
    CREATE TABLE n2 (id INTEGER PRIMARY KEY, c_id INT REFERENCES c(id)); CREATE TABLE n1 (id INTEGER PRIMARY KEY);
    CREATE INDEX ic ON c (b DESC); CREATE INDEX in1 ON n1 (id); CREATE VIEW v AS SELECT * FROM c; CREATE VIEW w AS SELECT * FROM v;
  `;
  const db = tempDb(dirFor(t));
  t.teardown(() => db.client.close());
  await exec(db.client, setup);
  const actual = await introspect(db.client);
  const wanted = await loadDesiredSchema(desired);
  const frozenActual = JSON.stringify(actual);
  const frozenWanted = JSON.stringify(wanted);
  const first = planMigration(actual, wanted);
  for (let i = 0; i < 5; i++) t.same(planMigration(actual, wanted), first, `run ${i + 2}: identical`);
  t.same(planMigration(JSON.parse(frozenActual), JSON.parse(frozenWanted)), first, 'same from deserialised inputs');
  t.same(
    planMigration(await introspect(db.client), await loadDesiredSchema(desired)),
    first,
    'same from a fresh introspection',
  );
  t.equal(JSON.stringify(actual), frozenActual, 'inputs not mutated');
  t.equal(JSON.stringify(wanted), frozenWanted, 'inputs not mutated');
  t.ok(first.steps.length > 0);
  for (const s of first.steps) {
    t.ok(
      typeof s.kind === 'string' &&
        typeof s.object === 'string' &&
        typeof s.sql === 'string' &&
        typeof s.destructive === 'boolean' &&
        typeof s.reason === 'string' &&
        s.reason.length > 0,
      `step shape: ${s.kind} ${s.object}`,
    );
  }
  t.same(
    first.skipped.map((s) => [s.kind, s.object]),
    [['table', 'gone']],
  );
  // and applying it converges
  await migrateTo(db.client, desired);
  t.same((await planTo(db.client, desired)).steps, []);
});

t.test('plan order: create tables → add columns → rebuilds → indexes → views → triggers', async (t) => {
  const setup = 'CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, v INT);';
  const desired = `
    CREATE TABLE a (id INTEGER PRIMARY KEY, extra TEXT);
    CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE c (id INTEGER PRIMARY KEY);
    CREATE INDEX ia ON a (extra);
    CREATE VIEW vb AS SELECT * FROM b;
    CREATE TRIGGER tc AFTER INSERT ON c BEGIN SELECT 1; END;
  `;
  const { plan: made } = await converge(t, setup, desired);
  const kinds = kindsOf(made).filter((k) => k !== 'assert');
  const firstOf = (kind: string): number => kinds.indexOf(kind);
  const lastOf = (kind: string): number => kinds.lastIndexOf(kind);
  t.ok(lastOf('create_table') < firstOf('add_column'));
  t.ok(lastOf('add_column') < firstOf('rebuild_table'));
  t.ok(lastOf('rebuild_table') < firstOf('create_index'));
  t.ok(lastOf('create_index') < firstOf('create_view'));
  t.ok(lastOf('create_view') < firstOf('create_trigger'));
});
