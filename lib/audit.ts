/**
 * The `schema_version` table: each database's audit trail of applied versions. Its name, its DDL,
 * how the newest row is read and how the guarded row is written live here and nowhere else.
 */
import type { Client, InStatement, InValue, ResultSet } from '@libsql/client';
import { columnText, LibsqlError } from './libsql.js';

export const SCHEMA_VERSION_TABLE = 'schema_version';

export const SCHEMA_VERSION_DDL = `CREATE TABLE ${SCHEMA_VERSION_TABLE} (
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  checksum TEXT NOT NULL,
  statements INTEGER NOT NULL,
  previous_version TEXT
)`;

/** One row of the audit trail as read back. */
export interface RecordedVersion {
  readonly id: number;
  readonly version: string;
  readonly description: string;
  readonly createdAt: string;
  readonly appliedAt: string;
  readonly checksum: string;
  readonly statements: number;
}

/** The row a sync writes when it applies a version. */
export interface AuditRecord {
  readonly version: string;
  readonly description: string;
  readonly createdAt: string;
  readonly appliedAt: string;
  readonly checksum: string;
  readonly previousVersion: string | null;
}

export interface VersionState {
  readonly tableExists: boolean;
  readonly recorded: RecordedVersion | null;
}

const READ_NEWEST_SQL = `SELECT id, version, description, created_at, applied_at, checksum, statements
FROM ${SCHEMA_VERSION_TABLE} ORDER BY id DESC LIMIT 1`;

/** A client or an open transaction: anything that runs one statement. */
export interface StatementRunner {
  execute(statement: InStatement): Promise<ResultSet>;
}

/** Reads the newest audit row in one round trip; a database without the table has none. */
export async function readVersionState(client: StatementRunner): Promise<VersionState> {
  try {
    const result = await client.execute(READ_NEWEST_SQL);
    const row = result.rows[0];
    if (row === undefined) return { tableExists: true, recorded: null };
    return {
      tableExists: true,
      recorded: {
        id: Number(row['id']),
        version: columnText(row['version']),
        description: columnText(row['description']),
        createdAt: columnText(row['created_at']),
        appliedAt: columnText(row['applied_at']),
        checksum: columnText(row['checksum']),
        statements: Number(row['statements']),
      },
    };
  } catch (error) {
    if (error instanceof LibsqlError && /no such table/i.test(error.message))
      return { tableExists: false, recorded: null };
    throw error;
  }
}

export async function readRecordedVersion(client: Client): Promise<RecordedVersion | null> {
  return (await readVersionState(client)).recorded;
}

const INSERT_ROW = `INSERT INTO ${SCHEMA_VERSION_TABLE} (id, version, description, created_at, applied_at, checksum, statements, previous_version)`;

/** A row's values after its id, in INSERT_ROW's order. */
function rowValues(record: AuditRecord, statements: number): InValue[] {
  return [
    record.version,
    record.description,
    record.createdAt,
    record.appliedAt,
    record.checksum,
    statements,
    record.previousVersion,
  ];
}

/**
 * The statements that write `record` as the row after `state`'s newest: the table first when it
 * does not exist yet. A second applier that planned against the same state fails on the row's
 * primary key (or on CREATE TABLE), which is how it learns it lost the race.
 */
export function auditWrites(
  record: AuditRecord,
  state: { readonly tableExists: boolean; readonly latestId: number },
  statements: number,
): InStatement[] {
  const insert: InStatement = {
    sql: `${INSERT_ROW} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [state.latestId + 1, ...rowValues(record, statements)],
  };
  return state.tableExists ? [insert] : [SCHEMA_VERSION_DDL, insert];
}

/**
 * The row that records `record` after the newest row, written only when that newest row is
 * `from` (version and checksum): a blind apply's first write (lib/apply.ts `applyProven`). It
 * writes nothing when the database is elsewhere, which the batch's next statement turns into a
 * failure before anything else runs.
 */
export function provenAuditWrite(
  record: AuditRecord,
  from: { readonly version: string; readonly checksum: string },
  statements: number,
): InStatement {
  return {
    sql: `${INSERT_ROW}
SELECT id + 1, ?, ?, ?, ?, ?, ?, ? FROM ${SCHEMA_VERSION_TABLE}
WHERE id = (SELECT max(id) FROM ${SCHEMA_VERSION_TABLE}) AND version = ? AND checksum = ?`,
    args: [...rowValues(record, statements), from.version, from.checksum],
  };
}
