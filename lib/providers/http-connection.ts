/**
 * A `fetch` over one HTTP connection to one origin at a time (an undici `Client`), for one
 * database's requests. Why not the global `fetch`:
 *  - its agent keeps a connection pool per origin for the life of the process, and every Turso
 *    database is an origin of its own, so a fleet run's memory grew with the fleet (about 40 KB a
 *    database, bench/fleet-remote);
 *  - undici's `request` costs about half the CPU of `fetch` per request (no WHATWG request clone
 *    or body streams), and a fleet run's CPU is its cost per database.
 * An idle connection closes after IDLE_MS; the Client, then holding no socket, goes with the
 * function that owns it (a database's client configuration). Answers are read whole (a Hrana
 * answer is one JSON document) and handed back as a BufferedResponse.
 */
import { Client, type Dispatcher } from 'undici';

/** How long an idle connection stays open: a database's requests come in bursts (a sync, a sign-in). */
const IDLE_MS = 2_000;

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** What the database fetch sends: a subset of RequestInit, so `fetch` itself fits too (tests pass one). */
export interface ConnectionRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

export type ConnectionFetch = (url: URL, init: ConnectionRequest) => Promise<Response>;

export function connectionFetch(): ConnectionFetch {
  let client: Client | null = null;
  let origin = '';
  return async (url, init) => {
    if (client === null || origin !== url.origin) {
      void client?.close().catch(() => undefined);
      client = new Client(url.origin, { keepAliveTimeout: IDLE_MS, keepAliveMaxTimeout: IDLE_MS });
      origin = url.origin;
    }
    const answer = await client.request({
      path: `${url.pathname}${url.search}`,
      method: init.method as Dispatcher.HttpMethod,
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal,
    });
    const text = await answer.body.text();
    const headers: [string, string][] = [];
    for (const [key, value] of Object.entries(answer.headers))
      if (value !== undefined) headers.push([key, Array.isArray(value) ? value.join(', ') : value]);
    return new BufferedResponse({ text }, { status: answer.statusCode, headers });
  };
}

/**
 * A Response whose body is already in memory, as text or as the JSON value it holds: reading it
 * goes through no WHATWG stream (what a Response built from a body costs on every read), and a
 * JSON body read, changed and handed on (the owner claim, turso-connection.ts) is not written
 * out and parsed again. It is read once, like any Response; `body` (the stream) is not offered.
 */
export class BufferedResponse extends Response {
  #content: { text: string } | { json: unknown } | null;

  constructor(content: { readonly text: string } | { readonly json: unknown }, init: ResponseInit) {
    super(null, init);
    this.#content = NULL_BODY.has(init.status ?? 200) ? { text: '' } : content;
  }

  #take(): { text: string } | { json: unknown } {
    const content = this.#content;
    if (content === null) throw new TypeError('Body is unusable: Body has already been read');
    this.#content = null;
    return content;
  }

  // Fields, not methods: the DOM typings declare Response's readers as properties.
  override readonly text = async (): Promise<string> => {
    const content = this.#take();
    return 'text' in content ? content.text : JSON.stringify(content.json);
  };

  override readonly json = async (): Promise<unknown> => {
    const content = this.#take();
    return 'json' in content ? content.json : JSON.parse(content.text);
  };

  override readonly arrayBuffer = async (): Promise<ArrayBuffer> => {
    const bytes = Buffer.from(await this.text(), 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  };
}
