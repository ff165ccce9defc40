/**
 * Local provider: one embedded libSQL file per user, `DATA_DIR/<name>.db`. No server needed.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '@libsql/client';
import { databaseNameFor, userIdForDatabaseName } from '../naming.js';
import type { DatabaseCredentials, DatabaseProvider, DatabaseRef, ListedDatabase, UserDatabase } from './types.js';

export interface LocalProviderOptions {
  readonly dataDir: string;
  /** How long a query waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
}

export interface LocalProvider extends DatabaseProvider {
  readonly kind: 'local';
  readonly dataDir: string;
  /** Absolute path of the user's database file. */
  pathOf(db: DatabaseRef): string;
}

export function createLocalProvider(options: LocalProviderOptions): LocalProvider {
  const dataDir = resolve(options.dataDir);
  let madeDir: Promise<unknown> | null = null;
  const ensureDir = (): Promise<unknown> =>
    (madeDir ??= mkdir(dataDir, { recursive: true }).catch((error: unknown) => {
      madeDir = null; // let a later call retry, e.g. once permissions are fixed
      throw error;
    }));

  const pathOf = (db: DatabaseRef): string => {
    const path = join(dataDir, `${db.name}.db`);
    // Names are [a-z0-9_-] so this cannot happen; checked anyway because it guards the file system.
    if (dirname(path) !== dataDir) throw new Error(`database name ${JSON.stringify(db.name)} escapes DATA_DIR`);
    return path;
  };
  // A file name is [a-z0-9_-] + '.db', which a URL spells as is: the directory's URL is computed once,
  // not the whole path's on every sign-in.
  const dataDirUrl = pathToFileURL(join(dataDir, '/')).href;
  const urlOf = (db: DatabaseRef): string => dataDirUrl + basename(pathOf(db));

  return {
    kind: 'local',
    dataDir,
    pathOf,
    locate(userId: string): UserDatabase {
      return { userId, name: databaseNameFor(userId) };
    },
    async exists(db: UserDatabase): Promise<boolean> {
      try {
        return (await stat(pathOf(db))).isFile();
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return false;
        throw error;
      }
    },
    async ensure(db: UserDatabase): Promise<{ created: boolean }> {
      await ensureDir();
      try {
        // O_CREAT|O_EXCL: the file system decides the one creator, even across processes.
        // An empty file is a valid, empty SQLite database.
        const handle = await open(pathOf(db), 'wx');
        await handle.close();
        return { created: true };
      } catch (error) {
        if (isErrno(error, 'EEXIST')) return { created: false };
        throw error;
      }
    },
    clientConfig(db: DatabaseRef): Config {
      return { url: urlOf(db), timeout: options.busyTimeoutMs };
    },
    async credentials(db: UserDatabase): Promise<DatabaseCredentials> {
      return { url: urlOf(db), token: '' };
    },
    async *listDatabases(): AsyncGenerator<ListedDatabase> {
      let files: string[];
      try {
        files = (await readdir(dataDir)).sort();
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return;
        throw error;
      }
      for (const file of files) {
        if (!file.endsWith('.db')) continue;
        const name = file.slice(0, -'.db'.length);
        // Only names the encoding produced are user databases (the name decodes to the id).
        const userId = userIdForDatabaseName(name);
        if (userId !== null) yield { name, userId };
      }
    },
    async check(): Promise<void> {
      await ensureDir();
      await access(dataDir, constants.R_OK | constants.W_OK);
    },
    async close(): Promise<void> {},
  };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
