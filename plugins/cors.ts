/**
 * Browser clients on other origins (CORS, @fastify/cors): only the origins in CORS_ORIGINS, none by
 * default. Tokens travel in the Authorization header, never in cookies, so credentials stay off; a
 * preflight may ask for Authorization and Content-Type, and a page may read Retry-After and the
 * rate-limit headers. Registered before the rate limiter and the routes, so that refusals (401, 429,
 * 503) carry the CORS headers too and the page's SDK can read why.
 */
import cors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** How long a browser may reuse a preflight answer (s). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export const CORS_EXPOSED_HEADERS = [
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
] as const;

const corsPlugin: FastifyPluginAsync = async (fastify) => {
  const origins = fastify.config.corsOrigins;
  if (origins.length === 0) return;
  await fastify.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
};

export default fp(corsPlugin, { name: 'cors', fastify: '5.x', dependencies: ['config'] });
