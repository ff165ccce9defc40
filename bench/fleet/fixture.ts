/**
 * A fleet of identical databases, made fast: one template database is brought to a version and
 * seeded, then its file is copied. Shared by bench/fleet and test/fleet.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type InStatement } from '@libsql/client';
import { targetFromVersions } from '../../lib/target.js';
import { syncDatabase } from '../../lib/sync.js';
import type { SchemaRegistry } from '../../schema/registry.js';

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** Rows for the built-in 1.0.0 trading schema: `scale` accounts, each with a portfolio, positions and trades. */
export function tradingRows(scale: number): InStatement[] {
  const statements: InStatement[] = [];
  for (let a = 1; a <= scale; a++) {
    statements.push({
      sql: 'INSERT INTO accounts (id, email, display_name) VALUES (?, ?, ?)',
      args: [a, `user${a}@example.com`, `User ${a}`],
    });
    statements.push({
      sql: 'INSERT INTO portfolios (id, account_id, name) VALUES (?, ?, ?)',
      args: [a, a, `Main ${a}`],
    });
    statements.push({
      sql: 'INSERT INTO watchlists (account_id, name, symbols) VALUES (?, ?, ?)',
      args: [a, 'tech', '["AAPL","MSFT"]'],
    });
    for (const [i, symbol] of ['AAPL', 'MSFT', 'NVDA'].entries()) {
      statements.push({
        sql: 'INSERT INTO positions (portfolio_id, symbol, quantity, average_cost) VALUES (?, ?, ?, ?)',
        args: [a, symbol, 10 + i, 100.5 + a],
      });
      statements.push({
        sql: 'INSERT INTO trades (portfolio_id, symbol, side, quantity, price, executed_at) VALUES (?, ?, ?, ?, ?, ?)',
        args: [a, symbol, 'buy', 10 + i, 100.5 + a, '2024-02-01T10:00:00Z'],
      });
    }
  }
  return statements;
}

/**
 * Makes `count` copies of a template database at `version` of `registry`, named `db-00000.db`…
 * under `dir`, after running `seed` on the template. Returns the file paths.
 */
export async function makeFleet(options: {
  readonly dir: string;
  readonly count: number;
  readonly registry: SchemaRegistry;
  readonly version: string;
  readonly seed: readonly InStatement[];
  readonly templateDir: string;
}): Promise<string[]> {
  mkdirSync(options.dir, { recursive: true });
  mkdirSync(options.templateDir, { recursive: true });
  const template = join(options.templateDir, `template-${options.version}.db`);
  rmSync(template, { force: true });
  const client = createClient({ url: fileUrl(template) });
  try {
    await syncDatabase(client, targetFromVersions(options.registry.versions, options.version));
    if (options.seed.length > 0) await client.batch([...options.seed], 'write');
  } finally {
    client.close();
  }
  const paths: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const path = join(options.dir, `db-${String(i).padStart(5, '0')}.db`);
    copyFileSync(template, path);
    paths.push(path);
  }
  return paths;
}
