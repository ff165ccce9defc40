/**
 * Where user databases live. The service only ever asks a provider these questions, so the local
 * file provider and the Turso Platform API provider (lib/providers/turso.ts) are interchangeable.
 */
import type { Config } from '@libsql/client';

export interface UserDatabase {
  readonly userId: string;
  /** The provider's name for the database, derived injectively from the user id (lib/naming). */
  readonly name: string;
}

/** A database by name; `userId` is null when the provider cannot tell whose it is without opening it (fleet listings). */
export interface DatabaseRef {
  readonly name: string;
  readonly userId: string | null;
}

/** One entry of a provider's database listing (fleet work). */
export type ListedDatabase = DatabaseRef;

/** What a user's application receives to open its own database. */
export interface DatabaseCredentials {
  readonly url: string;
  /** Empty when the database needs no token (local files). */
  readonly token: string;
}

export interface DatabaseProvider {
  readonly kind: 'local' | 'turso';
  /** Pure: the user's database, without touching it. Throws InvalidUserIdError for a bad id. */
  locate(userId: string): UserDatabase;
  /** Whether the database exists; never creates it. */
  exists(db: UserDatabase): Promise<boolean>;
  /**
   * Creates the database when missing. Safe to race, also across processes: exactly one caller
   * sees `created: true`.
   */
  ensure(db: UserDatabase): Promise<{ readonly created: boolean }>;
  /** How the service itself connects (for `createClient`); a listed database works too (fleet runs). */
  clientConfig(db: DatabaseRef): Config;
  /** What the user's application is handed on sign-in. */
  credentials(db: UserDatabase): Promise<DatabaseCredentials>;
  /**
   * Optional: starts getting what `credentials` will need (Turso: the token mint) so it overlaps
   * the sync instead of following it. Never throws; `credentials` meets any failure again.
   */
  prepareCredentials?(db: UserDatabase): void;
  /**
   * Every user database the provider holds, page by page (local: the files in DATA_DIR; Turso: the
   * databases of TURSO_GROUP, following the API's pagination). For fleet runners.
   */
  listDatabases(): AsyncIterable<ListedDatabase>;
  /** Optional start-up work (Turso: mint the group token); must not throw for an unavailable provider. */
  start?(): Promise<void>;
  /**
   * Optional background work after a start (Turso: learn hostnames from the listing). Resolves to
   * how many databases it learnt; rejects when the provider could not be read.
   */
  warmUp?(): Promise<number>;
  /** Throws when the provider cannot serve requests (readiness probe). */
  check(): Promise<void>;
  close(): Promise<void>;
}
