/**
 * The `fetch` the service's libSQL clients use for a Turso database. It
 *  - sends each Hrana request to the hostname the Platform API gave (resolved when needed) with
 *    the current group token, so a pooled client survives token renewal;
 *  - puts a timeout on every request;
 *  - proves the database is the user's before anything is served from it: the first time a
 *    process talks to a database, the owner claim (create the one-row owner table if missing,
 *    record the user if unclaimed, read the owner back) rides in the same HTTP request as the
 *    engine's first read, so the check costs no round trip. A pipeline that could write is never
 *    sent before the owner is known: the claim then goes first, on its own.
 *
 * Names are collision-resistant hashes (lib/naming.ts), so a mismatch should never happen; if it
 * does, the database is refused for the life of the process.
 */

import { ProviderUnavailableError } from './errors.js';
import { BufferedResponse, connectionFetch, type ConnectionFetch } from './http-connection.js';

/** Where the owner is recorded; ignored by introspection (`_schema_sync_*`). */
export const OWNER_TABLE = '_schema_sync_owner';

export class DatabaseOwnerMismatchError extends Error {
  override readonly name = 'DatabaseOwnerMismatchError';
  constructor(
    readonly database: string,
    readonly expected: string | null,
    readonly found: string | null,
  ) {
    super(`database ${database} belongs to another user (name collision); refusing to use it`);
  }
}

export interface OwnerState {
  /** The owner read back from the database, once known. */
  owner: string | null;
  verified: boolean;
  mismatch: DatabaseOwnerMismatchError | null;
  /**
   * This process created the database (the Platform API answered "created" to it): nothing of
   * anyone's can be in it yet, so the claim may ride along on a first request that writes.
   */
  createdHere: boolean;
}

interface HranaValue {
  readonly type: string;
  readonly value?: unknown;
}
interface HranaRequest {
  readonly type: string;
  readonly stmt?: { readonly sql?: string; readonly sql_id?: number };
}
interface HranaResult {
  readonly type: 'ok' | 'error';
  readonly response?: {
    readonly type: string;
    readonly result?: { readonly rows?: readonly (readonly HranaValue[])[] };
  };
  readonly error?: { readonly message: string };
}

const CLAIM_STATEMENTS = (userId: string | null): object[] => [
  {
    type: 'execute',
    stmt: {
      sql: `CREATE TABLE IF NOT EXISTS ${OWNER_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT NOT NULL)`,
      want_rows: false,
    },
  },
  ...(userId === null
    ? []
    : [
        {
          type: 'execute',
          stmt: {
            sql: `INSERT OR IGNORE INTO ${OWNER_TABLE} (id, user_id) VALUES (1, ?)`,
            args: [{ type: 'text', value: userId }],
            want_rows: false,
          },
        },
      ]),
  { type: 'execute', stmt: { sql: `SELECT user_id FROM ${OWNER_TABLE} WHERE id = 1`, want_rows: true } },
];

/** Only plain reads may share a request with the claim: nothing else runs before the owner is known. */
function readOnly(requests: readonly HranaRequest[]): boolean {
  return requests.every(
    (request) =>
      request.type === 'close' ||
      (request.type === 'execute' && typeof request.stmt?.sql === 'string' && /^\s*SELECT\b/i.test(request.stmt.sql)),
  );
}

export interface DatabaseFetchOptions {
  /** The database's name (for messages). */
  readonly database: string;
  /** The user it must belong to; null for fleet work on a listed database (read the owner, claim nothing). */
  readonly userId: string | null;
  readonly owner: OwnerState;
  /** `http(s)://<Hostname>` and the token to send, resolved per request. */
  readonly target: () => Promise<{ readonly origin: string; readonly token: string }>;
  readonly timeoutMs: number;
  /** Called when the database cannot be reached (the provider then looks its hostname up again). */
  readonly onUnreachable?: () => void;
  /** The transport (tests); by default one HTTP connection of this database's own (./http-connection.ts). */
  readonly fetch?: ConnectionFetch;
}

export function databaseFetch(options: DatabaseFetchOptions): typeof fetch {
  const send = options.fetch ?? connectionFetch();
  const { owner } = options;

  const post = async (
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    method: string,
  ): Promise<Response> => {
    try {
      return await send(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      // Unreachable or too slow: the provider's failure, not the caller's (503 PROVIDER_UNAVAILABLE).
      const name = error instanceof Error ? error.name : '';
      const why =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${options.timeoutMs} ms`
          : `network error: ${(error as Error).message}`;
      options.onUnreachable?.();
      throw new ProviderUnavailableError(
        `reach database ${options.database}`,
        `database ${options.database} at ${url.host}: ${why}`,
        null,
      );
    }
  };

  const settle = (results: readonly HranaResult[]): void => {
    const last = results[results.length - 1];
    const failed = results.find((result) => result.type !== 'ok');
    if (failed !== undefined || last === undefined) {
      throw new Error(
        `could not check the owner of database ${options.database}: ${failed?.error?.message ?? 'no answer'}`,
      );
    }
    const cell = last.response?.result?.rows?.[0]?.[0];
    const found = cell !== undefined && cell.type === 'text' && typeof cell.value === 'string' ? cell.value : null;
    if (options.userId !== null && found !== options.userId) {
      owner.mismatch = new DatabaseOwnerMismatchError(options.database, options.userId, found);
      throw owner.mismatch;
    }
    owner.owner = found;
    owner.verified = true;
  };

  const claimAlone = async (origin: string, headers: Record<string, string>): Promise<void> => {
    const response = await post(
      new URL('v2/pipeline', `${origin}/`),
      headers,
      JSON.stringify({ baton: null, requests: [...CLAIM_STATEMENTS(options.userId), { type: 'close' }] }),
      'POST',
    );
    if (!response.ok) {
      const operation = `check the owner of database ${options.database}`;
      throw new ProviderUnavailableError(
        operation,
        `database ${options.database}: could not ${operation}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
        response.status,
      );
    }
    const body = (await response.json()) as { results: HranaResult[] };
    settle(body.results.slice(0, -1));
  };

  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (owner.mismatch !== null) throw owner.mismatch;
    const request = input instanceof Request ? input : new Request(input, init);
    const { origin, token } = await options.target();
    const incoming = new URL(request.url);
    const url = new URL(`${incoming.pathname.replace(/^\/+/, '')}${incoming.search}`, `${origin}/`);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    headers['authorization'] = `Bearer ${token}`;
    let body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();

    let claimed = 0;
    if (!owner.verified && body !== undefined && /\/pipeline$/.test(incoming.pathname)) {
      // A batch never only reads: unless the claim may ride on writes, such a pipeline (a
      // rollout's blind apply, a whole migration) is not parsed just to find that out. A false
      // match (the words inside some SQL) only takes the conservative path below.
      const parsed =
        owner.createdHere || !body.includes('"type":"batch"')
          ? (JSON.parse(body) as { baton?: string | null; requests: HranaRequest[] })
          : null;
      // A new stream (the client omits the baton) whose requests only read.
      if (
        parsed !== null &&
        (parsed.baton === undefined || parsed.baton === null) &&
        (readOnly(parsed.requests) || owner.createdHere)
      ) {
        const claim = CLAIM_STATEMENTS(options.userId);
        claimed = claim.length;
        body = JSON.stringify({ ...parsed, requests: [...claim, ...parsed.requests] });
      } else if (options.userId !== null) {
        await claimAlone(origin, headers);
      }
      // Fleet work (no user to check) only reads the owner where the read rides along for free:
      // a rollout's blind apply is one request, and a request of its own would double it.
    } else if (!owner.verified && options.userId !== null) {
      await claimAlone(origin, headers);
    }

    const response = await post(url, headers, body, request.method);
    if (claimed === 0 || !response.ok) return response;
    const answer = (await response.json()) as { results: HranaResult[] };
    settle(answer.results.splice(0, claimed));
    return new BufferedResponse({ json: answer }, { status: response.status, headers: response.headers });
  };
}

/** Checks the owner on its own request (for paths that must know before anything else runs). */
export async function verifyOwner(options: DatabaseFetchOptions): Promise<void> {
  if (options.owner.mismatch !== null) throw options.owner.mismatch;
  if (options.owner.verified) return;
  const fetchFn = databaseFetch(options);
  // A read-only pipeline carries the claim; `SELECT 1` is the cheapest read there is.
  const response = await fetchFn('http://owner.invalid/v2/pipeline', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      baton: null,
      requests: [{ type: 'execute', stmt: { sql: 'SELECT 1', want_rows: true } }, { type: 'close' }],
    }),
  });
  if (!response.ok)
    throw new Error(`could not check the owner of database ${options.database}: HTTP ${response.status}`);
  await response.arrayBuffer();
}
