/**
 * A local Turso Platform API (the `/v1/organizations/{org}/…` endpoints of Turso's public API
 * reference) for one organization, with a Hrana server per database (./hrana-server.ts) backed by
 * a real libSQL file. The Hostname it reports is that server's `127.0.0.1:<port>`, so clients
 * configured with `TURSO_TLS=false` reach it at `http://<Hostname>`.
 *
 * Endpoints: create (`{name, group}` → `{"database":{DbId,Hostname,Name}}`, 409 when the name is
 * taken), get, list (`group`, `limit`, `cursor` → `pagination.next`), delete, database tokens and
 * group tokens (`?expiration=&authorization=` → `{"jwt"}`). Errors are `{"error": "…"}`; a wrong
 * API token is 401. Tokens are HS256 JWTs the Hrana servers check (`id` = database, `gid` = group).
 *
 * Knobs: `faults` (answer a status, with `Retry-After`, drop the connection, or hold the request
 * until a promise settles, N times, for matching requests), `maxPageSize`, `createDelayMs`, `ignoreForeignKeysOff` for new databases, and a log of
 * every request.
 *
 * For benchmarks (bench/fleet-remote): `latencyMs` holds every request to the API and to every
 * database that long before it is handled, `hranaKeepLog: false` turns the databases' logs off
 * (their `served()` counts still run), and `register` adds a database whose file is already in
 * `dir` (a copied template) without the create endpoint, so thousands are made in seconds.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { startHranaServer, type HranaServer } from './hrana-server.js';

export interface Fault {
  /** Which requests it hits; all when absent. */
  readonly match?: (request: { method: string; path: string }) => boolean;
  /** HTTP status to answer; absent: drop the connection (a network error). */
  readonly status?: number;
  readonly retryAfter?: string;
  readonly body?: string;
  /** Never answer (the client's timeout must fire). */
  readonly hang?: boolean;
  /** Hold the request until this settles, then answer it as usual (a slow listing page, say). */
  readonly until?: Promise<unknown>;
  /** How many requests it hits (Infinity: until removed). */
  times: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  status: number | null;
}

export interface FakeDatabase {
  readonly DbId: string;
  readonly Name: string;
  readonly Hostname: string;
  readonly group: string;
  readonly file: string;
  readonly hrana: HranaServer;
}

export interface TursoPlatformOptions {
  readonly dir: string;
  readonly org?: string;
  readonly groups?: readonly string[];
  readonly apiToken?: string;
  readonly ignoreForeignKeysOff?: boolean;
  readonly streamTtlMs?: number;
  /** Delay before each request (API and databases) is handled, in ms (default 0). */
  readonly latencyMs?: number;
  /** Passed to every database's Hrana server as `keepLog` (default true). */
  readonly hranaKeepLog?: boolean;
  /** The most databases one listing page holds, whatever `limit` asks (default 1000). */
  readonly maxPageSize?: number;
}

export interface TursoPlatform {
  readonly url: string;
  readonly org: string;
  readonly apiToken: string;
  readonly databases: Map<string, FakeDatabase>;
  readonly requests: LoggedRequest[];
  readonly faults: Fault[];
  createDelayMs: number;
  ignoreForeignKeysOff: boolean;
  /** Delay before each request is handled, in ms; setting it reaches every database's server. */
  latencyMs: number;
  /**
   * Adds a database whose libSQL file is already at `<dir>/<name>.db`, as if created in `group`
   * (default: the first group), without an API request.
   */
  register(name: string, group?: string): Promise<FakeDatabase>;
  /** Requests matching method and a path pattern (relative to `/v1/organizations/{org}/`). */
  count(method: string, pattern: RegExp): number;
  /** Every Hrana request to every database, in order of the databases' creation. */
  hranaRequests(): number;
  /** Signs a token the Hrana servers accept (tests forge wrong ones with it, too). */
  sign(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

function parseDuration(value: string): number | null {
  if (value === 'never') return null;
  const units: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
  if (!/^(\d+[wdhms])+$/.test(value)) throw new Error(`invalid expiration ${value}`);
  let seconds = 0;
  for (const [, n, u] of value.matchAll(/(\d+)([wdhms])/g)) seconds += Number(n) * (units[u as string] as number);
  return seconds;
}

export async function startTursoPlatform(options: TursoPlatformOptions): Promise<TursoPlatform> {
  const org = options.org ?? 'acme';
  const groups = new Set(options.groups ?? ['default']);
  const apiToken = options.apiToken ?? `api-${randomUUID()}`;
  const secret = randomUUID();
  const databases = new Map<string, FakeDatabase>();
  const creating = new Map<string, Promise<FakeDatabase>>();
  const requests: LoggedRequest[] = [];
  const faults: Fault[] = [];
  const knobs = {
    createDelayMs: 0,
    ignoreForeignKeysOff: options.ignoreForeignKeysOff ?? false,
    latencyMs: options.latencyMs ?? 0,
  };
  // The list endpoint's order, sorted once per change of the set of databases rather than per page.
  let sorted: FakeDatabase[] | null = null;

  const sign = (claims: Record<string, unknown>): string => {
    const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const verify = (token: string | null): Record<string, unknown> | null => {
    if (token === null) return null;
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return null;
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims['exp'] === 'number' && claims['exp'] * 1000 < Date.now()) return null;
    return claims;
  };

  const send = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };

  const describe = (db: FakeDatabase): object => ({
    Name: db.Name,
    DbId: db.DbId,
    Hostname: db.Hostname,
    group: db.group,
    regions: ['lhr'],
    primaryRegion: 'lhr',
    type: 'logical',
    version: '0.24.0',
    block_reads: false,
    block_writes: false,
    allow_attach: false,
    is_schema: false,
    schema: '',
    sleeping: false,
    archived: false,
  });

  const create = async (name: string, group: string): Promise<FakeDatabase> => {
    const file = join(options.dir, `${name}.db`);
    const DbId = randomUUID();
    const hrana = await startHranaServer({
      file,
      ignoreForeignKeysOff: knobs.ignoreForeignKeysOff,
      latencyMs: knobs.latencyMs,
      ...(options.hranaKeepLog === undefined ? {} : { keepLog: options.hranaKeepLog }),
      ...(options.streamTtlMs === undefined ? {} : { streamTtlMs: options.streamTtlMs }),
      authorize: (token) => {
        const claims = verify(token);
        return claims !== null && (claims['id'] === DbId || claims['gid'] === group);
      },
    });
    const db: FakeDatabase = { DbId, Name: name, Hostname: hrana.host, group, file, hrana };
    databases.set(name, db);
    sorted = null;
    return db;
  };

  const route = async (
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): Promise<[number, object, Record<string, string>?]> => {
    const prefix = `/v1/organizations/${org}/`;
    if (!path.startsWith(prefix)) return [404, { error: `organization not found` }];
    const rest = path.slice(prefix.length).split('/').map(decodeURIComponent);

    if (rest[0] === 'databases' && rest.length === 1 && method === 'GET') {
      const group = query.get('group');
      const limit = Math.min(Math.max(Number(query.get('limit') ?? '50') || 50, 1), options.maxPageSize ?? 1000);
      if (sorted === null || sorted.length !== databases.size)
        sorted = [...databases.values()].sort((a, b) => a.Name.localeCompare(b.Name));
      const all = group === null ? sorted : sorted.filter((db) => db.group === group);
      const cursor = query.get('cursor');
      const start =
        cursor === null ? 0 : all.findIndex((db) => db.Name > Buffer.from(cursor, 'base64url').toString('utf8'));
      const page = start < 0 ? [] : all.slice(start, start + limit);
      const last = page[page.length - 1];
      const more = start >= 0 && start + limit < all.length && last !== undefined;
      return [200, { databases: page.map(describe), pagination: { next: more ? b64(last.Name) : null } }];
    }
    if (rest[0] === 'databases' && rest.length === 1 && method === 'POST') {
      const { name, group } = (body ?? {}) as { name?: unknown; group?: unknown };
      if (typeof name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length > 64)
        return [400, { error: `invalid database name ${JSON.stringify(name)}` }];
      if (`${name}-${org}`.length > 63)
        return [400, { error: `database name ${name} is too long for organization ${org}` }];
      if (typeof group !== 'string' || !groups.has(group)) return [404, { error: `group ${String(group)} not found` }];
      if (databases.has(name) || creating.has(name)) return [409, { error: `database ${name} already exists` }];
      const pending = (async () => {
        if (knobs.createDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.createDelayMs));
        return create(name, group);
      })();
      creating.set(name, pending);
      try {
        const db = await pending;
        return [200, { database: { DbId: db.DbId, Hostname: db.Hostname, Name: db.Name } }];
      } finally {
        creating.delete(name);
      }
    }
    const db = rest[0] === 'databases' && rest[1] !== undefined ? databases.get(rest[1]) : undefined;
    if (rest[0] === 'databases' && rest.length === 2 && method === 'GET') {
      return db === undefined ? [404, { error: `database ${rest[1]} not found` }] : [200, { database: describe(db) }];
    }
    if (rest[0] === 'databases' && rest.length === 2 && method === 'DELETE') {
      if (db === undefined) return [404, { error: `database ${rest[1]} not found` }];
      databases.delete(db.Name);
      sorted = null;
      await db.hrana.close();
      rmSync(db.file, { force: true });
      return [200, { database: db.Name }];
    }
    const expiration = query.get('expiration') ?? 'never';
    let seconds: number | null;
    try {
      seconds = parseDuration(expiration);
    } catch {
      return [400, { error: `invalid expiration ${expiration}` }];
    }
    const access = query.get('authorization') === 'read-only' ? 'ro' : 'rw';
    const exp = seconds === null ? {} : { exp: Math.floor(Date.now() / 1000) + seconds };
    if (rest[0] === 'databases' && rest[2] === 'auth' && rest[3] === 'tokens' && method === 'POST') {
      if (db === undefined) return [404, { error: `database ${rest[1]} not found` }];
      return [200, { jwt: sign({ a: access, id: db.DbId, iat: Math.floor(Date.now() / 1000), ...exp }) }];
    }
    if (rest[0] === 'groups' && rest[2] === 'auth' && rest[3] === 'tokens' && method === 'POST') {
      if (rest[1] === undefined || !groups.has(rest[1])) return [404, { error: `group ${rest[1]} not found` }];
      return [200, { jwt: sign({ a: access, gid: rest[1], iat: Math.floor(Date.now() / 1000), ...exp }) }];
    }
    return [404, { error: `no route ${method} ${path}` }];
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const answer = (held = false): void => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      const path = url.pathname;
      const logged: LoggedRequest = {
        method,
        path: path.replace(`/v1/organizations/${org}/`, ''),
        query: Object.fromEntries(url.searchParams),
        status: null,
      };
      if (!held) requests.push(logged);
      const fault = held
        ? undefined
        : faults.find((f) => f.times > 0 && (f.match === undefined || f.match({ method, path: logged.path })));
      if (fault !== undefined) {
        fault.times--;
        if (fault.hang === true) return;
        if (fault.until !== undefined) {
          const release = (): void => answer(true);
          return void fault.until.then(release, release);
        }
        if (fault.status === undefined) return void req.socket.destroy();
        logged.status = fault.status;
        return void send(
          res,
          fault.status,
          { error: fault.body ?? `injected ${fault.status}` },
          fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
        );
      }
      if (req.headers.authorization !== `Bearer ${apiToken}`) {
        logged.status = 401;
        return void send(res, 401, { error: 'Unauthorized: invalid or missing API token' });
      }
      let body: unknown = null;
      try {
        body = chunks.length === 0 ? null : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        logged.status = 400;
        return void send(res, 400, { error: 'the body is not JSON' });
      }
      route(method, path, url.searchParams, body).then(
        ([status, answer, headers]) => {
          logged.status = status;
          send(res, status, answer, headers);
        },
        (error: unknown) => {
          logged.status = 500;
          send(res, 500, { error: (error as Error).message });
        },
      );
    };
    req.on('end', () => {
      if (knobs.latencyMs > 0) setTimeout(answer, knobs.latencyMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    org,
    apiToken,
    databases,
    requests,
    faults,
    get createDelayMs() {
      return knobs.createDelayMs;
    },
    set createDelayMs(value: number) {
      knobs.createDelayMs = value;
    },
    get ignoreForeignKeysOff() {
      return knobs.ignoreForeignKeysOff;
    },
    set ignoreForeignKeysOff(value: boolean) {
      knobs.ignoreForeignKeysOff = value;
      for (const db of databases.values()) db.hrana.ignoreForeignKeysOff = value;
    },
    get latencyMs() {
      return knobs.latencyMs;
    },
    set latencyMs(value: number) {
      knobs.latencyMs = value;
      for (const db of databases.values()) db.hrana.latencyMs = value;
    },
    register: async (name, group) => {
      const into = group ?? [...groups][0] ?? 'default';
      if (!groups.has(into)) throw new Error(`group ${into} not found`);
      if (databases.has(name) || creating.has(name)) throw new Error(`database ${name} already exists`);
      if (!existsSync(join(options.dir, `${name}.db`))) throw new Error(`no file ${name}.db in ${options.dir}`);
      return create(name, into);
    },
    count: (method, pattern) => requests.filter((r) => r.method === method && pattern.test(r.path)).length,
    hranaRequests: () => [...databases.values()].reduce((sum, db) => sum + db.hrana.requests.length, 0),
    sign,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...databases.values()].map((db) => db.hrana.close()));
    },
  };
}
