/**
 * The application's schema versions, loaded and validated once at start-up: a bad registry
 * (RegistryError, naming the file) fails `ready()` so the service never starts half-configured.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { VersionTarget } from '../lib/sync.js';
import { loadRegistry, type SchemaRegistry } from '../schema/registry.js';
import { targetOf } from '../lib/target.js';

declare module 'fastify' {
  interface FastifyInstance {
    schemaRegistry: SchemaRegistry;
    /** The current version as the engine's target: what every sync brings a database to. */
    syncTarget: VersionTarget;
  }
}

export interface SchemaRegistryPluginOptions {
  /** SCHEMA_DIR: `<semver>.sql` files replacing the built-in versions. */
  readonly schemaDir?: string | undefined;
}

const schemaRegistryPlugin: FastifyPluginAsync<SchemaRegistryPluginOptions> = async (fastify, options) => {
  const registry = await loadRegistry({ schemaDir: options.schemaDir });
  fastify.decorate('schemaRegistry', registry);
  fastify.decorate('syncTarget', targetOf(registry));
  fastify.log.info(
    {
      current_version: registry.current.version,
      versions: registry.versions.length,
      schema_dir: options.schemaDir ?? null,
    },
    'schema registry loaded',
  );
};

export default fp(schemaRegistryPlugin, { name: 'schema-registry', fastify: '5.x' });
