/**
 * libSQL for the embedded path without the remote one. `@libsql/client` loads its HTTP and
 * WebSocket clients (Hrana, ws) whatever the URL; for `file:` and `:memory:` databases only the
 * embedded client is needed, and every CLI run and fleet worker process starts about 40 ms sooner
 * without the rest. The error classes are the same objects either way (both re-export
 * @libsql/core's), so `instanceof` holds for errors from remote clients too.
 */
import { createClient as createEmbeddedClient } from '@libsql/client/sqlite3';
import type { Client, Config } from '@libsql/client';

export { LibsqlBatchError, LibsqlError } from '@libsql/client/sqlite3';

/** Whether `url` names an embedded database (a file, or in-memory). */
export function isEmbeddedUrl(url: string): boolean {
  return url.startsWith('file:') || url === ':memory:';
}

/** An embedded database's client; throws for any other URL (see openClient). */
export function createLocalClient(config: Config): Client {
  if (!isEmbeddedUrl(config.url)) throw new TypeError(`not an embedded database URL: ${config.url}`);
  return createEmbeddedClient(config);
}

/** Any database's client: embedded ones without loading the remote client, remote ones with it. */
export async function openClient(config: Config): Promise<Client> {
  if (isEmbeddedUrl(config.url)) return createEmbeddedClient(config);
  // Loaded once: a dynamic import goes through the module loader on every call (a fleet opens
  // thousands of remote clients).
  remoteClient ??= import('@libsql/client');
  const { createClient } = await remoteClient;
  return createClient(config);
}

let remoteClient: Promise<typeof import('@libsql/client')> | undefined;

/**
 * A column value read as text, as SQLite's CAST(x AS TEXT) would give it: text as is, numbers in
 * their decimal form, a blob's bytes as UTF-8; NULL and a missing column as `null`, which the
 * callers' rows never hold where they read text.
 */
export function columnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof ArrayBuffer || value instanceof Uint8Array)
    return Buffer.from(value as Uint8Array).toString('utf8');
  return 'null';
}
