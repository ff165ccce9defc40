/**
 * Turso provider: one Turso database per user, in `TURSO_GROUP`, through the Platform API.
 *
 * - Names: a readable prefix plus a long hash of the id (lib/naming.ts); each database records its
 *   owner and a mismatch is refused (./turso-connection.ts).
 * - Hostnames come from the API (the create answer, a lookup or the group's listing) and are cached;
 *   absence never is: a database another replica created is seen on the next lookup. `warmUp`
 *   reads the listing in the background after a start, so a returning user's first sign-in needs
 *   neither the create ("already exists") nor the lookup.
 * - The service connects with the group token (`TURSO_GROUP_TOKEN`, or minted and renewed); users
 *   get a token for their database alone, minted at most once per database per process until the
 *   last quarter of its life.
 */
import type { Config } from '@libsql/client';
import { BoundedMap } from '../bounded-map.js';
import { tursoDatabaseNameFor, tursoNameBudget, TURSO_HASH_LENGTH } from '../naming.js';
import { ProviderUnavailableError } from './errors.js';
import { PlatformApi, type ApiDatabase, type PlatformApiOptions } from './turso-api.js';
import { databaseFetch, DatabaseOwnerMismatchError, verifyOwner, type OwnerState } from './turso-connection.js';
import { parseExpiration, TokenCache } from './turso-tokens.js';
import type { DatabaseCredentials, DatabaseProvider, DatabaseRef, ListedDatabase, UserDatabase } from './types.js';

export interface TursoProviderOptions {
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly org: string;
  readonly group: string;
  /** `false`: connect to and hand out `http://<Hostname>` (local servers). */
  readonly tls: boolean;
  /** Given: used as is; otherwise minted at start and renewed. */
  readonly groupToken: string | undefined;
  /** Lifetime of the database tokens users get, Turso syntax (`7d`). */
  readonly tokenExpiration: string;
  /** Lifetime of a minted group token. */
  readonly groupTokenExpiration?: string;
  /** Timeout of one request to a database. */
  readonly databaseTimeoutMs?: number;
  /** Platform API tuning (tests shorten the retry budget). */
  readonly api?: Partial<Omit<PlatformApiOptions, 'baseUrl' | 'org' | 'token'>>;
  readonly fetch?: typeof fetch;
}

export interface TursoProvider extends DatabaseProvider {
  readonly kind: 'turso';
  readonly api: PlatformApi;
  /** Mints the group token unless one was given; failures are kept for check() and retried on use. */
  start(): Promise<void>;
  /** Token mints this process made (database and group). */
  readonly tokenMints: () => number;
  /**
   * Learns the group's hostnames from its listing, page by page, until the cache is full or the
   * provider is closed. Resolves to the number learnt; a failed page ends it early (rejects).
   */
  warmUp(): Promise<number>;
}

const GROUP_KEY = 'group';
const CACHE_MAX = 100_000;

export function createTursoProvider(options: TursoProviderOptions): TursoProvider {
  if (tursoNameBudget(options.org) < TURSO_HASH_LENGTH) {
    throw new RangeError(
      `TURSO_ORG ${JSON.stringify(options.org)} is too long: "<database>-<org>" must fit one 63-character DNS label`,
    );
  }
  const userTokenLifetime = parseExpiration(options.tokenExpiration);
  const groupExpiration = options.groupTokenExpiration ?? '7d';
  const groupTokenLifetime = parseExpiration(groupExpiration);
  const api = new PlatformApi({
    ...options.api,
    baseUrl: options.apiUrl,
    org: options.org,
    token: options.apiToken,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const scheme = options.tls ? 'https' : 'http';
  const handedScheme = options.tls ? 'libsql' : 'http';
  const tokens = new TokenCache();
  if (options.groupToken !== undefined) tokens.setStatic(GROUP_KEY, options.groupToken);
  // Bounded: a forgotten hostname is looked up again, a forgotten owner checked again.
  const hostnames = new BoundedMap<string, string>(CACHE_MAX);
  const owners = new BoundedMap<string, OwnerState>(CACHE_MAX);
  let groupFailure: Error | null = null;
  let closed = false;

  const groupToken = (): Promise<string> =>
    tokens
      .get(GROUP_KEY, async () => ({
        token: await api.mintGroupToken(options.group, groupExpiration),
        lifetimeMs: groupTokenLifetime,
      }))
      .then(
        (token) => {
          groupFailure = null;
          return token;
        },
        (error: unknown) => {
          groupFailure = error instanceof Error ? error : new Error(String(error));
          throw error;
        },
      );

  const remember = (database: ApiDatabase): string => {
    hostnames.set(database.Name, database.Hostname);
    return database.Hostname;
  };

  /** The hostname, from the cache or the API; null when the database does not exist. */
  const lookup = async (name: string): Promise<string | null> => {
    const cached = hostnames.get(name);
    if (cached !== undefined) return cached;
    const found = await api.getDatabase(name);
    if (found === null) return null;
    if (found.group !== undefined && found.group !== options.group) {
      throw new ProviderUnavailableError(
        `look up database ${name}`,
        `database ${name} exists in group ${found.group}, not in TURSO_GROUP ${options.group}`,
        200,
      );
    }
    return remember(found);
  };

  const ownerOf = (name: string): OwnerState => {
    let state = owners.get(name);
    if (state === undefined) {
      state = { owner: null, verified: false, mismatch: null, createdHere: false };
      owners.set(name, state);
    }
    return state;
  };

  const userToken = (db: UserDatabase): Promise<string> =>
    tokens.get(`db:${db.name}`, async () => ({
      token: await api.mintDatabaseToken(db.name, options.tokenExpiration, 'full-access'),
      lifetimeMs: userTokenLifetime,
    }));

  /** The group's databases, page by page; every hostname read is remembered. */
  async function* listGroup(): AsyncGenerator<ListedDatabase> {
    for await (const database of api.listDatabases({ group: options.group, limit: 100 })) {
      remember(database);
      const owner = owners.get(database.Name);
      yield { name: database.Name, userId: owner?.verified ? owner.owner : null };
    }
  }

  const fetchOptions = (db: DatabaseRef) => ({
    database: db.name,
    userId: db.userId,
    owner: ownerOf(db.name),
    target: async () => {
      const hostname = await lookup(db.name);
      if (hostname === null) throw new Error(`database ${db.name} does not exist`);
      return { origin: `${scheme}://${hostname}`, token: await groupToken() };
    },
    timeoutMs: options.databaseTimeoutMs ?? 20_000,
    onUnreachable: () => hostnames.delete(db.name),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });

  return {
    kind: 'turso',
    api,
    tokenMints: () => tokens.mints,

    async start(): Promise<void> {
      await groupToken().catch(() => undefined);
    },

    locate(userId: string): UserDatabase {
      return { userId, name: tursoDatabaseNameFor(userId, options.org) };
    },

    async exists(db: UserDatabase): Promise<boolean> {
      await groupToken();
      return (await lookup(db.name)) !== null;
    },

    async ensure(db: UserDatabase): Promise<{ created: boolean }> {
      // The group token first: without it nothing can be served, so fail before creating anything.
      await groupToken();
      if (hostnames.get(db.name) !== undefined) return { created: false };
      // Create first: a new user costs one create; for an existing one "already exists" is
      // success and the hostname comes from a lookup (never from the name).
      const answer = await api.createDatabase(db.name, options.group);
      if ('created' in answer) {
        remember(answer.created);
        ownerOf(db.name).createdHere = true;
        return { created: true };
      }
      // Another replica (or process) created it first: success. Its hostname comes from the API,
      // which may not list a database that is still being created: look again for a few seconds.
      let hostname = await lookup(db.name);
      for (let wait = 100; hostname === null && wait <= 1_600; wait *= 2) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        hostname = await lookup(db.name);
      }
      if (hostname === null) {
        throw new ProviderUnavailableError(
          `create database ${db.name}`,
          `Turso Platform API: create database ${db.name} answered "already exists" but the database cannot be found`,
          409,
        );
      }
      return { created: false };
    },

    clientConfig(db: DatabaseRef): Config {
      const hostname = hostnames.get(db.name) ?? `${db.name}.pending.invalid`;
      // The URL is a placeholder until the hostname is known; the fetch sends every request to
      // the hostname the API gave, with the current group token.
      return { url: `${scheme}://${hostname}`, fetch: databaseFetch(fetchOptions(db)) };
    },

    async credentials(db: UserDatabase): Promise<DatabaseCredentials> {
      const hostname = await lookup(db.name);
      if (hostname === null) throw new Error(`database ${db.name} does not exist`);
      // Never hand out a database before it is known to be this user's.
      await verifyOwner(fetchOptions(db));
      return { url: `${handedScheme}://${hostname}`, token: await userToken(db) };
    },

    prepareCredentials(db: UserDatabase): void {
      // Minting before the owner is verified is safe: the token is handed out only by credentials().
      userToken(db).catch(() => undefined);
    },

    async warmUp(): Promise<number> {
      // The listing remembers every hostname it reads. It stops at the cache's bound: past it,
      // every further entry would evict one learnt on demand since.
      const listing = listGroup();
      let learnt = 0;
      try {
        while (!closed && learnt < CACHE_MAX && !(await listing.next()).done) learnt++;
      } finally {
        await listing.return(undefined);
      }
      return learnt;
    },

    listDatabases: listGroup,

    async check(): Promise<void> {
      // Renew in the background when due; readiness answers now.
      if (tokens.peek(GROUP_KEY) === null) void groupToken().catch(() => undefined);
      if (tokens.valid(GROUP_KEY) !== null) return;
      throw new Error(
        `no group token for ${options.group}${groupFailure === null ? ' yet' : `: ${groupFailure.message}`}`,
      );
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}

export { DatabaseOwnerMismatchError, ProviderUnavailableError };
