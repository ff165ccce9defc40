/**
 * `schema-sync token --sub <user> [--admin] [--expires 1h]`: mints a JWT the running service
 * accepts, signed with the configured JWT_SECRET. The environment is read with the service's own
 * loadConfig (same variables, same validation) and signed with the service's own jwtOptions (same
 * algorithm, issuer and audience), so a token from here is exactly one the service would verify.
 *
 * Exit codes: 0 token printed, 1 refused (no usable secret: what to set is said), 2 usage error.
 */
import { parseArgs } from 'node:util';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { checkUserId } from '../../lib/naming.js';
import { ADMIN_SCOPE, jwtOptions } from '../../plugins/auth.js';
import { ConfigError, loadConfig, type AppConfig } from '../../plugins/config.js';

export const TOKEN_USAGE = `Usage:
  schema-sync token --sub <user_id> [--admin] [--expires <n>(s|m|h|d)] [--json]

  --sub <user_id>   the token's subject: the user it may act for
  --admin           add the ${ADMIN_SCOPE} scope (may act for any user)
  --expires <span>  lifetime, e.g. 30m, 1h (default), 7d
  --json            print { token, sub, scope, expires_at } instead of the bare token

Signs with JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE when set), read from the environment like the service.
Exit codes: 0 printed, 1 refused (no JWT_SECRET to sign with), 2 usage error.`;

const EXIT = { ok: 0, refused: 1, usage: 2 } as const;
const SPAN = /^([1-9]\d{0,6})(s|m|h|d)$/;
const SPAN_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

class UsageError extends Error {}

interface TokenOptions {
  readonly sub: string;
  readonly admin: boolean;
  readonly expiresInSeconds: number;
  readonly json: boolean;
}

function parseTokenOptions(argv: readonly string[]): TokenOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        sub: { type: 'string' },
        admin: { type: 'boolean', default: false },
        expires: { type: 'string', default: '1h' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help === true) return 'help';
  // Tolerate the command name itself when a dispatcher passes the whole argv.
  const extra = parsed.positionals[0] === 'token' ? parsed.positionals.slice(1) : parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const sub = parsed.values.sub;
  if (sub === undefined || sub === '') throw new UsageError('--sub <user_id> is required');
  const check = checkUserId(sub);
  if (!check.ok) throw new UsageError(`--sub: ${check.message}`);
  const span = SPAN.exec(parsed.values.expires ?? '1h');
  if (!span) throw new UsageError(`--expires must look like 30m, 1h or 7d, not "${parsed.values.expires}"`);
  return {
    sub,
    admin: parsed.values.admin === true,
    expiresInSeconds: Number(span[1]) * (SPAN_SECONDS[span[2] as string] as number),
    json: parsed.values.json === true,
  };
}

/** Why this configuration cannot sign, or null when it can. */
function refusalOf(config: AppConfig): string | null {
  if (config.jwt.mode === 'public-key') {
    return (
      'JWT_PUBLIC_KEY is configured: the service only verifies tokens signed by the holder of the matching private key ' +
      '(your identity provider), so this command cannot mint one it would accept. Get a token from that provider, or ' +
      'run the service with JWT_SECRET instead.'
    );
  }
  if (config.jwt.ephemeral) {
    return (
      'no JWT_SECRET is set: a service started like this invents a random secret on each start, which this command ' +
      'cannot know. Set JWT_SECRET (at least 32 characters) for both the service and this command; or use the admin ' +
      'token the service prints at start-up.'
    );
  }
  return null;
}

/** Runs the command; `env` defaults to process.env. Returns the exit code. */
export async function tokenCommand(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  out: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  let options: TokenOptions | 'help';
  try {
    options = parseTokenOptions(argv);
  } catch (error) {
    out.stderr(`schema-sync token: ${(error as Error).message}\n\n${TOKEN_USAGE}\n`);
    return EXIT.usage;
  }
  if (options === 'help') {
    out.stdout(`${TOKEN_USAGE}\n`);
    return EXIT.ok;
  }

  let config: AppConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.stderr(`schema-sync token: ${error.message}\n`);
    return EXIT.refused;
  }
  const refusal = refusalOf(config);
  if (refusal !== null) {
    out.stderr(`schema-sync token: refusing to sign: ${refusal}\n`);
    return EXIT.refused;
  }

  // A bare Fastify instance with the service's @fastify/jwt options: nothing listens.
  const app = Fastify({ logger: false });
  try {
    await app.register(fastifyJwt, jwtOptions(config.jwt));
    await app.ready();
    const scope = options.admin ? ADMIN_SCOPE : undefined;
    const token = app.jwt.sign(
      { sub: options.sub, ...(scope === undefined ? {} : { scope }) },
      // @fastify/jwt takes a number as seconds.
      { expiresIn: options.expiresInSeconds },
    );
    const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000).toISOString();
    out.stdout(options.json ? `${JSON.stringify({ token, sub: options.sub, scope: scope ?? null, expires_at: expiresAt })}\n` : `${token}\n`);
    if (!options.json) out.stderr(`token for sub ${JSON.stringify(options.sub)}${scope ? ` (scope ${scope})` : ''}, expires ${expiresAt}\n`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
