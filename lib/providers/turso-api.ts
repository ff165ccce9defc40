/**
 * The Turso Platform API calls the provider makes, over `fetch`, with a timeout on every attempt,
 * retries with backoff and jitter on 408, 429, 5xx and network errors (honouring `Retry-After`),
 * and a time budget per call after which the caller gets a ProviderUnavailableError naming the
 * call and the last failure.
 *
 * Why not `@tursodatabase/api` (2.0.5) here: its `request()` has no timeout or AbortSignal, drops
 * the response headers (so `Retry-After` cannot be honoured), loses the status of an error whose
 * body is not JSON, and `databases.list()` does not paginate. Every call below needs all four, so
 * this module calls the same documented endpoints itself; the tests check the local Platform API
 * stand-in against the official client, so both speak the same protocol.
 */
import { ProviderUnavailableError } from './errors.js';

export interface PlatformApiOptions {
  /** `TURSO_API_URL`, e.g. `https://api.turso.tech` (a trailing `/v1` is accepted). */
  readonly baseUrl: string;
  readonly org: string;
  readonly token: string;
  /** Longest wait for one attempt. */
  readonly attemptTimeoutMs?: number;
  /** Longest time one call may take, retries included. */
  readonly callBudgetMs?: number;
  /** Longest wait between attempts, `Retry-After` included. */
  readonly maxDelayMs?: number;
  readonly baseDelayMs?: number;
  readonly maxAttempts?: number;
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** The database as the Platform API describes it (the fields the provider reads). */
export interface ApiDatabase {
  readonly Name: string;
  readonly DbId: string;
  readonly Hostname: string;
  readonly group?: string;
}

interface Attempt {
  readonly status: number | null;
  readonly body: unknown;
  readonly retryAfterMs: number | null;
  readonly failure: string | null;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function errorText(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
    return (body as { error: string }).error;
  }
  return typeof body === 'string' && body !== '' ? body.slice(0, 200) : '';
}

export class PlatformApi {
  readonly #base: URL;
  readonly #org: string;
  readonly #token: string;
  readonly #attemptTimeoutMs: number;
  readonly #budgetMs: number;
  readonly #maxDelayMs: number;
  readonly #baseDelayMs: number;
  readonly #maxAttempts: number;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: PlatformApiOptions) {
    const base = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#base = new URL(`${base}/v1/`);
    this.#org = options.org;
    this.#token = options.token;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 8_000;
    // Three calls at most stand between a sign-in and its answer (lookup, create, token):
    // 9 s each keeps a failing sign-in's 503 inside 30 s.
    this.#budgetMs = options.callBudgetMs ?? 9_000;
    this.#maxDelayMs = options.maxDelayMs ?? 3_000;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  get org(): string {
    return this.#org;
  }

  /** The database, or null when the API says it does not exist (404). */
  async getDatabase(name: string): Promise<ApiDatabase | null> {
    const { status, body } = await this.#call(
      `look up database ${name}`,
      'GET',
      `databases/${encodeURIComponent(name)}`,
      { ok: [200, 404] },
    );
    return status === 404 ? null : databaseOf(body, `look up database ${name}`);
  }

  /** Creates the database in `group`; `exists` when the name is taken (409, or 422 as Turso's CLI reads it). */
  async createDatabase(
    name: string,
    group: string,
  ): Promise<{ readonly created: ApiDatabase } | { readonly exists: true }> {
    const operation = `create database ${name}`;
    const { status, body } = await this.#call(operation, 'POST', 'databases', {
      body: { name, group },
      ok: [200, 201, 409, 422],
    });
    if (status === 409 || status === 422) return { exists: true };
    return { created: databaseOf(body, operation) };
  }

  async deleteDatabase(name: string): Promise<boolean> {
    const { status } = await this.#call(`delete database ${name}`, 'DELETE', `databases/${encodeURIComponent(name)}`, {
      ok: [200, 404],
    });
    return status === 200;
  }

  /** Every database, following `pagination.next` the way Turso's CLI does; `group` filters. */
  async *listDatabases(
    options: { readonly group?: string; readonly limit?: number } = {},
  ): AsyncGenerator<ApiDatabase> {
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (;;) {
      const query: Record<string, string> = {};
      if (options.group !== undefined) query['group'] = options.group;
      if (options.limit !== undefined) query['limit'] = String(options.limit);
      if (cursor !== null) query['cursor'] = cursor;
      const operation = `list databases${cursor === null ? '' : ` (cursor ${cursor})`}`;
      const { body } = await this.#call(operation, 'GET', 'databases', { query });
      const page = body as { databases?: unknown; pagination?: { next?: unknown } | null };
      if (!Array.isArray(page.databases))
        throw new ProviderUnavailableError(
          operation,
          `Turso Platform API: ${operation}: the answer has no databases list`,
          200,
        );
      for (const item of page.databases as unknown[]) {
        const database = databaseOf({ database: item }, operation);
        // A filter the API ignored must not widen a fleet run past the group.
        if (options.group === undefined || database.group === undefined || database.group === options.group)
          yield database;
      }
      const next = page.pagination?.next;
      if (typeof next !== 'string' || next === '') return;
      if (seen.has(next))
        throw new ProviderUnavailableError(
          operation,
          `Turso Platform API: ${operation}: the cursor ${next} repeats`,
          200,
        );
      seen.add(next);
      cursor = next;
    }
  }

  /** A token for one database (`authorization` `full-access` or `read-only`). */
  async mintDatabaseToken(
    name: string,
    expiration: string,
    authorization: 'full-access' | 'read-only' = 'full-access',
  ): Promise<string> {
    const operation = `create a token for database ${name}`;
    const { body } = await this.#call(operation, 'POST', `databases/${encodeURIComponent(name)}/auth/tokens`, {
      query: { expiration, authorization },
      body: {},
    });
    return jwtOf(body, operation);
  }

  /** A token for every database of a group. */
  async mintGroupToken(group: string, expiration: string): Promise<string> {
    const operation = `create a token for group ${group}`;
    const { body } = await this.#call(operation, 'POST', `groups/${encodeURIComponent(group)}/auth/tokens`, {
      query: { expiration, authorization: 'full-access' },
      body: {},
    });
    return jwtOf(body, operation);
  }

  async #call(
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { readonly query?: Record<string, string>; readonly body?: unknown; readonly ok?: readonly number[] } = {},
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(`organizations/${encodeURIComponent(this.#org)}/${path}`, this.#base);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const ok = options.ok ?? [200, 201];
    const deadline = this.#now() + this.#budgetMs;
    let last: Attempt | null = null;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const remaining = deadline - this.#now();
      if (remaining <= 0) break;
      last = await this.#attempt(url, method, options.body, Math.min(this.#attemptTimeoutMs, remaining));
      if (last.status !== null && ok.includes(last.status)) return { status: last.status, body: last.body };
      if (last.status !== null && !RETRYABLE(last.status)) {
        throw new ProviderUnavailableError(
          operation,
          `Turso Platform API: ${operation} failed: ${describe(last)}`,
          last.status,
        );
      }
      const backoff = this.#random() * Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.min(this.#maxDelayMs, last.retryAfterMs ?? backoff);
      if (attempt === this.#maxAttempts || this.#now() + delay >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    const tries = last === null ? 'no attempt fitted the time budget' : describe(last);
    throw new ProviderUnavailableError(
      operation,
      `Turso Platform API: ${operation} failed after retrying for up to ${Math.round(this.#budgetMs / 1000)} s: ${tries}`,
      last?.status ?? null,
      last?.retryAfterMs ?? null,
    );
  }

  async #attempt(url: URL, method: string, body: unknown, timeoutMs: number): Promise<Attempt> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // A proxy's HTML error page: keep the text for the message.
      }
      return {
        status: response.status,
        body: parsed,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#now()),
        failure: null,
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const failure =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${timeoutMs} ms`
          : `network error: ${networkCause(error)}`;
      return { status: null, body: null, retryAfterMs: null, failure };
    }
  }
}

function describe(attempt: Attempt): string {
  if (attempt.status === null) return attempt.failure ?? 'no answer';
  const text = errorText(attempt.body);
  return `HTTP ${attempt.status}${text === '' ? '' : ` ${JSON.stringify(text)}`}`;
}

function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

function databaseOf(body: unknown, operation: string): ApiDatabase {
  const database = typeof body === 'object' && body !== null ? (body as { database?: unknown }).database : undefined;
  const record = typeof database === 'object' && database !== null ? (database as Record<string, unknown>) : null;
  if (
    record === null ||
    typeof record['Name'] !== 'string' ||
    typeof record['Hostname'] !== 'string' ||
    record['Hostname'] === ''
  ) {
    throw new ProviderUnavailableError(
      operation,
      `Turso Platform API: ${operation}: the answer has no database Name and Hostname`,
      200,
    );
  }
  return {
    Name: record['Name'],
    DbId: typeof record['DbId'] === 'string' ? record['DbId'] : '',
    Hostname: record['Hostname'],
    ...(typeof record['group'] === 'string' ? { group: record['group'] } : {}),
  };
}

function jwtOf(body: unknown, operation: string): string {
  const jwt = typeof body === 'object' && body !== null ? (body as { jwt?: unknown }).jwt : undefined;
  if (typeof jwt !== 'string' || jwt === '')
    throw new ProviderUnavailableError(operation, `Turso Platform API: ${operation}: the answer has no jwt`, 200);
  return jwt;
}
