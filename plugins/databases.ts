/**
 * User databases: the provider that knows where they live and a bounded pool of open clients.
 * Named after Turso's database-per-tenant model: `DB_PROVIDER=local` keeps libSQL files under
 * DATA_DIR, `DB_PROVIDER=turso` one Turso database per user through the Platform API.
 */
import { createClient, type Client, type Config } from '@libsql/client';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ClientPool } from '../lib/pool.js';
import { createProvider } from '../lib/providers/create.js';
import type { DatabaseProvider, UserDatabase } from '../lib/providers/types.js';
import type { AppConfig } from '../lib/config/load.js';

export interface UserDatabases {
  readonly provider: DatabaseProvider;
  /** Runs `fn` with a pooled client for the user's database (which must exist: opening creates it). */
  readonly withClient: <R>(db: UserDatabase, fn: (client: Client) => Promise<R>) => Promise<R>;
  /** Open clients right now (for tests and metrics). */
  readonly openClients: () => number;
  /** Settles when the provider's background warm-up has ended: how many databases it learnt (0: none ran or it failed). */
  readonly warmedUp: Promise<number>;
}

declare module 'fastify' {
  interface FastifyInstance {
    databases: UserDatabases;
  }
}

export interface DatabasesPluginOptions {
  readonly config: AppConfig;
  /** Replaces the configured provider (tests, and the Turso provider once it exists). */
  readonly provider?: DatabaseProvider;
  /** Replaces `createClient` (tests count round trips through it). */
  readonly createClient?: (config: Config) => Client;
}

const databasesPlugin: FastifyPluginAsync<DatabasesPluginOptions> = async (fastify, options) => {
  const provider = options.provider ?? createProvider(options.config);
  const open = options.createClient ?? createClient;
  // The Turso provider mints its group token now; a failure leaves /ready at 503 and is retried on use.
  if (provider.start !== undefined) {
    await provider.start();
    await provider.check().catch((error: unknown) => fastify.log.error({ err: error }, 'database provider not ready'));
  }
  // In the background: sign-ins are served meanwhile, on demand, as without it.
  const warmedUp =
    options.config.turso?.warmHostnames === true && provider.warmUp !== undefined
      ? provider.warmUp().then(
          (learnt) => {
            fastify.log.info({ databases: learnt }, 'learnt database hostnames from the provider listing');
            return learnt;
          },
          (error: unknown) => {
            fastify.log.warn({ err: error }, 'reading the provider listing failed; hostnames are looked up on demand');
            return 0;
          },
        )
      : Promise.resolve(0);
  const pool = new ClientPool<Client>({
    max: options.config.pool.size,
    idleMs: options.config.pool.idleMs,
    close: (client) => client.close(),
    onCloseError: (error, name) => fastify.log.warn({ err: error, database: name }, 'closing a database client failed'),
  });

  fastify.decorate('databases', {
    provider,
    withClient: <R>(db: UserDatabase, fn: (client: Client) => Promise<R>) =>
      pool.use(db.name, () => open(provider.clientConfig(db)), fn),
    openClients: () => pool.size,
    warmedUp,
  } satisfies UserDatabases);

  fastify.addHook('onClose', async () => {
    await pool.close();
    await provider.close();
  });
};

export default fp(databasesPlugin, { name: 'databases', fastify: '5.x' });
