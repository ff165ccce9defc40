/**
 * Failures a command reports: each maps to a stable JSON code and a documented exit code, with a
 * message a person can act on (no driver codes twice, no internal temp-table names, the path or
 * host named instead of "fetch failed").
 */
import { DesiredSchemaError } from '../../lib/desired.js';
import { RegistryError } from '../../schema/registry.js';
import { SyncError } from '../../lib/sync.js';
import { describeError, isDatabaseUnavailable } from '../../lib/database-errors.js';
import { EXIT } from './exit.js';

export { describeError } from '../../lib/database-errors.js';
import type { Io } from './io.js';

/** Bad arguments: exit 2; printed with the usage text when `showUsage`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The --db database cannot be opened or reached: exit 1, nothing created. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export function errorCode(error: unknown): string {
  if (error instanceof SyncError) return error.code;
  if (error instanceof RegistryError) return 'REGISTRY_INVALID';
  // A --schema/--from/--to file that does not load ("schema file <path>, line N: …").
  if (error instanceof DesiredSchemaError) return 'SCHEMA_INVALID';
  if (error instanceof UsageError) return 'USAGE';
  if (error instanceof DatabaseUnavailableError) return 'DATABASE_UNAVAILABLE';
  if (isDatabaseUnavailable(error)) return 'DATABASE_UNAVAILABLE';
  return 'FAILED';
}

export function reportFailure(io: Io, json: boolean, error: unknown, db?: string): number {
  const message = describeError(error, db);
  const code = errorCode(error);
  const statement = error instanceof SyncError ? error.details.statement : undefined;
  if (json) {
    io.stdout(
      `${JSON.stringify({ outcome: 'failed', code, message, ...(statement === undefined ? {} : { statement }) }, null, 2)}\n`,
    );
  } else {
    io.stderr(`schema-sync: ${message}\n${statement === undefined ? '' : `failing statement:\n  ${statement}\n`}`);
  }
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof SyncError && (error.code === 'DATABASE_AHEAD' || error.code === 'INVALID_RECORDED_VERSION'))
    return EXIT.refused;
  return EXIT.failed;
}
