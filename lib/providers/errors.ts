/** Errors a database provider raises that the service answers as such (not as sync outcomes). */
/** The Platform API cannot be used right now (or rejects our credentials). Maps to 503 PROVIDER_UNAVAILABLE. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(
    /** What failed, e.g. `create database alice-…`. */
    readonly operation: string,
    message: string,
    /** The last HTTP status, when there was an answer. */
    readonly status: number | null,
    /** How long the API last asked us to wait (its `Retry-After`), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}
