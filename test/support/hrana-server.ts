/**
 * A Hrana-over-HTTP server (protocol 2/3, JSON encoding: `POST /v2/pipeline`, `/v3/pipeline`) for
 * ONE database, backed by a real libSQL file through the `libsql` driver that @libsql/client uses.
 * This is what `@libsql/client` 0.18 speaks to `libsql://` and `http://` URLs: it opens the
 * protocol-2 HTTP client (`/v2/pipeline`, no version probe), so each client call is one POST.
 *
 * Follows the public Hrana spec: a stream is one connection (a transaction survives across
 * requests), batons chain the requests of a stream (a stale or unknown baton is an error), streams
 * expire when idle, `execute`/`batch` (with `ok`/`error`/`not`/`and`/`or`/`is_autocommit`
 * conditions)/`sequence`/`describe`/`store_sql`/`close_sql`/`get_autocommit`/`close`, typed values
 * (integers as strings, floats, text, base64 blobs, null), and HTTP errors as JSON bodies
 * `{message, code}` with content-type exactly `application/json`.
 *
 * `ignoreForeignKeysOff`: `PRAGMA foreign_keys = off` answers success and does nothing, like some
 * libSQL servers and Cloudflare D1 did.
 *
 * For benchmarks (bench/fleet-remote): `latencyMs` holds every HTTP request that long before it is
 * handled (a network round trip), `served()` counts requests whether or not they are logged, and
 * `keepLog: false` keeps neither `requests` nor `statements` (a long run would hold every SQL text).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'libsql';

type Connection = InstanceType<typeof Database>;
type JsValue = null | bigint | number | string | Buffer;

interface ProtoValue {
  readonly type: 'null' | 'integer' | 'float' | 'text' | 'blob';
  readonly value?: string | number;
  readonly base64?: string;
}
interface ProtoStmt {
  readonly sql?: string;
  readonly sql_id?: number;
  readonly args?: readonly ProtoValue[];
  readonly named_args?: readonly { readonly name: string; readonly value: ProtoValue }[];
  readonly want_rows?: boolean;
}
type ProtoCond =
  | { readonly type: 'ok' | 'error'; readonly step: number }
  | { readonly type: 'not'; readonly cond: ProtoCond }
  | { readonly type: 'and' | 'or'; readonly conds: readonly ProtoCond[] }
  | { readonly type: 'is_autocommit' };
interface ProtoRequest {
  readonly type: string;
  readonly stmt?: ProtoStmt;
  readonly batch?: { readonly steps: readonly { readonly condition?: ProtoCond | null; readonly stmt: ProtoStmt }[] };
  readonly sql?: string;
  readonly sql_id?: number;
}
interface ProtoError {
  readonly message: string;
  readonly code: string;
}

interface Stream {
  readonly id: string;
  readonly conn: Connection;
  readonly sqls: Map<number, string>;
  baton: string;
  timer: NodeJS.Timeout;
}

export interface HranaServerOptions {
  readonly file: string;
  /** Decides whether a bearer token may use this database. */
  readonly authorize: (token: string | null) => boolean;
  readonly streamTtlMs?: number;
  readonly ignoreForeignKeysOff?: boolean;
  /** Delay before each HTTP request is handled, in ms (default 0: handled at once). */
  readonly latencyMs?: number;
  /** false: keep neither `requests` nor `statements` (default true). */
  readonly keepLog?: boolean;
}

export interface HranaServer {
  /** `127.0.0.1:<port>`, what the Platform API calls the Hostname. */
  readonly host: string;
  readonly url: string;
  /** Every HTTP request, in order (`POST /v2/pipeline`…). */
  readonly requests: string[];
  /** Statements executed, in order (for tests that need to see what ran). */
  readonly statements: string[];
  ignoreForeignKeysOff: boolean;
  /** Delay before each HTTP request is handled, in ms. */
  latencyMs: number;
  /** HTTP requests received since the server started or since resetServed(), logged or not. */
  served(): number;
  resetServed(): void;
  openStreams(): number;
  close(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const FK_OFF = /^\s*PRAGMA\s+foreign_keys\s*=\s*['"]?(off|0|false|no)['"]?\s*;?\s*$/i;

function toJs(value: ProtoValue): JsValue {
  switch (value.type) {
    case 'null':
      return null;
    case 'integer':
      return BigInt(String(value.value));
    case 'float':
      return Number(value.value);
    case 'text':
      return String(value.value);
    case 'blob':
      return Buffer.from(value.base64 ?? '', 'base64');
    default:
      throw new RequestError(
        400,
        `unknown value type ${JSON.stringify((value as { type: unknown }).type)}`,
        'PROTO_ERROR',
      );
  }
}

function toProto(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() };
  // With safeIntegers every INTEGER arrives as a bigint, so a number is always a REAL.
  if (typeof value === 'number') return { type: 'float', value };
  if (typeof value === 'string') return { type: 'text', value };
  if (value instanceof Uint8Array) return { type: 'blob', base64: Buffer.from(value).toString('base64') };
  return { type: 'text', value: String(value) };
}

function errorOf(error: unknown): ProtoError {
  if (error instanceof RequestError) return { message: error.message, code: error.code };
  const e = error as { message?: string; code?: string };
  return { message: e.message ?? String(error), code: e.code ?? 'UNKNOWN' };
}

export async function startHranaServer(options: HranaServerOptions): Promise<HranaServer> {
  const streams = new Map<string, Stream>();
  const ttl = options.streamTtlMs ?? 10_000;
  const requests: string[] = [];
  const statements: string[] = [];
  const state = {
    ignoreForeignKeysOff: options.ignoreForeignKeysOff ?? false,
    latencyMs: options.latencyMs ?? 0,
    served: 0,
    closed: false,
  };
  const keepLog = options.keepLog ?? true;

  const closeStream = (stream: Stream): void => {
    clearTimeout(stream.timer);
    streams.delete(stream.id);
    // Closing a connection rolls back whatever transaction it still holds.
    stream.conn.close();
  };

  const openStream = (): Stream => {
    const conn = new Database(options.file);
    conn.exec('PRAGMA foreign_keys = ON');
    conn.exec('PRAGMA busy_timeout = 50');
    const id = randomBytes(8).toString('hex');
    const stream: Stream = { id, conn, sqls: new Map(), baton: '', timer: setTimeout(() => undefined, 0) };
    streams.set(id, stream);
    return stream;
  };

  const touch = (stream: Stream): string => {
    clearTimeout(stream.timer);
    stream.timer = setTimeout(() => closeStream(stream), ttl);
    stream.timer.unref();
    stream.baton = `${stream.id}.${randomBytes(8).toString('hex')}`;
    return stream.baton;
  };

  const sqlOf = (stream: Stream, holder: { sql?: string; sql_id?: number }): string => {
    if (typeof holder.sql === 'string') return holder.sql;
    if (typeof holder.sql_id === 'number') {
      const sql = stream.sqls.get(holder.sql_id);
      if (sql === undefined) throw new RequestError(400, `SQL text ${holder.sql_id} is not stored`, 'SQL_NOT_FOUND');
      return sql;
    }
    throw new RequestError(400, 'statement has neither sql nor sql_id', 'PROTO_ERROR');
  };

  const execute = (stream: Stream, stmt: ProtoStmt): object => {
    const sql = sqlOf(stream, stmt);
    if (keepLog) statements.push(sql);
    if (state.ignoreForeignKeysOff && FK_OFF.test(sql)) {
      return { cols: [], rows: [], affected_row_count: 0, last_insert_rowid: null };
    }
    const prepared = stream.conn.prepare(sql);
    prepared.safeIntegers(true);
    const named = stmt.named_args ?? [];
    const params: unknown[] =
      named.length > 0
        ? [Object.fromEntries(named.map((arg) => [arg.name.replace(/^[:@$]/, ''), toJs(arg.value)]))]
        : (stmt.args ?? []).map(toJs);
    if (prepared.reader) {
      prepared.raw(true);
      const rows = prepared.all(...params) as unknown[][];
      const cols = prepared.columns().map((col) => ({ name: col.name, decltype: col.type }));
      const counters = stream.conn
        .prepare('SELECT changes(), last_insert_rowid()')
        .raw(true)
        .safeIntegers(true)
        .get() as bigint[];
      const writes = !prepared.readonly;
      return {
        cols,
        rows: stmt.want_rows === false ? [] : rows.map((row) => row.map(toProto)),
        affected_row_count: writes ? Number(counters[0]) : 0,
        last_insert_rowid: writes ? String(counters[1]) : null,
      };
    }
    const info = prepared.run(...params);
    return {
      cols: [],
      rows: [],
      affected_row_count: Number(info.changes),
      last_insert_rowid: String(info.lastInsertRowid),
    };
  };

  const batch = (stream: Stream, steps: NonNullable<ProtoRequest['batch']>['steps']): object => {
    const results: (object | null)[] = [];
    const errors: (ProtoError | null)[] = [];
    const holds = (cond: ProtoCond): boolean => {
      switch (cond.type) {
        case 'ok':
          return results[cond.step] !== null && results[cond.step] !== undefined;
        case 'error':
          return errors[cond.step] !== null && errors[cond.step] !== undefined;
        case 'not':
          return !holds(cond.cond);
        case 'and':
          return cond.conds.every(holds);
        case 'or':
          return cond.conds.some(holds);
        case 'is_autocommit':
          return !stream.conn.inTransaction;
        default:
          throw new RequestError(400, 'unknown batch condition', 'PROTO_ERROR');
      }
    };
    for (const step of steps) {
      if (step.condition !== undefined && step.condition !== null && !holds(step.condition)) {
        results.push(null);
        errors.push(null);
        continue;
      }
      try {
        results.push(execute(stream, step.stmt));
        errors.push(null);
      } catch (error) {
        results.push(null);
        errors.push(errorOf(error));
      }
    }
    return { step_results: results, step_errors: errors };
  };

  const handle = (stream: Stream, request: ProtoRequest): { response: object; closed: boolean } => {
    switch (request.type) {
      case 'execute':
        return { response: { type: 'execute', result: execute(stream, request.stmt ?? {}) }, closed: false };
      case 'batch':
        return { response: { type: 'batch', result: batch(stream, request.batch?.steps ?? []) }, closed: false };
      case 'sequence': {
        const sql = sqlOf(stream, request);
        if (keepLog) statements.push(sql);
        stream.conn.exec(sql);
        return { response: { type: 'sequence' }, closed: false };
      }
      case 'describe': {
        const prepared = stream.conn.prepare(sqlOf(stream, request));
        const cols = prepared.reader ? prepared.columns().map((col) => ({ name: col.name, decltype: col.type })) : [];
        return {
          response: {
            type: 'describe',
            result: { params: [], cols, is_explain: false, is_readonly: prepared.readonly },
          },
          closed: false,
        };
      }
      case 'store_sql':
        if (typeof request.sql_id !== 'number' || typeof request.sql !== 'string')
          throw new RequestError(400, 'store_sql needs sql_id and sql', 'PROTO_ERROR');
        stream.sqls.set(request.sql_id, request.sql);
        return { response: { type: 'store_sql' }, closed: false };
      case 'close_sql':
        stream.sqls.delete(request.sql_id ?? -1);
        return { response: { type: 'close_sql' }, closed: false };
      case 'get_autocommit':
        return { response: { type: 'get_autocommit', is_autocommit: !stream.conn.inTransaction }, closed: false };
      case 'close':
        return { response: { type: 'close' }, closed: true };
      default:
        throw new RequestError(400, `unknown stream request type ${JSON.stringify(request.type)}`, 'PROTO_ERROR');
    }
  };

  const pipeline = (body: { baton?: string | null; requests?: ProtoRequest[] }): object => {
    if (!Array.isArray(body.requests)) throw new RequestError(400, 'pipeline body needs requests', 'PROTO_ERROR');
    let stream: Stream;
    if (body.baton === null || body.baton === undefined) {
      stream = openStream();
    } else {
      const found = streams.get(body.baton.split('.')[0] ?? '');
      if (found === undefined) throw new RequestError(400, 'the stream has expired or was closed', 'STREAM_EXPIRED');
      if (found.baton !== body.baton) throw new RequestError(400, 'invalid baton: it was already used', 'BATON_REUSED');
      stream = found;
    }
    const results: object[] = [];
    let closed = false;
    for (const request of body.requests) {
      if (closed) {
        results.push({ type: 'error', error: { message: 'the stream is closed', code: 'STREAM_CLOSED' } });
        continue;
      }
      try {
        const answer = handle(stream, request);
        results.push({ type: 'ok', response: answer.response });
        closed = answer.closed;
      } catch (error) {
        if (error instanceof RequestError && error.code === 'PROTO_ERROR') throw error;
        results.push({ type: 'error', error: errorOf(error) });
      }
    }
    if (closed) {
      closeStream(stream);
      return { baton: null, base_url: null, results };
    }
    return { baton: touch(stream), base_url: null, results };
  };

  const send = (res: ServerResponse, status: number, body: object): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const answer = (): void => {
      // A request held by latencyMs past close() must not reopen (or recreate) the file.
      if (state.closed) return void res.destroy();
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (keepLog) requests.push(`${req.method} ${path}`);
      try {
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null;
        if (!options.authorize(token))
          throw new RequestError(
            401,
            'Unauthorized: the token is missing, invalid or not for this database',
            'UNAUTHORIZED',
          );
        if (req.method === 'GET' && (path === '/v2' || path === '/v3')) return void send(res, 200, {});
        if (req.method === 'POST' && (path === '/v2/pipeline' || path === '/v3/pipeline')) {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            throw new RequestError(400, 'the body is not JSON', 'PROTO_ERROR');
          }
          return void send(res, 200, pipeline(body as { baton?: string | null; requests?: ProtoRequest[] }));
        }
        throw new RequestError(404, `no route ${req.method} ${path}`, 'NOT_FOUND');
      } catch (error) {
        const status = error instanceof RequestError ? error.status : 500;
        send(res, status, errorOf(error));
      }
    };
    req.on('end', () => {
      state.served++;
      if (state.latencyMs > 0) setTimeout(answer, state.latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;

  return {
    host,
    url: `http://${host}`,
    requests,
    statements,
    get ignoreForeignKeysOff() {
      return state.ignoreForeignKeysOff;
    },
    set ignoreForeignKeysOff(value: boolean) {
      state.ignoreForeignKeysOff = value;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    served: () => state.served,
    resetServed: () => {
      state.served = 0;
    },
    openStreams: () => streams.size,
    async close() {
      state.closed = true;
      for (const stream of [...streams.values()]) closeStream(stream);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
