/**
 * Two appliers on one database apply a version once; the loser reports 'up_to_date', not an error.
 * First two Client instances in this process (the race forced step by step), then separate
 * processes started together.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import t from 'tap';
import { syncDatabase, type SyncResult } from '../../lib/sync.js';
import { buildRegistry, type SchemaRegistry } from '../../schema/registry.js';
import { dirFor, dumpAudit, exec, integrityOk, rows, tempDb } from './_support.js';
import { targetOf } from '../../lib/target.js';

const V1 = 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);';
const V2 = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT DEFAULT 'n');
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INT REFERENCES users(id) ON DELETE CASCADE, body TEXT);
CREATE INDEX posts_user ON posts (user_id);`;

async function registryOf(...versions: Array<[string, string]>): Promise<SchemaRegistry> {
  return buildRegistry(
    versions.map(([version, sql]) => ({
      version,
      description: `v${version}`,
      createdAt: '2024-01-01T00:00:00Z',
      schema: { sql },
      file: `${version}.sql`,
    })),
  );
}

/** Defers a client's migrate() until `gate` resolves, and reports when migrate was reached. */
function gated(inner: Client, gate: Promise<unknown>): { client: Client; reached: Promise<void> } {
  let reachedMigrate: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    reachedMigrate = resolve;
  });
  const client = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'migrate' || property === 'executeMultiple') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          reachedMigrate();
          await gate;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, reached };
}

/** A and B both plan against the same state; A commits first; B's batch then hits the guard. */
async function race(url: string, registry: SchemaRegistry): Promise<[SyncResult, SyncResult]> {
  const rawA = createClient({ url });
  const rawB = createClient({ url });
  try {
    let releaseB: () => void = () => undefined;
    const bMayApply = new Promise<void>((resolve) => {
      releaseB = resolve;
    });
    let releaseA: () => void = () => undefined;
    const aMayApply = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = gated(rawA, aMayApply);
    const b = gated(rawB, bMayApply);
    const syncA = syncDatabase(a.client, targetOf(registry));
    const syncB = syncDatabase(b.client, targetOf(registry));
    await Promise.all([a.reached, b.reached]); // both planned
    releaseA();
    const resultA = await syncA;
    releaseB();
    return [resultA, await syncB];
  } finally {
    rawA.close();
    rawB.close();
  }
}

t.test('two Client instances: the version is applied once, the loser is up to date', async (t) => {
  await t.test('first version (the audit table does not exist yet)', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    const [a, b] = await race(db.url, await registryOf(['1.0.0', V1]));
    t.equal(a.outcome, 'applied');
    t.equal(b.outcome, 'up_to_date', 'the loser reports up_to_date, not an error');
    t.same(
      (await dumpAudit(db.client))?.map((r) => r['version']),
      ['1.0.0'],
      'one audit row',
    );
  });
  await t.test('next version (the guard is the audit row id)', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await syncDatabase(db.client, targetOf(await registryOf(['1.0.0', V1])));
    await exec(db.client, "INSERT INTO users VALUES (1, 'a'), (2, 'b');");
    const [a, b] = await race(db.url, await registryOf(['1.0.0', V1], ['1.1.0', V2]));
    t.match(a, { outcome: 'applied', fromVersion: '1.0.0', toVersion: '1.1.0' });
    t.match(b, { outcome: 'up_to_date', toVersion: '1.1.0' });
    t.same(
      (await dumpAudit(db.client))?.map((r) => r['version']),
      ['1.0.0', '1.1.0'],
      'applied once',
    );
    t.same(await rows(db.client, 'SELECT id, email, name FROM users ORDER BY id'), [
      { id: 1, email: 'a', name: 'n' },
      { id: 2, email: 'b', name: 'n' },
    ]);
    t.ok(await integrityOk(db.client));
  });
  await t.test('unordered: both start at once without gates', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    const registry = await registryOf(['1.0.0', V1], ['1.1.0', V2]);
    const clients = [createClient({ url: db.url }), createClient({ url: db.url }), createClient({ url: db.url })];
    t.teardown(() => clients.forEach((client) => client.close()));
    const results = await Promise.all(clients.map((client) => syncDatabase(client, targetOf(registry))));
    t.same(results.map((r) => r.outcome).sort(), ['applied', 'up_to_date', 'up_to_date']);
    t.same(
      (await dumpAudit(db.client))?.map((r) => r['version']),
      ['1.1.0'],
    );
  });
  await t.test('one client, two syncs at once (a service handling two requests)', async (t) => {
    const db = tempDb(dirFor(t));
    t.teardown(() => db.client.close());
    await syncDatabase(db.client, targetOf(await registryOf(['1.0.0', V1])));
    const registry = await registryOf(['1.0.0', V1], ['1.1.0', V2]);
    const results = await Promise.all([
      syncDatabase(db.client, targetOf(registry)),
      syncDatabase(db.client, targetOf(registry)),
    ]);
    t.same(results.map((r) => r.outcome).sort(), ['applied', 'up_to_date']);
    t.same(
      (await dumpAudit(db.client))?.map((r) => r['version']),
      ['1.0.0', '1.1.0'],
    );
  });
});

const WORKER = fileURLToPath(new URL('./_sync-worker.ts', import.meta.url));

interface WorkerResult {
  outcome?: string;
  error?: string;
  message?: string;
  lostRace?: boolean;
}

/** Starts n worker processes, waits until all have loaded, then lets them race (gated: after planning). */
async function raceProcesses(
  n: number,
  url: string,
  schemaDir: string,
  timeout: string,
  gate: boolean,
): Promise<WorkerResult[]> {
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, url, schemaDir, timeout, ...(gate ? ['gate'] : [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const outputs = children.map(() => '');
  const exited = children.map((child) => new Promise<number | null>((resolve) => child.on('exit', resolve)));
  const said = (word: string): Promise<void[]> =>
    Promise.all(
      children.map(
        (child, i) =>
          new Promise<void>((resolve, reject) => {
            const check = (): void => {
              if (outputs[i]?.includes(`${word}\n`)) resolve();
            };
            child.stdout.on('data', check);
            check();
            void exited[i]?.then((code) =>
              reject(new Error(`worker ${i} exited (${code}) before saying ${word}: ${outputs[i]}`)),
            );
          }),
      ),
    );
  children.forEach((child, i) =>
    child.stdout.on('data', (chunk: Buffer) => {
      outputs[i] += chunk.toString();
    }),
  );
  await said('ready');
  for (const child of children) child.stdin.write('go\n');
  if (gate) {
    await said('planned');
    for (const child of children) child.stdin.write('apply\n');
  }
  const codes = await Promise.all(exited);
  if (codes.some((code) => code !== 0)) throw new Error(`a worker failed: ${codes.join(',')} ${outputs.join(' | ')}`);
  return outputs.map(
    (output) => JSON.parse(output.split('\n').filter((line) => line.startsWith('{'))[0] ?? '{}') as WorkerResult,
  );
}

t.test('separate processes (node --import tsx) apply a version once', async (t) => {
  const dir = dirFor(t);
  const schemaDir = join(dir, 'schema');
  mkdirSync(schemaDir);
  writeFileSync(join(schemaDir, '1.0.0.sql'), `-- description: one\n${V1}`);
  writeFileSync(join(schemaDir, '1.1.0.sql'), `-- description: two\n${V2}`);
  // busy timeout as the CLI and the local provider configure file: clients
  const timeout = process.env['RACE_TIMEOUT'] ?? '5000';
  const rounds: Array<[string, boolean, boolean]> = [
    ['fresh database, all planned before any applies', false, true],
    ['at 1.0.0 with rows (a rebuild), all planned before any applies', true, true],
    ['at 1.0.0 with rows, started together', true, false],
  ];
  for (const [label, seeded, gate] of rounds) {
    await t.test(`3 processes: ${label}`, async (t) => {
      const db = tempDb(dir);
      t.teardown(() => db.client.close());
      if (seeded) {
        await syncDatabase(db.client, targetOf(await registryOf(['1.0.0', V1])));
        await exec(db.client, "INSERT INTO users VALUES (1, 'a'), (2, 'b'), (3, 'c');");
      }
      const results = await raceProcesses(3, db.url, schemaDir, timeout, gate);
      t.same(
        results.filter((r) => r.error !== undefined),
        [],
        'no worker reports an error',
      );
      t.same(
        results.map((r) => r.outcome).sort(),
        ['applied', 'up_to_date', 'up_to_date'],
        'one applies, the others are up to date',
      );
      if (gate)
        t.equal(
          results.filter((r) => r.lostRace === true).length,
          2,
          'the two losers really lost the race at the guard',
        );
      const audit = await dumpAudit(db.client);
      t.same(audit?.filter((r) => r['version'] === '1.1.0').length, 1, '1.1.0 recorded once');
      if (seeded)
        t.same(await rows(db.client, 'SELECT id, email FROM users ORDER BY id'), [
          { id: 1, email: 'a' },
          { id: 2, email: 'b' },
          { id: 3, email: 'c' },
        ]);
      t.ok(await integrityOk(db.client));
    });
  }
});
