#!/usr/bin/env node
/**
 * schema-sync CLI: inspect, plan and apply against one database.
 * Exit codes: 0 applied or already in sync, 1 failure (database unchanged), 2 usage error,
 * 3 refused (the database is ahead of the application).
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client } from '@libsql/client';
import { formatPlan, formatSchema } from '../lib/format.js';
import { introspect } from '../lib/introspect.js';
import { planSync, readVersionState, SyncError, syncDatabase, syncToSchema } from '../lib/sync.js';
import { plan as makePlan, type Plan } from '../lib/diff.js';
import type { DatabaseSchema } from '../lib/model.js';
import { loadRegistry, readSqlVersionFile, buildRegistry, RegistryError, type SchemaRegistry } from '../schema/registry.js';
import { tokenCommand } from './commands/token.js';

const USAGE = `Usage:
  schema-sync inspect --db <url> [--json]
  schema-sync plan    --db <url> [--schema <file.sql>] [--allow-destructive] [--json]
  schema-sync apply   --db <url> [--schema <file.sql>] [--allow-destructive] [--json]
  schema-sync token   --sub <user_id> [--admin] [--expires 1h] [--json]

  --db <url>           file:<path> (an embedded libSQL file) or libsql://… (Turso)
  --auth-token <tok>   token for libsql:// URLs (default: $TURSO_AUTH_TOKEN)
  --schema <file.sql>  make this SQL file the desired state (no version is recorded);
                       without it, the registry's current version ($SCHEMA_DIR or built-in)
  --allow-destructive  drop tables, columns, indexes, views and triggers the desired schema lacks
  --json               machine-readable output

Exit codes: 0 applied or in sync, 1 failure (database unchanged), 2 usage error, 3 refused.`;

class UsageError extends Error {}

const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

interface Options {
  readonly command: 'inspect' | 'plan' | 'apply';
  readonly db: string;
  readonly authToken: string | undefined;
  readonly schema: string | undefined;
  readonly allowDestructive: boolean;
  readonly json: boolean;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        'auth-token': { type: 'string' },
        schema: { type: 'string' },
        'allow-destructive': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...extra] = parsed.positionals;
  if (parsed.values.help === true) throw new UsageError('');
  if (command !== 'inspect' && command !== 'plan' && command !== 'apply') {
    throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (parsed.values.db === undefined || parsed.values.db === '') throw new UsageError('--db <url> is required');
  if (command === 'inspect' && (parsed.values.schema !== undefined || parsed.values['allow-destructive'] === true)) {
    throw new UsageError('inspect takes only --db, --auth-token and --json');
  }
  return {
    command,
    db: parsed.values.db,
    authToken: parsed.values['auth-token'] ?? process.env['TURSO_AUTH_TOKEN'],
    schema: parsed.values.schema,
    allowDestructive: parsed.values['allow-destructive'] === true,
    json: parsed.values.json === true,
  };
}

/** Opens the database; only `apply` may create a local file that does not exist yet. */
function openDatabase(options: Options): Client {
  const url = options.db;
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '' || path.startsWith(':memory:')) throw new UsageError('--db needs a file path, e.g. file:./user.db');
    if (options.command !== 'apply' && !existsSync(resolve(path))) throw new Error(`no database at ${path}`);
    return createClient({ url, timeout: 5000 });
  }
  if (/^(libsql|https?|wss?):\/\//.test(url)) {
    return createClient(options.authToken === undefined ? { url } : { url, authToken: options.authToken });
  }
  throw new UsageError(`--db must be a file:<path> or libsql://… URL, not "${url}"`);
}

/** What plan/apply bring the database to: the registry's current version, or a --schema file. */
type Target =
  | { readonly kind: 'registry'; readonly registry: SchemaRegistry }
  | { readonly kind: 'file'; readonly file: string; readonly desired: DatabaseSchema };

/** Loaded before the database is opened, so a bad target never creates an empty database file. */
async function loadTarget(options: Options): Promise<Target> {
  if (options.schema === undefined) return { kind: 'registry', registry: await loadRegistry({ schemaDir: process.env['SCHEMA_DIR'] }) };
  const file = options.schema;
  if (!existsSync(file)) throw new UsageError(`--schema: no file at ${file}`);
  const registry = await buildRegistry([await readSqlVersionFile(file, { requireSemverName: false })]);
  return { kind: 'file', file, desired: registry.current.desired };
}

function print(options: Options, json: unknown, human: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}

async function runPlan(options: Options, client: Client, target: Target): Promise<number> {
  let plan: Plan;
  let label: string;
  if (target.kind === 'file') {
    plan = makePlan(await introspect(client), target.desired, { allowDestructive: options.allowDestructive });
    label = basename(target.file);
  } else {
    const { registry } = target;
    const result = await planSync(client, registry, { allowDestructive: options.allowDestructive });
    plan = result.plan;
    label = `schema ${registry.current.version} (database records ${result.recorded?.version ?? 'no version'})`;
  }
  print(options, { target: label, ...plan }, `-- plan for ${options.db} → ${label}: ${plan.steps.length} statement(s)\n${formatPlan(plan)}`);
  return EXIT.ok;
}

async function runApply(options: Options, client: Client, target: Target): Promise<number> {
  if (!options.json) process.stderr.write(`applying to ${options.db}…\n`);
  if (target.kind === 'file') {
    const { plan, durationMs } = await syncToSchema(client, target.desired, { allowDestructive: options.allowDestructive });
    const outcome = plan.steps.length === 0 ? 'up_to_date' : 'applied';
    print(options, { outcome, statements: plan.steps.length, durationMs, ...plan },
      `${formatPlan(plan)}\n-- ${outcome === 'applied' ? `applied ${plan.steps.length} statement(s)` : 'already in sync'} in ${durationMs} ms`);
    return EXIT.ok;
  }
  const result = await syncDatabase(client, target.registry, { allowDestructive: options.allowDestructive, verify: true });
  const summary = result.outcome === 'applied'
    ? `applied schema ${result.toVersion} (from ${result.fromVersion ?? 'no version'}): ${result.statements} statement(s) in ${result.durationMs} ms`
    : `already at schema ${result.toVersion}`;
  print(options, result, `${result.outcome === 'applied' ? `${formatPlan(result.plan)}\n` : ''}-- ${summary}`);
  return EXIT.ok;
}

async function runInspect(options: Options, client: Client): Promise<number> {
  const [schema, state] = [await introspect(client), await readVersionState(client)];
  const version = state.recorded === null ? 'no recorded version' : `schema ${state.recorded.version} (applied ${state.recorded.appliedAt})`;
  print(options, { version: state.recorded, schema }, `-- ${options.db}: ${version}\n${formatSchema(schema)}`);
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'token') return tokenCommand(argv.slice(1));
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`${message === '' ? '' : `schema-sync: ${message}\n\n`}${USAGE}\n`);
    return message === '' ? EXIT.ok : EXIT.usage;
  }
  let client: Client | undefined;
  try {
    if (options.command === 'inspect') {
      client = openDatabase(options);
      return await runInspect(options, client);
    }
    const target = await loadTarget(options);
    client = openDatabase(options);
    if (options.command === 'plan') return await runPlan(options, client, target);
    return await runApply(options, client, target);
  } catch (error) {
    return reportFailure(options, error);
  } finally {
    client?.close();
  }
}

function reportFailure(options: Options, error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof SyncError ? error.code : error instanceof RegistryError ? 'REGISTRY_INVALID'
    : error instanceof UsageError ? 'USAGE' : 'FAILED';
  const statement = error instanceof SyncError ? error.statement : undefined;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ outcome: 'failed', code, message, ...(statement === undefined ? {} : { statement }) }, null, 2)}\n`);
  } else {
    process.stderr.write(`schema-sync: ${message}\n${statement === undefined ? '' : `failing statement:\n  ${statement}\n`}`);
  }
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof SyncError && error.code === 'DATABASE_AHEAD') return EXIT.refused;
  return EXIT.failed;
}

process.exitCode = await main(process.argv.slice(2));
