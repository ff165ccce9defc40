/**
 * The signing keys of an identity provider, from its JWKS document (RFC 7517), for verifying its tokens.
 *
 * get-jwks, the usual companion of @fastify/jwt, fetches the document once per unknown `kid` (a flood of
 * tokens with made-up `kid`s costs the provider one request each), ignores `Cache-Control` and keeps
 * answering with a key for its TTL after the fetch that found it; so the document is cached here as a whole:
 * - for at most `maxAgeMs`, less when the response's `Cache-Control: max-age` says so, but never less than
 *   `cooldownMs` (a `max-age=0` document cannot turn every request into a fetch);
 * - a `kid` not in the cached document triggers one refetch, unless a fetch started less than `cooldownMs`
 *   ago; concurrent callers share one fetch in flight;
 * - a key is trusted only while the document that listed it is fresh: a key removed from the JWKS stops
 *   verifying once the cache expires, and an unreachable JWKS endpoint is a JwksUnavailableError (the
 *   service answers 503, never 401: the token may well be valid), not a reason to keep using stale keys.
 *
 * Only asymmetric keys are used (RSA, EC, OKP), each only with the algorithms its type allows: a token
 * asking for `none` or HS* is refused before any fetch.
 */
import { createPublicKey } from 'node:crypto';

/** The algorithms a JWKS key may sign with; never `none`, never HMAC (a public key is no secret). */
export const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
type JwksAlgorithm = (typeof JWKS_ALGORITHMS)[number];

const EC_ALGORITHM: Readonly<Record<string, JwksAlgorithm>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

export interface JwksOptions {
  readonly url: string;
  /** Longest time a fetched document is trusted. */
  readonly maxAgeMs: number;
  /** Shortest time between two fetches (after an unknown `kid` or a failure). */
  readonly cooldownMs: number;
  /** A fetch taking longer fails (and the request waiting on it is a 503). */
  readonly timeoutMs: number;
  /** Called after each fetch attempt (metrics, logs). */
  readonly onFetch?: (outcome: { ok: boolean; keys: number; maxAgeMs: number; error?: string }) => void;
}

/** The JWKS could not be fetched (or was not a JWKS): the token cannot be checked now. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
  constructor(
    message: string,
    /** When a new fetch will be tried. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The token names no usable key: an unknown `kid`, or an algorithm the key (or this service) does not allow. */
export class JwksKeyError extends Error {
  override readonly name = 'JwksKeyError';
}

interface Key {
  readonly kid: string | undefined;
  /** SPKI PEM, the form @fastify/jwt (fast-jwt) caches verifiers by. */
  readonly pem: string;
  readonly algorithms: readonly JwksAlgorithm[];
}

interface KeySet {
  readonly keys: readonly Key[];
  readonly expiresAt: number;
}

export interface TokenHeader {
  readonly alg?: unknown;
  readonly kid?: unknown;
}

export class JwksKeySet {
  #set: KeySet | null = null;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastFailure: string | null = null;
  #inFlight: Promise<KeySet> | null = null;

  constructor(private readonly options: JwksOptions) {}

  /** The PEM of the key that should have signed a token with this header. */
  async keyFor(header: TokenHeader): Promise<string> {
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !(JWKS_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new JwksKeyError(
        `algorithm ${JSON.stringify(alg)} is not accepted (allowed: ${JWKS_ALGORITHMS.join(', ')})`,
      );
    }
    if (kid !== undefined && typeof kid !== 'string') throw new JwksKeyError('kid must be a string');
    let set = await this.#fresh();
    let key = pick(set.keys, kid, alg as JwksAlgorithm);
    if (key === undefined && this.#mayRefetch()) {
      set = await this.#fetchShared();
      key = pick(set.keys, kid, alg as JwksAlgorithm);
    }
    if (key === undefined) {
      throw new JwksKeyError(
        kid === undefined
          ? `token has no kid and the JWKS has no single key for ${alg}`
          : `no key with kid ${JSON.stringify(kid)} for ${alg} in the JWKS`,
      );
    }
    return key.pem;
  }

  /** The cached document while fresh, else a new one (or the fetch in flight). */
  async #fresh(): Promise<KeySet> {
    if (this.#set !== null && Date.now() < this.#set.expiresAt) return this.#set;
    if (this.#inFlight === null && !this.#mayRefetch()) {
      throw new JwksUnavailableError(
        `the identity provider's JWKS is unavailable: ${this.#lastFailure ?? 'fetched too recently'}`,
        this.#cooldownLeft(),
      );
    }
    return this.#fetchShared();
  }

  #mayRefetch(): boolean {
    return this.#inFlight !== null || this.#cooldownLeft() === 0;
  }

  #cooldownLeft(): number {
    return Math.max(0, this.#lastAttemptAt + this.options.cooldownMs - Date.now());
  }

  #fetchShared(): Promise<KeySet> {
    if (this.#inFlight !== null) return this.#inFlight;
    this.#lastAttemptAt = Date.now();
    this.#inFlight = this.#fetch().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<KeySet> {
    const { url, timeoutMs, cooldownMs, maxAgeMs, onFetch } = this.options;
    let keys: Key[];
    let ttl: number;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`GET ${url} answered HTTP ${response.status}`);
      }
      keys = parseJwks(await response.json());
      const asked = maxAgeOf(response.headers.get('cache-control'));
      ttl = Math.min(maxAgeMs, Math.max(cooldownMs, asked ?? maxAgeMs));
    } catch (error) {
      // Not the caller's fault: the provider (or the way to it) failed; the next try waits for the cool-down.
      const reason = error instanceof Error ? error.message : String(error);
      this.#lastFailure = reason;
      onFetch?.({ ok: false, keys: 0, maxAgeMs: 0, error: reason });
      throw new JwksUnavailableError(`the identity provider's JWKS is unavailable: ${reason}`, this.#cooldownLeft());
    }
    this.#lastFailure = null;
    this.#set = { keys, expiresAt: Date.now() + ttl };
    onFetch?.({ ok: true, keys: keys.length, maxAgeMs: ttl });
    return this.#set;
  }
}

/** `max-age` in ms; 0 for `no-store`/`no-cache`; undefined when the header says nothing about it. */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  for (const directive of directives) {
    const match = /^max-age="?(\d+)"?$/.exec(directive);
    if (match) return Number(match[1]) * 1000;
  }
  return undefined;
}

function pick(keys: readonly Key[], kid: string | undefined, alg: JwksAlgorithm): Key | undefined {
  const usable = keys.filter((key) => key.algorithms.includes(alg));
  if (kid !== undefined) return usable.find((key) => key.kid === kid);
  // RFC 7515 makes kid optional; without it, only an unambiguous key will do.
  return usable.length === 1 ? usable[0] : undefined;
}

/** The usable signing keys of a JWKS document; others (symmetric, encryption-only, malformed) are left out. */
function parseJwks(document: unknown): Key[] {
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('the response is not a JWKS (no "keys" array)');
  const keys: Key[] = [];
  for (const jwk of list as unknown[]) {
    const key = keyOf(jwk);
    if (key !== null) keys.push(key);
  }
  return keys;
}

function keyOf(value: unknown): Key | null {
  if (typeof value !== 'object' || value === null) return null;
  const jwk = value as Record<string, unknown>;
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return null;
  const ops = jwk['key_ops'];
  if (Array.isArray(ops) && !ops.includes('verify')) return null;
  let algorithms = algorithmsOf(jwk);
  if (typeof jwk['alg'] === 'string') algorithms = algorithms.filter((alg) => alg === jwk['alg']);
  if (algorithms.length === 0) return null;
  let pem: string;
  try {
    // Only public parts are exported, even if a provider mistakenly published a private key.
    pem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  } catch {
    return null;
  }
  return { kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined, pem, algorithms };
}

function algorithmsOf(jwk: Record<string, unknown>): JwksAlgorithm[] {
  switch (jwk['kty']) {
    case 'RSA':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'EC': {
      const alg = EC_ALGORITHM[String(jwk['crv'])];
      return alg === undefined ? [] : [alg];
    }
    case 'OKP':
      return jwk['crv'] === 'Ed25519' || jwk['crv'] === 'Ed448' ? ['EdDSA'] : [];
    default:
      // 'oct' (a shared secret) never verifies here: publishing it would let anyone sign.
      return [];
  }
}
