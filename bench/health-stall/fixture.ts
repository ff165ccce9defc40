/**
 * The data both the /health stall bench and the off-loop drain test migrate: users signed in at
 * 1.0.0 through the real service, "big" then filled with rows, and a SCHEMA_DIR whose 1.1.0
 * rebuilds the table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import { buildApp } from '../../app.js';
import { databaseNameFor } from '../../lib/naming.js';
import { loadConfig } from '../../lib/config/load.js';

export const ITEMS_V1 = `-- description: items
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0);
CREATE INDEX items_name ON items (name);
`;
/** A CHECK on an existing column: SQLite cannot ALTER that in, so the table is rebuilt. */
export const ITEMS_V2 = `-- description: qty checked
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0));
CREATE INDEX items_name ON items (name);
`;

export interface ItemsFixture {
  readonly dataDir: string;
  /** Holds 1.0.0 and 1.1.0. */
  readonly schemaDir: string;
  /** The database of user "big". */
  readonly bigUrl: string;
}

/** Under `root`: `users` (the first is "big") initialized at 1.0.0, "big" holding `rows` rows. */
export async function prepareItems(
  root: string,
  options: { users: readonly string[]; rows: number; secret: string },
): Promise<ItemsFixture> {
  const v1 = join(root, 'v1');
  const schemaDir = join(root, 'v2');
  mkdirSync(v1);
  mkdirSync(schemaDir);
  writeFileSync(join(v1, '1.0.0.sql'), ITEMS_V1);
  writeFileSync(join(schemaDir, '1.0.0.sql'), ITEMS_V1);
  writeFileSync(join(schemaDir, '1.1.0.sql'), ITEMS_V2);
  const dataDir = join(root, 'data');
  const app = await buildApp({
    config: loadConfig({
      DATA_DIR: dataDir,
      JWT_SECRET: options.secret,
      SCHEMA_DIR: v1,
      DOCS: 'false',
      SYNC_THREADS: '0',
    }),
    logger: false,
  });
  try {
    for (const user of options.users) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/user/initialize',
        headers: { authorization: `Bearer ${app.jwt.sign({ sub: user })}` },
        payload: { email: 'a@example.com', user_id: user },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
    }
  } finally {
    await app.close();
  }
  const bigUrl = pathToFileURL(join(dataDir, `${databaseNameFor('big')}.db`)).href;
  const client = createClient({ url: bigUrl });
  await client.execute(
    `INSERT INTO items (name, qty) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${options.rows}) SELECT 'item-' || i, i % 100 FROM n`,
  );
  client.close();
  return { dataDir, schemaDir, bigUrl };
}

/**
 * Asks `${base}/health` again and again (5 ms apart) until stopped; `stop()` resolves with every
 * answer's latency in milliseconds, in order.
 */
export function pingHealth(base: string): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const pinger = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${base}/health`).then((res) => res.text());
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await pinger;
      return latencies;
    },
  };
}
