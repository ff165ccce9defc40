/**
 * Building the real app for tests: real libSQL files in a temp DATA_DIR, a known JWT secret,
 * captured pino logs, and token helpers (valid, expired, tampered, unsigned).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../app.js';
import { databaseNameFor } from '../../lib/naming.js';
import { loadConfig, type AppConfig } from '../../lib/config/load.js';

export const TEST_SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: AppConfig;
  readonly dataDir: string;
  readonly logs: LogLine[];
  /** Every call the app made on a user-database client (execute, batch, migrate…), in order. */
  readonly roundTrips: string[];
  /** A valid token for `sub` (HS256 with the test secret). */
  token(sub: string, claims?: Record<string, unknown>): string;
  adminToken(): string;
  /** inject with an optional bearer token and JSON body. */
  call(options: {
    method: InjectOptions['method'];
    url: string;
    token?: string | null;
    body?: unknown;
    headers?: Record<string, string>;
    payload?: string;
  }): Promise<LightMyRequestResponse>;
  dbPath(userId: string): string;
  /** A separate client on the user's database file, closed at teardown. */
  openDb(userId: string): Client;
}

export function tempDir(t: Test, prefix = 'schema-sync-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A SCHEMA_DIR holding the given `<semver>.sql` files. */
export function schemaDir(t: Test, files: Record<string, string>): string {
  const dir = tempDir(t, 'schema-sync-versions-');
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

export async function buildTestApp(
  t: Test,
  options: { env?: Record<string, string>; dataDir?: string; logLevel?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir(t, 'schema-sync-data-');
  const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, DOCS: 'false', ...options.env });
  const logs: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const roundTrips: string[] = [];
  const app = await buildApp({
    config,
    logger: { level: options.logLevel ?? 'info', stream },
    createClient: (clientConfig) => countingClient(createClient(clientConfig), roundTrips),
  });
  t.teardown(() => app.close());
  await app.ready();

  const clients: Client[] = [];
  t.teardown(() => clients.forEach((client) => client.close()));

  const token = (sub: string, claims: Record<string, unknown> = {}): string => app.jwt.sign({ sub, ...claims });
  const dbPath = (userId: string): string => join(dataDir, `${databaseNameFor(userId)}.db`);
  return {
    app,
    config,
    dataDir,
    logs,
    roundTrips,
    token,
    adminToken: () => token('ops-admin', { scope: 'openid schema:admin' }),
    call: ({ method, url, token: bearer, body, headers = {}, payload }) =>
      app.inject({
        method,
        url,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
        ...(payload !== undefined ? { payload } : body !== undefined ? { payload: body as object } : {}),
      }),
    dbPath,
    openDb: (userId: string) => {
      const client = createClient({ url: pathToFileURL(dbPath(userId)).href });
      clients.push(client);
      return client;
    },
  };
}

const COUNTED = new Set(['execute', 'batch', 'migrate', 'executeMultiple', 'transaction']);

/** The client, recording each call that is a round trip to the database. */
function countingClient(inner: Client, calls: string[]): Client {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && COUNTED.has(property)) {
        return (...args: unknown[]) => {
          calls.push(property);
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Hand-made JWTs for the cases a signer refuses to produce. */
export function craftToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | null,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (secret === null) return `${input}.`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
