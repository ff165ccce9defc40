/**
 * Tokens minted through the Platform API, cached per process: a key's token is minted at most once
 * until it enters the last quarter of its life, concurrent callers share one mint, and a failed
 * renewal keeps serving the previous token while it is still valid.
 */

/** `7d`, `2w1d`, `12h30m`, `90s` → milliseconds; `never` → null. Throws for anything else. */
export function parseExpiration(value: string): number | null {
  const text = value.trim().toLowerCase();
  if (text === 'never') return null;
  const unit: Readonly<Record<string, number>> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
  if (!/^(\d+[wdhms])+$/.test(text))
    throw new RangeError(`invalid token expiration ${JSON.stringify(value)} (e.g. 7d, 12h, 2w1d, never)`);
  let total = 0;
  for (const [, count, u] of text.matchAll(/(\d+)([wdhms])/g)) total += Number(count) * (unit[u as string] as number);
  if (total <= 0) throw new RangeError(`invalid token expiration ${JSON.stringify(value)}: must be longer than 0`);
  return total;
}

/** The `exp` claim of a JWT in milliseconds, without verifying it; null when there is none. */
export function jwtExpiry(jwt: string): number | null {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

interface Entry {
  readonly token: string;
  /** When to mint a new one; null: never. */
  readonly renewAt: number | null;
  /** When it stops working; null: never. */
  readonly expiresAt: number | null;
}

export interface TokenCacheOptions {
  readonly now?: () => number;
  /** Renew when this share of the lifetime is left (default a quarter). */
  readonly renewShare?: number;
  readonly max?: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #flights = new Map<string, Promise<string>>();
  readonly #now: () => number;
  readonly #renewShare: number;
  readonly #max: number;
  /** How many mints ran (tests and metrics). */
  mints = 0;

  constructor(options: TokenCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#renewShare = options.renewShare ?? 0.25;
    this.#max = options.max ?? 100_000;
  }

  /** A fresh-enough cached token, or null. */
  peek(key: string): string | null {
    const entry = this.#entries.get(key);
    return entry !== undefined && (entry.renewAt === null || this.#now() < entry.renewAt) ? entry.token : null;
  }

  /** A cached token that has not expired yet (it may be due for renewal), or null. */
  valid(key: string): string | null {
    const entry = this.#entries.get(key);
    return entry !== undefined && (entry.expiresAt === null || this.#now() < entry.expiresAt) ? entry.token : null;
  }

  /** The key's token, minting one when none is cached or it is due for renewal. */
  get(
    key: string,
    mint: () => Promise<{ readonly token: string; readonly lifetimeMs: number | null }>,
  ): Promise<string> {
    const fresh = this.peek(key);
    if (fresh !== null) return Promise.resolve(fresh);
    const running = this.#flights.get(key);
    if (running) return running;
    const flight = (async () => {
      const issuedAt = this.#now();
      try {
        this.mints++;
        const { token, lifetimeMs } = await mint();
        const expiresAt = jwtExpiry(token) ?? (lifetimeMs === null ? null : issuedAt + lifetimeMs);
        const renewAt = expiresAt === null ? null : expiresAt - (expiresAt - issuedAt) * this.#renewShare;
        this.#set(key, { token, renewAt, expiresAt });
        return token;
      } catch (error) {
        const previous = this.#entries.get(key);
        if (previous !== undefined && (previous.expiresAt === null || this.#now() < previous.expiresAt))
          return previous.token;
        throw error;
      }
    })().finally(() => this.#flights.delete(key));
    this.#flights.set(key, flight);
    return flight;
  }

  /** Remembers a token given from outside (e.g. `TURSO_GROUP_TOKEN`), never renewed. */
  setStatic(key: string, token: string): void {
    this.#set(key, { token, renewAt: null, expiresAt: jwtExpiry(token) });
  }

  #set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
