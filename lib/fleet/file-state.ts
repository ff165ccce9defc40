/**
 * What a rollout learnt about each local database file, kept for the next run: the newest audit
 * row, and the file's identity when that row was read. A re-run that finds a file with the same
 * identity knows its audit row without opening it, so a rollout with nothing left to do costs a
 * stat and a 100-byte read per database instead of opening each one and parsing its schema.
 *
 * The identity is taken while the audit row's read transaction holds SQLite's shared lock, so no
 * writer can commit between the two. It is the file's device and inode, size, modification and
 * change times, and its header's change counter, page count and schema cookie — the header as
 * SQLite itself reads it in that transaction (sqlite_dbpage), never by opening the file here: in
 * the process that holds the lock, closing any descriptor of the file would drop it. The inode
 * must be the one the path named before the connection opened it, so a file renamed over the
 * path meanwhile is not mistaken for the one SQLite read. In rollback-journal mode SQLite bumps
 * the change counter in every transaction that writes, and anything else that rewrites the file
 * moves its change time, which no program can set back. Files the header cannot vouch for are never
 * trusted: WAL mode (commits live in the -wal file until a checkpoint) and a non-empty -journal
 * beside the file (a crashed writer's, which the next open rolls back).
 */
import { closeSync, openSync, readFileSync, readSync, statSync, mkdirSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { writeFileAtomicSync } from '../atomic-write.js';
import { readVersionState, type RecordedVersion, type VersionState } from '../audit.js';

export interface FileIdentity {
  readonly dev: string;
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
  readonly changeCounter: number;
  readonly pages: number;
  readonly schemaCookie: number;
}

export interface KnownState {
  readonly identity: FileIdentity;
  readonly recorded: RecordedVersion;
}

const HEADER_BYTES = 100;
const SQLITE_MAGIC = 'SQLite format 3\u0000';
/** Header bytes 18 and 19: file format write/read versions, 1 for rollback journals, 2 for WAL. */
const ROLLBACK_JOURNAL = 1;

function nonEmpty(path: string): boolean {
  const found = statSync(path, { throwIfNoEntry: false });
  return found !== undefined && found.size > 0;
}

/** Which file a path names: its device and inode, read without opening it. */
export interface FileAt {
  readonly dev: bigint;
  readonly ino: bigint;
}

export function fileAt(path: string): FileAt | null {
  const found = statSync(path, { bigint: true, throwIfNoEntry: false });
  return found === undefined ? null : { dev: found.dev, ino: found.ino };
}

/** The identity from a stat of the file and its 100-byte header, or null when they cannot vouch for it. */
function identityFrom(stat: BigIntStats, header: Buffer, path: string): FileIdentity | null {
  if (header.length < HEADER_BYTES || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return null;
  if (header[18] !== ROLLBACK_JOURNAL || header[19] !== ROLLBACK_JOURNAL) return null;
  if (nonEmpty(`${path}-journal`) || nonEmpty(`${path}-wal`)) return null;
  return {
    dev: String(stat.dev),
    ino: String(stat.ino),
    size: String(stat.size),
    mtimeNs: String(stat.mtimeNs),
    ctimeNs: String(stat.ctimeNs),
    changeCounter: header.readUInt32BE(24),
    pages: header.readUInt32BE(28),
    schemaCookie: header.readUInt32BE(40),
  };
}

/**
 * The file's identity now, read from the file itself, or null when it cannot vouch for its
 * contents. Only where no SQLite connection of this process has the file open (see runner.ts).
 */
export function identityOf(path: string): FileIdentity | null {
  try {
    const stat = statSync(path, { bigint: true });
    const header = Buffer.alloc(HEADER_BYTES);
    const fd = openSync(path, 'r');
    let read: number;
    try {
      read = readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    return identityFrom(stat, header.subarray(0, read), path);
  } catch {
    return null;
  }
}

/** The path of a `file:` database URL, or null for any other database. */
export function localPathOf(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

/** Page 1's header as SQLite reads it, inside the caller's transaction. */
const HEADER_SQL = `SELECT substr(data, 1, ${HEADER_BYTES}) AS header FROM sqlite_dbpage WHERE pgno = 1`;

/**
 * The newest audit row and, when the file can vouch for it, the file's identity, both read under
 * the one shared lock of a read transaction. `opened` is what the path named just before `client`
 * opened it: a different file there now is not the one SQLite read.
 */
export async function readKnownState(
  client: Client,
  path: string,
  opened: FileAt,
): Promise<{ readonly state: VersionState; readonly known: KnownState | null }> {
  const transaction = await client.transaction('read');
  try {
    const state = await readVersionState(transaction);
    if (state.recorded === null) return { state, known: null };
    // A build without sqlite_dbpage (or any failure to read page 1) only costs the shortcut.
    const value = await transaction.execute(HEADER_SQL).then(
      (result) => result.rows[0]?.['header'],
      () => undefined,
    );
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!(value instanceof ArrayBuffer) || stat === undefined || stat.dev !== opened.dev || stat.ino !== opened.ino)
      return { state, known: null };
    const identity = identityFrom(stat, Buffer.from(value), path);
    return { state, known: identity === null ? null : { identity, recorded: state.recorded } };
  } finally {
    transaction.close();
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.changeCounter === b.changeCounter &&
    a.pages === b.pages &&
    a.schemaCookie === b.schemaCookie
  );
}

const FORMAT = 2;

interface StateDocument {
  readonly format: typeof FORMAT;
  readonly databases: Record<string, KnownState>;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function isIdentity(value: unknown): value is FileIdentity {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isString(v['dev']) &&
    isString(v['ino']) &&
    isString(v['size']) &&
    isString(v['mtimeNs']) &&
    isString(v['ctimeNs']) &&
    isNumber(v['changeCounter']) &&
    isNumber(v['pages']) &&
    isNumber(v['schemaCookie'])
  );
}

function isRecorded(value: unknown): value is RecordedVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isNumber(v['id']) &&
    isString(v['version']) &&
    isString(v['description']) &&
    isString(v['createdAt']) &&
    isString(v['appliedAt']) &&
    isString(v['checksum']) &&
    isNumber(v['statements'])
  );
}

function isKnownState(value: unknown): value is KnownState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isIdentity(v['identity']) && isRecorded(v['recorded']);
}

export class StateFileError extends Error {}

/**
 * The state of one rollout's databases, by fleet name, loaded from and saved to one file. Only
 * what this run saw is saved, so databases that left the fleet leave the file too.
 */
export class FleetState {
  readonly #known: ReadonlyMap<string, KnownState>;
  readonly #seen = new Map<string, KnownState>();

  private constructor(
    readonly path: string,
    known: ReadonlyMap<string, KnownState>,
  ) {
    this.#known = known;
  }

  /** A missing file is an empty state; an unreadable or malformed one is a StateFileError. */
  static load(path: string): FleetState {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FleetState(path, new Map());
      throw new StateFileError(`cannot read the state file ${path}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new StateFileError(`the state file ${path} is not JSON`);
    }
    const databases = (document as Partial<StateDocument> | null)?.databases;
    if (
      (document as Partial<StateDocument> | null)?.format !== FORMAT ||
      typeof databases !== 'object' ||
      databases === null
    ) {
      throw new StateFileError(`the state file ${path} is not a format-${FORMAT} schema-sync state file`);
    }
    const known = new Map<string, KnownState>();
    for (const [name, entry] of Object.entries(databases)) if (isKnownState(entry)) known.set(name, entry);
    return new FleetState(path, known);
  }

  static empty(path: string): FleetState {
    return new FleetState(path, new Map());
  }

  /** The audit row last seen in the file at `path`, when the file is provably unchanged since. */
  recordedFor(name: string, path: string): RecordedVersion | null {
    const known = this.#known.get(name);
    if (known === undefined) return null;
    const now = identityOf(path);
    if (now === null || !sameIdentity(now, known.identity)) return null;
    this.#seen.set(name, known);
    return known.recorded;
  }

  remember(name: string, state: KnownState): void {
    this.#seen.set(name, state);
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Written to a temporary file and renamed over the old one, so a reader never sees half of it. */
  save(): void {
    const document: StateDocument = { format: FORMAT, databases: Object.fromEntries(this.#seen) };
    mkdirSync(dirname(this.path), { recursive: true });
    // Two rollouts of one directory may save at once: each writes its own temporary file, the last rename wins.
    writeFileAtomicSync(this.path, `${JSON.stringify(document)}\n`);
  }
}
