/** Failures a command reports: each maps to a stable JSON code and a documented exit code. */
import { RegistryError } from '../../schema/registry.js';
import { SyncError } from '../../lib/sync.js';
import { EXIT } from './exit.js';
import type { Io } from './io.js';

/** Bad arguments: exit 2; printed with the usage text when `showUsage`. */
export class UsageError extends Error {
  constructor(message: string, readonly showUsage = true) {
    super(message);
    this.name = 'UsageError';
  }
}

export function reportFailure(io: Io, json: boolean, error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof SyncError ? error.code : error instanceof RegistryError ? 'REGISTRY_INVALID'
    : error instanceof UsageError ? 'USAGE' : 'FAILED';
  const statement = error instanceof SyncError ? error.statement : undefined;
  if (json) {
    io.stdout(`${JSON.stringify({ outcome: 'failed', code, message, ...(statement === undefined ? {} : { statement }) }, null, 2)}\n`);
  } else {
    io.stderr(`schema-sync: ${message}\n${statement === undefined ? '' : `failing statement:\n  ${statement}\n`}`);
  }
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof SyncError && error.code === 'DATABASE_AHEAD') return EXIT.refused;
  return EXIT.failed;
}
