/**
 * Fleet fixtures: a small three-version schema registry on disk (SCHEMA_DIR), fleets of real
 * libSQL files made by copying a seeded template, and the per-database checks every fleet test
 * makes (version, schema exactly that version's, rows unchanged, integrity, foreign keys).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type InStatement, type Value } from '@libsql/client';
import { makeFleet, fileUrl } from '../../bench/fleet/fixture.js';
import { planMigration } from '../../lib/plan/planner.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/audit.js';
import { syncDatabase } from '../../lib/sync.js';
import { targetFromVersions } from '../../lib/target.js';
import { loadRegistry, type SchemaRegistry } from '../../schema/registry.js';
import { captureIo } from '../../bin/cli/io.js';
import { syncAll } from '../../bin/commands/sync-all.js';
import { foreignKeyViolations, integrityOk, rows } from '../lib/_support.js';

export const V1 = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nick TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), body TEXT NOT NULL);`;
/** 1.1.0: a new column, an index, and a rebuild (the foreign key gains ON DELETE CASCADE). */
export const V2 = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nick TEXT, plan TEXT NOT NULL DEFAULT 'free');
CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT NOT NULL);
CREATE INDEX notes_user ON notes (user_id);`;
/** 1.2.0: nick becomes NOT NULL — fails (rows violate it) on a database holding a NULL nick. */
export const V3 = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nick TEXT NOT NULL DEFAULT '', plan TEXT NOT NULL DEFAULT 'free');
CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT NOT NULL);
CREATE INDEX notes_user ON notes (user_id);`;

export const SEED: InStatement[] = [
  "INSERT INTO users (id, email, nick) VALUES (1, 'a@example.com', 'a'), (2, 'b@example.com', 'b'), (3, 'c@example.com', 'c')",
  "INSERT INTO notes (id, user_id, body) VALUES (1, 1, 'one'), (2, 1, 'two'), (3, 2, 'three'), (4, 3, 'four')",
];

/** Writes a SCHEMA_DIR holding the given versions (default 1.0.0 and 1.1.0). */
export function writeSchemaDir(
  dir: string,
  versions: ReadonlyArray<readonly [string, string]> = [
    ['1.0.0', V1],
    ['1.1.0', V2],
  ],
): string {
  mkdirSync(dir, { recursive: true });
  for (const [version, sql] of versions)
    writeFileSync(
      join(dir, `${version}.sql`),
      `-- description: v${version}\n-- created_at: 2024-01-01T00:00:00Z\n${sql}\n`,
    );
  return dir;
}

export async function fleetAt(
  root: string,
  schemaDir: string,
  count: number,
  version = '1.0.0',
): Promise<{ dir: string; paths: string[]; registry: SchemaRegistry }> {
  const registry = await loadRegistry({ schemaDir });
  const dir = join(root, 'fleet');
  const paths = await makeFleet({ dir, templateDir: join(root, 'template'), count, registry, version, seed: SEED });
  return { dir, paths, registry };
}

export async function withClient<T>(path: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = createClient({ url: fileUrl(path) });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The application rows the versions share, in a stable order. */
export async function appRows(client: Client): Promise<Record<string, Array<Record<string, Value>>>> {
  return {
    users: await rows(client, 'SELECT id, email, nick FROM users ORDER BY id'),
    notes: await rows(client, 'SELECT id, user_id, body FROM notes ORDER BY id'),
  };
}

/** sqlite_schema as written, without the audit table: two databases at one version compare equal. */
export async function schemaText(client: Client): Promise<string> {
  return JSON.stringify(
    await rows(
      client,
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name <> 'schema_version' ORDER BY type, name",
    ),
  );
}

/**
 * The reference schema text of each version, from a copy of `template` brought there by the engine
 * (plan and apply checked: nothing left to plan afterwards).
 */
export async function referenceSchemas(
  template: string,
  registry: SchemaRegistry,
  root: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const version of registry.versions) {
    const path = join(root, `reference-${version.version}.db`);
    copyFileSync(template, path);
    await withClient(path, async (client) => {
      const { recorded } = await readVersionState(client);
      if (recorded?.version !== version.version)
        await syncDatabase(client, targetFromVersions(registry.versions, version.version));
      if (planMigration(await introspect(client), version.desired).steps.length !== 0)
        throw new Error(`reference ${version.version} did not converge`);
      out.set(version.version, await schemaText(client));
    });
  }
  return out;
}

export interface QuickState {
  readonly version: string | null;
  readonly schema: string;
  readonly auditCounts: Record<string, number>;
  readonly integrity: boolean;
  readonly fkViolations: number;
  readonly rows: string;
}

/** What a kill test checks per database, in few queries. */
export async function quickState(path: string): Promise<QuickState> {
  return withClient(path, async (client) => {
    const { recorded } = await readVersionState(client);
    const audit = await rows(client, 'SELECT version, count(*) AS n FROM schema_version GROUP BY version');
    return {
      version: recorded?.version ?? null,
      schema: await schemaText(client),
      auditCounts: Object.fromEntries(audit.map((row) => [String(row['version']), Number(row['n'])])),
      integrity: await integrityOk(client),
      fkViolations: await foreignKeyViolations(client),
      rows: JSON.stringify(await appRows(client)),
    };
  });
}

export interface DbState {
  readonly version: string | null;
  /** Audit rows recording each version (exactly-once means ≤ 1 each). */
  readonly auditCounts: Record<string, number>;
  /** Steps still needed to reach the recorded version's schema: 0 means "exactly at it". */
  readonly driftFromRecorded: number;
  readonly integrity: boolean;
  readonly fkViolations: number;
  readonly rows: Record<string, Array<Record<string, Value>>>;
}

export async function stateOf(path: string, registry: SchemaRegistry): Promise<DbState> {
  return withClient(path, async (client) => {
    const { recorded } = await readVersionState(client);
    const version = recorded?.version ?? null;
    const desired = version === null ? undefined : registry.versions.find((v) => v.version === version)?.desired;
    const drift = desired === undefined ? -1 : planMigration(await introspect(client), desired).steps.length;
    const audit = await rows(client, 'SELECT version, count(*) AS n FROM schema_version GROUP BY version');
    return {
      version,
      auditCounts: Object.fromEntries(audit.map((row) => [String(row['version']), Number(row['n'])])),
      driftFromRecorded: drift,
      integrity: await integrityOk(client),
      fkViolations: await foreignKeyViolations(client),
      rows: await appRows(client),
    };
  });
}

/** In-process `schema-sync sync-all`, output captured. */
export async function runSyncAll(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; out: string; err: string; lines: Array<Record<string, unknown>> }> {
  const io = captureIo({ ...process.env, ...env });
  const code = await syncAll(argv, io);
  const lines = io.out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, out: io.out, err: io.err, lines };
}

export const CLI = fileURLToPath(new URL('../../bin/schema-sync.ts', import.meta.url));

/** Spawns the real CLI (`node --import tsx bin/schema-sync.ts …`). */
export function spawnCli(argv: readonly string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
