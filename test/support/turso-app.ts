/**
 * The real app with DB_PROVIDER=turso, pointed at a local Platform API (./turso-platform.ts) by
 * TURSO_API_URL and TURSO_TLS=false: the production provider code, local servers. `api` shortens
 * the Platform API retry budget for tests of outages (same code, smaller constants).
 */
import { Writable } from 'node:stream';
import { createClient, type Client } from '@libsql/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../app.js';
import { createTursoProvider, type TursoProvider, type TursoProviderOptions } from '../../lib/providers/turso.js';
import { loadConfig, type AppConfig } from '../../lib/config/load.js';
import { tempDir, TEST_SECRET, type LogLine } from '../helpers/app.js';
import { startTursoPlatform, type TursoPlatform, type TursoPlatformOptions } from './turso-platform.js';

export async function startPlatform(t: Test, options: Partial<TursoPlatformOptions> = {}): Promise<TursoPlatform> {
  const platform = await startTursoPlatform({
    dir: tempDir(t, 'schema-sync-turso-'),
    groups: ['default', 'users'],
    ...options,
  });
  t.teardown(() => platform.close());
  return platform;
}

export function tursoEnv(platform: TursoPlatform, env: Record<string, string> = {}): Record<string, string> {
  return {
    DB_PROVIDER: 'turso',
    TURSO_API_URL: platform.url,
    TURSO_API_TOKEN: platform.apiToken,
    TURSO_ORG: platform.org,
    TURSO_GROUP: 'users',
    TURSO_TLS: 'false',
    ...env,
  };
}

export interface TursoTestApp {
  readonly app: FastifyInstance;
  readonly config: AppConfig;
  readonly provider: TursoProvider;
  readonly logs: LogLine[];
  token(sub: string, claims?: Record<string, unknown>): string;
  call(options: {
    method: InjectOptions['method'];
    url: string;
    token?: string | null;
    body?: unknown;
  }): Promise<LightMyRequestResponse>;
}

/** One replica of the service (call again for a second replica, or for a restart). */
export async function buildTursoApp(
  t: Test,
  platform: TursoPlatform,
  options: {
    env?: Record<string, string>;
    api?: TursoProviderOptions['api'];
    /** The provider's transport for the API and the databases (tests watch it). */
    fetch?: typeof fetch;
  } = {},
): Promise<TursoTestApp> {
  const config = loadConfig({
    JWT_SECRET: TEST_SECRET,
    DOCS: 'false',
    DATA_DIR: tempDir(t, 'schema-sync-unused-'),
    ...tursoEnv(platform, options.env),
  });
  const turso = config.turso;
  if (turso === null) throw new Error('no turso config');
  // Built exactly as lib/providers/create.ts builds it, plus the test's retry budget.
  const provider = createTursoProvider({
    ...turso,
    ...(options.api === undefined ? {} : { api: options.api }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const logs: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const app = await buildApp({ config, provider, logger: { level: 'info', stream } });
  t.teardown(() => app.close());
  await app.ready();
  // Deterministic request counts: the background listing (TURSO_WARM_HOSTNAMES) is over.
  await app.databases.warmedUp;
  const token = (sub: string, claims: Record<string, unknown> = {}): string => app.jwt.sign({ sub, ...claims });
  return {
    app,
    config,
    provider,
    logs,
    token,
    call: ({ method, url, token: bearer, body }) =>
      app.inject({
        method,
        url,
        headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
        ...(body === undefined ? {} : { payload: body as object }),
      }),
  };
}

export const initialize = (h: TursoTestApp, userId: string, token = h.token(userId)) =>
  h.call({ method: 'POST', url: '/api/user/initialize', token, body: { email: 'ada@example.com', user_id: userId } });

/** Platform API requests since `from` (an index into platform.requests), as `METHOD path` with names elided. */
export function apiCallsSince(platform: TursoPlatform, from: number): string[] {
  return platform.requests
    .slice(from)
    .map((r) => `${r.method} ${r.path.replace(/^databases\/[^/]+/, 'databases/{name}')}`);
}

/** A client on the user's database as the user's application opens it: the handed-out URL and token. */
export function userClient(t: Test, credentials: { database_url: string; database_token: string }): Client {
  const client = createClient({ url: credentials.database_url, authToken: credentials.database_token });
  t.teardown(() => client.close());
  return client;
}

/** PRAGMA integrity_check is ok and foreign_key_check finds nothing. */
export async function assertIntact(t: Test, client: Client): Promise<void> {
  t.same(
    (await client.execute('PRAGMA integrity_check')).rows.map((row) => row[0]),
    ['ok'],
    'integrity_check ok',
  );
  t.same((await client.execute('PRAGMA foreign_key_check')).rows, [], 'foreign_key_check empty');
}
