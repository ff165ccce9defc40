/**
 * The client pool: bounded LRU, idle close, never closes a client in use, all closed on shutdown.
 * Runs on real libSQL clients (file databases in a temp dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import t, { type Test } from 'tap';
import { ClientPool, PoolClosedError } from '../../lib/pool.js';

function harness(t: Test, options: { max: number; idleMs?: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-pool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let clock = 1_000;
  const opened: string[] = [];
  const closed: string[] = [];
  const pool = new ClientPool<Client>({
    max: options.max,
    idleMs: options.idleMs ?? 0,
    now: () => clock,
    close: (client, key) => {
      closed.push(key);
      client.close();
    },
  });
  t.teardown(() => pool.close());
  const open = (key: string) => () => {
    opened.push(key);
    return createClient({ url: pathToFileURL(join(dir, `${key}.db`)).href });
  };
  return { pool, open, opened, closed, tick: (ms: number) => (clock += ms) };
}

t.test('reuses the open client for a key', async (t) => {
  const { pool, open, opened } = harness(t, { max: 4 });
  const first = await pool.use('a', open('a'), async (client) => client);
  const second = await pool.use('a', open('a'), async (client) => client);
  t.equal(first, second);
  t.same(opened, ['a']);
  t.equal((await pool.use('a', open('a'), (c) => c.execute('select 1 as x'))).rows[0]?.['x'], 1, 'the client works');
});

t.test('evicts the least recently used idle client past max, and closes it', async (t) => {
  const { pool, open, closed } = harness(t, { max: 2 });
  await pool.use('a', open('a'), async () => undefined);
  await pool.use('b', open('b'), async () => undefined);
  await pool.use('a', open('a'), async () => undefined); // a is now most recent
  await pool.use('c', open('c'), async () => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(closed, ['b']);
  t.equal(pool.size, 2);
  t.ok(pool.has('a') && pool.has('c'));
});

t.test('never closes a client while it is leased; shrinks back when released', async (t) => {
  const { pool, open, closed } = harness(t, { max: 1 });
  const a = pool.acquire('a', open('a'));
  const b = pool.acquire('b', open('b'));
  t.equal(pool.size, 2, 'over max while both are busy');
  t.same(closed, []);
  // The leased client still works.
  t.equal((await a.resource.execute('select 2 as x')).rows[0]?.['x'], 2);
  a.release();
  a.release(); // idempotent
  await new Promise((resolve) => setImmediate(resolve));
  t.same(closed, ['a'], 'the released LRU client goes');
  t.equal(pool.size, 1);
  b.release();
  t.equal(pool.size, 1);
});

t.test('sweep closes only clients idle for longer than idleMs', async (t) => {
  const { pool, open, closed, tick } = harness(t, { max: 10, idleMs: 60_000 });
  await pool.use('old', open('old'), async () => undefined);
  tick(30_000);
  await pool.use('recent', open('recent'), async () => undefined);
  const busy = pool.acquire('busy', open('busy'));
  tick(40_000);
  t.equal(pool.sweep(), 1);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(closed, ['old']);
  tick(60_000);
  t.equal(pool.sweep(), 1, 'recent goes; busy stays while leased');
  t.ok(pool.has('busy'));
  busy.release();
});

t.test('close() closes every client, later ones on release, and refuses new acquires', async (t) => {
  const { pool, open, closed } = harness(t, { max: 10 });
  await pool.use('a', open('a'), async () => undefined);
  await pool.use('b', open('b'), async () => undefined);
  const held = pool.acquire('c', open('c'));
  await pool.close();
  t.same(closed.sort(), ['a', 'b']);
  t.throws(() => pool.acquire('d', open('d')), PoolClosedError);
  held.release();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(closed.sort(), ['a', 'b', 'c']);
  t.equal(pool.size, 0);
  t.ok(held.resource.closed, 'the libSQL client is really closed');
});

t.test('use() releases the lease when the callback throws', async (t) => {
  const { pool, open, closed } = harness(t, { max: 1 });
  await t.rejects(
    pool.use('a', open('a'), async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  await pool.use('b', open('b'), async () => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(closed, ['a'], 'a was released, so it could be evicted');
});

t.test('a failing close is reported, not thrown', async (t) => {
  const errors: string[] = [];
  const pool = new ClientPool<{ id: string }>({
    max: 1,
    idleMs: 0,
    close: () => {
      throw new Error('cannot close');
    },
    onCloseError: (error, key) => errors.push(`${key}: ${(error as Error).message}`),
  });
  await pool.use(
    'a',
    () => ({ id: 'a' }),
    async () => undefined,
  );
  await pool.use(
    'b',
    () => ({ id: 'b' }),
    async () => undefined,
  );
  await pool.close();
  t.same(errors.sort(), ['a: cannot close', 'b: cannot close']);
});

t.test('max must be a positive integer', async (t) => {
  t.throws(() => new ClientPool({ max: 0, idleMs: 0, close: () => undefined }), RangeError);
});
