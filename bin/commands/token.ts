/**
 * `token`: mints a JWT the running service accepts, signed with the configured JWT_SECRET. The
 * environment is read with the service's own loadConfig (same variables, same validation) and the
 * token signed with the service's own jwtOptions (same algorithm, issuer and audience), so a token
 * from here is exactly one the service verifies.
 *
 * Exit codes: 0 token printed, 1 refused (no secret to sign with: the message says what to set),
 * 2 usage error.
 */
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/errors.js';
import { EXIT } from '../cli/exit.js';
import { flag, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { checkUserId } from '../../lib/naming.js';
import { ADMIN_SCOPE } from '../../lib/config/admin-scope.js';
import type { AppConfig } from '../../lib/config/load.js';

const DEFAULT_EXPIRES = '1h';
const SPAN = /^([1-9]\d{0,6})(s|m|h|d)$/;
const SPAN_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** A refusal that is not a usage mistake: exit 1, message as is. */
class SigningRefused extends Error {
  override readonly name = 'SigningRefused';
}

function expiresInSeconds(text: string): number {
  const span = SPAN.exec(text);
  if (!span) throw new UsageError(`--expires must look like 30m, 1h or 7d, not "${text}"`);
  return Number(span[1]) * (SPAN_SECONDS[span[2] as string] as number);
}

/**
 * The secret to sign with, or why there is none a service would share. The configuration and
 * signing modules (env-schema, Fastify, @fastify/jwt) load only when this command runs: every
 * other command starts faster without them.
 */
async function signingConfig(env: Readonly<Record<string, string | undefined>>): Promise<AppConfig> {
  const { ConfigError, loadConfig } = await import('../../lib/config/load.js');
  let config: AppConfig;
  try {
    config = loadConfig({ ...env });
  } catch (error) {
    if (error instanceof ConfigError) throw new SigningRefused(error.message);
    throw error;
  }
  if (config.jwt.mode === 'public-key') {
    throw new SigningRefused(
      'refusing to sign: JWT_PUBLIC_KEY is configured, so the service accepts only tokens signed with the matching ' +
        'private key, which your identity provider holds; get a token there, or run the service with JWT_SECRET instead',
    );
  }
  if (config.jwt.mode === 'jwks') {
    throw new SigningRefused(
      'refusing to sign: JWT_JWKS_URL is configured, so the service accepts only tokens your identity provider signs ' +
        'with the keys it publishes there; get a token from the identity provider, or run the service with JWT_SECRET instead',
    );
  }
  if (config.jwt.ephemeral) {
    throw new SigningRefused(
      'refusing to sign: no JWT_SECRET is set, and a service started without one invents a random secret on each ' +
        'start that no other process knows; set JWT_SECRET (at least 32 characters) for the service and for this ' +
        'command, or use the admin token the service prints at start-up',
    );
  }
  return config;
}

export const token: Command = {
  summary: 'mint a JWT for a user (or an admin) that the service accepts, signed with JWT_SECRET',
  synopsis: '--sub <user_id> [--admin] [--expires 1h] [--json]',
  options: {
    sub: { type: 'string' },
    admin: { type: 'boolean' },
    expires: { type: 'string' },
  },
  help: [
    ['--sub <user_id>', "the token's subject: the user it may act for"],
    ['--admin', `add the ${ADMIN_SCOPE} scope (may act for any user)`],
    ['--expires <span>', `token lifetime: 30m, ${DEFAULT_EXPIRES} (default), 7d…; signed with $JWT_SECRET`],
  ],
  async run(values, io) {
    const json = flag(values, 'json');
    const sub = stringOption(values, 'sub');
    if (sub === undefined || sub === '') throw new UsageError('--sub <user_id> is required');
    const check = checkUserId(sub);
    if (!check.ok) throw new UsageError(`--sub: ${check.message}`);
    const lifetime = expiresInSeconds(stringOption(values, 'expires') ?? DEFAULT_EXPIRES);

    let config: AppConfig;
    try {
      config = await signingConfig(io.env);
    } catch (error) {
      if (!(error instanceof SigningRefused)) throw error;
      if (json) print(io, true, { outcome: 'refused', code: 'NO_SIGNING_SECRET', message: error.message }, '');
      else io.stderr(`schema-sync: ${error.message}\n`);
      return EXIT.failed;
    }

    // A bare Fastify instance carrying the service's @fastify/jwt options; nothing listens.
    const [{ default: Fastify }, { default: fastifyJwt }, { jwtOptions }] = await Promise.all([
      import('fastify'),
      import('@fastify/jwt'),
      import('../../lib/config/jwt-options.js'),
    ]);
    const app = Fastify({ logger: false });
    try {
      await app.register(fastifyJwt, jwtOptions(config.jwt));
      await app.ready();
      const scope = flag(values, 'admin') ? ADMIN_SCOPE : undefined;
      // @fastify/jwt reads a number as seconds.
      const signed = app.jwt.sign({ sub, ...(scope === undefined ? {} : { scope }) }, { expiresIn: lifetime });
      const expiresAt = new Date(Date.now() + lifetime * 1000).toISOString();
      print(io, json, { token: signed, sub, scope: scope ?? null, expires_at: expiresAt }, signed);
      if (!json)
        io.stderr(
          `token for sub ${JSON.stringify(sub)}${scope === undefined ? '' : ` with scope ${scope}`}, expires ${expiresAt}\n`,
        );
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
