/**
 * What a database failure means in words a person can act on: driver wording rewritten into a
 * sentence that names the file or host (no driver codes twice, no internal temp-table names, no
 * bare "fetch failed"). The CLI prints these; sync-all reports them per database.
 */
import type { ErrorDetail } from './error-catalogue.js';

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the server closed the connection',
};

function hostOf(db: string): string {
  try {
    return new URL(db).host || db;
  } catch {
    return db;
  }
}

/** The innermost network reason a fetch failure carries (undici nests it in `cause`). */
function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES[code] !== undefined) return NETWORK_CODES[code];
    if (current !== error && current.message !== '' && current.message !== 'fetch failed') return current.message;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return 'no response';
}

/** Rewrites driver wording into a sentence; `db` is the --db URL when there is one. */
export function describeError(error: unknown, db: string | undefined): string {
  let message = error instanceof Error ? error.message : String(error);
  if (db !== undefined && !db.startsWith('file:') && /\bfetch failed\b/.test(message)) {
    message = message.replace(/\bfetch failed\b/, `cannot reach ${hostOf(db)}: ${networkReason(error)}`);
  }
  if (db !== undefined && /HTTP status 40[13]\b/.test(message)) {
    message = `${hostOf(db)} refused the credentials (${/HTTP status (40[13])/.exec(message)?.[1] ?? '401'}): check --auth-token or TURSO_AUTH_TOKEN`;
  }
  message = message.replace(
    /ConnectionFailed\("Unable to open connection to local database (.*?): (\d+)"\)/,
    (_, path: string, code: string) =>
      `cannot open the database file ${path} (${code === '14' ? 'SQLITE_CANTOPEN: the file or its directory cannot be opened' : `SQLite error ${code}`})`,
  );
  if (db !== undefined && db.startsWith('file:')) {
    message = message.replace(
      /\bSQLITE_NOTADB: file is not a database\b/,
      `${db.slice('file:'.length)} is not a libSQL/SQLite database`,
    );
    message = message.replace(
      /\bSQLITE_BUSY: database is locked\b/,
      `${db.slice('file:'.length)} is locked by another connection (waited 5 s)`,
    );
    message = message.replace(
      /\bSQLITE_CANTOPEN: unable to open database file\b/,
      `cannot open the database file ${db.slice('file:'.length)}`,
    );
  }
  return message.replace(/\b(SQLITE_[A-Z_]+): \1: /g, '$1: ').replace(/_schema_sync_new_/g, '');
}

/** Whether `error` says the database could not be opened or reached (nothing was changed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /\bfetch failed\b|HTTP status 40[13]\b|ConnectionFailed\(|SQLITE_CANTOPEN|SQLITE_NOTADB/.test(message);
}

/** A thrown error as a per-database error: DATABASE_UNAVAILABLE, or INTERNAL_ERROR, with a sentence. */
export function detailOfThrown(error: unknown, db: string | undefined): ErrorDetail {
  return {
    code: isDatabaseUnavailable(error) ? 'DATABASE_UNAVAILABLE' : 'INTERNAL_ERROR',
    message: describeError(error, db),
  };
}
