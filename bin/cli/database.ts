/** Opens the --db database; only `apply` may create a local file that does not exist yet. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { UsageError } from './errors.js';

export interface OpenOptions {
  readonly authToken: string | undefined;
  /** Whether a missing local file may be created (apply) or is an error (inspect, plan). */
  readonly create: boolean;
}

export function openDatabase(url: string, options: OpenOptions): Client {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '' || path.startsWith(':memory:')) throw new UsageError('--db needs a file path, e.g. file:./user.db', false);
    if (!options.create && !existsSync(resolve(path))) throw new Error(`no database at ${path}`);
    return createClient({ url, timeout: 5000 });
  }
  if (/^(libsql|https?|wss?):\/\//.test(url)) {
    return createClient(options.authToken === undefined ? { url } : { url, authToken: options.authToken });
  }
  throw new UsageError(`--db must be a file:<path> or libsql://… URL, not "${url}"`, false);
}
