/**
 * The schema registry: every version of the application's schema, validated and ordered by semver
 * once at start-up. A bad registry stops start-up with a message naming the file and the problem.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import type { DatabaseSchema } from '../lib/model.js';
import { decodeSchemaText, DesiredSchemaError } from '../lib/desired.js';
import {
  checkAgainstPrevious,
  checkDataStep,
  checkDeclarations,
  declarationsOf,
  declared,
  loadSchemaSource,
  type Declaration,
} from '../lib/schema-source.js';
import { renderDefinition, validateDefinition } from './definition.js';
import type { SchemaVersionSource } from './version.js';
import { builtInVersions } from './versions/index.js';
import type { SchemaVersion } from '../lib/target.js';

/** A version as the registry loaded it: what version policy needs (lib/target.ts), plus its sources. */
export interface LoadedSchemaVersion extends SchemaVersion {
  /** The desired schema as DDL (typed definitions rendered). */
  readonly sql: string;
  /** The renames and allowances, each with where it was written (a line, or a field). */
  readonly declarations: readonly Declaration[];
  readonly file: string;
}

export interface SchemaRegistry {
  /** Ascending by semver. */
  readonly versions: readonly LoadedSchemaVersion[];
  readonly current: LoadedSchemaVersion;
}

export class RegistryError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`schema registry: ${file}: ${problem}`);
    this.name = 'RegistryError';
  }
}

export function checksumOf(schema: DatabaseSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

async function loadVersion(source: SchemaVersionSource): Promise<LoadedSchemaVersion> {
  if (semver.valid(source.version) === null || semver.clean(source.version) !== source.version) {
    throw new RegistryError(source.file, `"${source.version}" is not a semantic version (e.g. 1.2.0)`);
  }
  if (Number.isNaN(Date.parse(source.createdAt))) {
    throw new RegistryError(source.file, `created_at "${source.createdAt}" is not a date`);
  }
  let sql: string;
  try {
    sql = 'sql' in source.schema ? source.schema.sql : renderDefinition(validateDefinition(source.schema.definition));
  } catch (error) {
    throw new RegistryError(source.file, (error as Error).message);
  }
  let dataSteps: string[];
  try {
    dataSteps = (source.dataSteps ?? []).map((step) => checkDataStep(step));
  } catch (error) {
    throw new RegistryError(source.file, (error as Error).message);
  }
  try {
    // One reader for both kinds: a .sql version's annotations and a TypeScript version's fields
    // become the same declarations, checked the same way.
    const loaded = await loadSchemaSource(sql);
    const declarations = [...loaded.declarations, ...declarationsOf(source.renames ?? {}, source.allowDrops ?? {})];
    checkDeclarations(declarations, loaded.desired, undefined);
    return {
      version: source.version,
      description: source.description,
      createdAt: new Date(source.createdAt).toISOString(),
      sql: loaded.sql,
      desired: loaded.desired,
      checksum: checksumOf(loaded.desired),
      ...declared(declarations),
      declarations,
      dataSteps: [...loaded.dataSteps, ...dataSteps],
      file: source.file,
    };
  } catch (error) {
    if (error instanceof DesiredSchemaError) throw new RegistryError(source.file, error.message);
    throw error;
  }
}

const HEADER = /^--\s*(description|created_at)\s*:\s*(.*)$/i;
const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * Reads one `<semver>.sql` version; leading `-- description: …` / `-- created_at: …` lines are its
 * metadata. A file used as an ad-hoc target (`--schema`) need not be named by a version.
 */
export async function readSqlVersionFile(
  file: string,
  options: { requireSemverName?: boolean } = {},
): Promise<SchemaVersionSource> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new RegistryError(file, `cannot read the file: ${(error as Error).message}`);
  }
  let sql: string;
  try {
    sql = decodeSchemaText(bytes);
  } catch (error) {
    throw new RegistryError(file, (error as Error).message);
  }
  const meta: Record<string, string> = {};
  for (const line of sql.split('\n')) {
    const match = HEADER.exec(line.trim());
    if (match === null) break;
    meta[(match[1] as string).toLowerCase()] = (match[2] as string).trim();
  }
  const named = basename(file).replace(/\.sql$/, '');
  return {
    version: options.requireSemverName === false && semver.valid(named) === null ? '0.0.0' : named,
    description: meta['description'] ?? '',
    createdAt: meta['created_at'] ?? EPOCH,
    schema: { sql },
    file,
  };
}

/** Reads every `<semver>.sql` file of a SCHEMA_DIR. */
export async function readSqlVersions(directory: string): Promise<SchemaVersionSource[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    throw new RegistryError(directory, `cannot read the directory: ${(error as Error).message}`);
  }
  const files = names.filter((name) => name.endsWith('.sql')).sort();
  if (files.length === 0) throw new RegistryError(directory, 'holds no <semver>.sql files');
  return Promise.all(files.map((name) => readSqlVersionFile(join(directory, name))));
}

export async function buildRegistry(sources: readonly SchemaVersionSource[]): Promise<SchemaRegistry> {
  if (sources.length === 0) throw new RegistryError('(registry)', 'no schema versions');
  const versions = await Promise.all(sources.map(loadVersion));
  versions.sort((a, b) => semver.compare(a.version, b.version));
  for (let i = 1; i < versions.length; i++) {
    const previous = versions[i - 1] as LoadedSchemaVersion;
    const version = versions[i] as LoadedSchemaVersion;
    if (semver.eq(previous.version, version.version)) {
      throw new RegistryError(version.file, `version ${version.version} is also defined in ${previous.file}`);
    }
  }
  // A rename or drop allowance must name what the version before it has: a typo is an error, not
  // a hint that silently never applies.
  for (const [i, version] of versions.entries()) {
    try {
      checkAgainstPrevious(version.declarations, versions[i - 1] ?? null, undefined);
    } catch (error) {
      if (error instanceof DesiredSchemaError) throw new RegistryError(version.file, error.message);
      throw error;
    }
  }
  const current = versions[versions.length - 1] as LoadedSchemaVersion;
  return {
    versions,
    current,
  };
}

/** Loads SCHEMA_DIR's .sql versions when given, the built-in versions otherwise. */
export async function loadRegistry(options: { schemaDir?: string | undefined } = {}): Promise<SchemaRegistry> {
  const sources =
    options.schemaDir === undefined || options.schemaDir === ''
      ? builtInVersions
      : await readSqlVersions(options.schemaDir);
  return buildRegistry(sources);
}
