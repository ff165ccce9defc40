/**
 * Request logs: one line per request, written when it completes, carrying the request (method,
 * url, host, remote address), the status and the response time (Fastify's default is two lines,
 * "incoming request" and "request completed"; the first is still there at LOG_LEVEL=debug, for
 * finding requests that never complete).
 *
 * A sign-in the cache answered (the user is known to be at the current version: no sync, no
 * database read) is the one request the service serves in bulk with nothing to say; its line is
 * sampled: every LOG_CACHED_SIGN_IN_EVERY-th is written, with `sample_every` so a reader can
 * scale counts (schema_sync_sign_in_cache_hits_total counts them all). Everything else is always
 * logged: any status >= 400, errors, sign-ins that synced, created or read a database.
 */
import {
  LogController,
  type FastifyPluginCallback,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the sign-in route when the cache answered; the request log samples these. */
    cachedSignIn: boolean;
  }
}

export class RequestLogController extends LogController {
  readonly #every: number;
  #cachedSignIns = 0;

  /** `cachedSignInEvery`: log every Nth cached sign-in (1: all, 0: none). */
  constructor(options: { readonly cachedSignInEvery: number }) {
    super();
    this.#every = options.cachedSignInEvery;
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    if (request.cachedSignIn && reply.statusCode < 400 && this.#every !== 1) {
      if (this.#every === 0 || ++this.#cachedSignIns % this.#every !== 0) return;
      reply.log.info(
        { req: request, res: reply, responseTime: reply.elapsedTime, sample_every: this.#every },
        'request completed',
      );
      return;
    }
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** The server option that installs the request log. */
export function requestLogOptions(cachedSignInEvery: number): Pick<FastifyServerOptions, 'logController'> {
  return { logController: new RequestLogController({ cachedSignInEvery }) };
}

/** Declares `request.cachedSignIn` (false until a route says otherwise), so every request has the same shape. */
const requestLogPlugin: FastifyPluginCallback = (fastify, _options, done) => {
  fastify.decorateRequest('cachedSignIn', false);
  done();
};

export default fp(requestLogPlugin, { name: 'request-log', fastify: '5.x' });
