/** The `fastify.config` decoration: the configuration plugins read after start-up (lib/config/load.ts builds it). */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../lib/config/load.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
  }
}

const configPlugin: FastifyPluginAsync<{ config: AppConfig }> = async (fastify, { config }) => {
  fastify.decorate('config', config);
};

export default fp(configPlugin, { name: 'config', fastify: '5.x' });
