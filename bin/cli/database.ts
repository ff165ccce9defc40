/**
 * Opens the --db database. A local path is checked before the driver sees it, so a bad one gets
 * a sentence naming it and nothing is created: only `apply` may create the file, and only in a
 * directory that already exists.
 */
import { accessSync, closeSync, constants, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Client } from '@libsql/client';
import { createLocalClient } from '../../lib/libsql.js';
import { DatabaseUnavailableError, describeError, UsageError } from './errors.js';
import { displayDb } from './options.js';

export interface OpenOptions {
  readonly authToken: string | undefined;
  /** Whether a missing local file may be created (apply) or is an error (inspect, plan). */
  readonly create: boolean;
}

const SQLITE_HEADER = 'SQLite format 3\0';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The first 16 bytes: an empty file is an empty database to SQLite, anything else needs the header. */
function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(16);
    const read = readSync(fd, buffer, 0, 16, 0);
    return read === 0 || buffer.toString('latin1', 0, read) === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/** Refuses a local path that cannot be the database, before anything touches the disk. */
function checkLocalPath(path: string, create: boolean): void {
  const absolute = resolve(path);
  const stat = statOrNull(absolute);
  if (stat === null) {
    if (!create) throw new DatabaseUnavailableError(`no database at ${path}`);
    const directory = dirname(absolute);
    const parent = statOrNull(directory);
    if (parent === null)
      throw new DatabaseUnavailableError(`cannot create the database ${path}: directory ${directory} does not exist`);
    if (!parent.isDirectory())
      throw new DatabaseUnavailableError(`cannot create the database ${path}: ${directory} is not a directory`);
    if (!canAccess(directory, constants.W_OK))
      throw new DatabaseUnavailableError(`cannot create the database ${path}: directory ${directory} is not writable`);
    return;
  }
  if (stat.isDirectory()) throw new DatabaseUnavailableError(`${path} is a directory, not a database file`);
  if (!stat.isFile()) throw new DatabaseUnavailableError(`${path} is not a regular file`);
  if (!canAccess(absolute, constants.R_OK))
    throw new DatabaseUnavailableError(`cannot read the database ${path}: permission denied`);
  let header: boolean;
  try {
    header = hasSqliteHeader(absolute);
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot read the database ${path}: ${(error as Error).message}`);
  }
  if (!header) throw new DatabaseUnavailableError(`${path} is not a libSQL/SQLite database`);
  if (create && !canAccess(absolute, constants.W_OK))
    throw new DatabaseUnavailableError(`cannot write the database ${path}: permission denied`);
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function openDatabase(url: string, options: OpenOptions): Promise<Client> {
  if (url.startsWith('file:')) {
    // file:path, file:///abs/path; a ?query (mode=ro…) is the driver's business, not part of the path.
    const path = decodePath(
      url
        .slice('file:'.length)
        .replace(/^\/\/(?=\/)/, '')
        .replace(/\?.*$/, ''),
    );
    if (path === '' || path.startsWith(':memory:'))
      throw new UsageError('--db needs a file path, e.g. file:./user.db', false);
    checkLocalPath(path, options.create);
    try {
      return createLocalClient({ url, timeout: 5000 });
    } catch (error) {
      throw new DatabaseUnavailableError(describeError(error, url));
    }
  }
  if (/^(libsql|https?|wss?):\/\/[^/?#]+/.test(url)) {
    // The remote client loads only for a remote URL (see lib/libsql.ts).
    const { createClient } = await import('@libsql/client');
    try {
      return createClient(options.authToken === undefined ? { url } : { url, authToken: options.authToken });
    } catch (error) {
      throw new DatabaseUnavailableError(`--db ${displayDb(url)}: ${describeError(error, url)}`);
    }
  }
  throw new UsageError(`--db must be a file:<path> or libsql://… URL, not "${displayDb(url)}"`, false);
}
