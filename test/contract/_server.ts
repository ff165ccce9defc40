/**
 * The real service listening on a loopback port (not `inject`): real HTTP, real libSQL files in a
 * temp DATA_DIR, a known JWT secret. Shared by the contract tests and the Swagger UI browser test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createClient as createDbClient, type Client } from '@libsql/client';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../app.js';
import { createSchemaSyncClient, type SchemaSyncClient } from '../../client/index.js';
import { databaseNameFor } from '../../lib/naming.js';
import { loadConfig } from '../../lib/config/load.js';

export const CONTRACT_SECRET = 'contract-test-secret-long-enough-for-hs256';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly dataDir: string;
  token(sub: string, claims?: { scope?: string; exp?: number; iat?: number }): string;
  adminToken(): string;
  /** The SDK, with `token` as its bearer (none when undefined). */
  client(token?: string): SchemaSyncClient;
  /** A separate connection to a user's database file, closed at teardown. */
  openDb(userId: string): Client;
}

export function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startServer(
  t: Test,
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDir(t, 'schema-sync-contract-');
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: CONTRACT_SECRET,
    DOCS: 'true',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await buildApp({ config, logger: false });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const dbs: Client[] = [];
  t.teardown(() => dbs.forEach((db) => db.close()));

  const token = (sub: string, claims: { scope?: string; exp?: number; iat?: number } = {}): string =>
    app.jwt.sign({ sub, ...claims });
  return {
    app,
    baseUrl,
    dataDir,
    token,
    adminToken: () => token('contract-admin', { scope: 'schema:admin' }),
    client: (bearer?: string) =>
      createSchemaSyncClient({ baseUrl, ...(bearer === undefined ? {} : { token: bearer }) }),
    openDb: (userId: string) => {
      const db = createDbClient({ url: pathToFileURL(join(dataDir, `${databaseNameFor(userId)}.db`)).href });
      dbs.push(db);
      return db;
    },
  };
}

/** Makes a user's database record a version newer than any the application knows. */
export async function recordNewerVersion(db: Client, version = '99.0.0'): Promise<void> {
  await db.execute({
    sql: `INSERT INTO schema_version (id, version, description, created_at, applied_at, checksum, statements, previous_version)
          VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM schema_version), ?, 'from a newer release', '2099-01-01T00:00:00Z',
                  '2099-01-01T00:00:00Z', 'newer', 0, NULL)`,
    args: [version],
  });
}
