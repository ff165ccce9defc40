/** Typed reads of parseArgs values, and the flags several commands share. */
import type { OptionSpecs, OptionValues } from './command.js';
import { UsageError } from './errors.js';

export const DB_OPTIONS: OptionSpecs = {
  db: { type: 'string' },
  'auth-token': { type: 'string' },
};

export const DB_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--db <url>', 'file:<path> (an embedded libSQL file) or libsql://… (Turso)'],
  ['--auth-token <tok>', 'token for libsql:// URLs (default: $TURSO_AUTH_TOKEN)'],
];

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function requiredDb(values: OptionValues): string {
  const db = stringOption(values, 'db');
  if (db === undefined || db === '') throw new UsageError('--db <url> is required');
  return db;
}
