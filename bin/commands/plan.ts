/**
 * `plan`: the statements `apply` would run, without changing anything. `--check` makes it a drift
 * gate (exit 4 when anything is pending); `--from a.sql --to b.sql` diffs two schema files offline.
 */
import { basename } from 'node:path';
import type { Command, OptionValues } from '../cli/command.js';
import { openDatabase } from '../cli/database.js';
import { UsageError } from '../cli/errors.js';
import { EXIT } from '../cli/exit.js';
import type { Io } from '../cli/io.js';
import { DB_HELP, DB_OPTIONS, displayDb, flag, requiredDb, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { fileOptions, loadSchemaFile } from '../cli/schema-file.js';
import { loadTarget } from '../cli/target.js';
import { planMigration, type Plan } from '../../lib/plan/planner.js';
import { formatPlan, summarizePlan, type VersionRow } from '../cli/format.js';
import { introspect } from '../../lib/introspect.js';
import { planSync } from '../../lib/sync.js';

export const TARGET_OPTIONS = {
  schema: { type: 'string' },
  'allow-destructive': { type: 'boolean', default: false },
} as const;

export const TARGET_HELP: ReadonlyArray<readonly [string, string]> = [
  [
    '--schema <file.sql>',
    "make this SQL file the desired state (no version is recorded);\nwithout it, the registry's current version ($SCHEMA_DIR or built-in)",
  ],
  ['--allow-destructive', 'drop tables, columns, indexes, views and triggers the desired schema lacks'],
];

interface Planned {
  readonly plan: Plan;
  /** What the plan leads to, for the heading and the JSON `target`. */
  readonly label: string;
  /** Where it starts from: the --db URL or the --from file. */
  readonly source: string;
  /** Whether apply would change anything: statements, or (registry) a version to record. */
  readonly pending: boolean;
  /** Registry mode, database not at the target version: the version row apply would write. */
  readonly versionRow?: VersionRow;
}

/** `--from a.sql --to b.sql`: both files through the schema-file loader, no database opened. */
async function planFiles(values: OptionValues): Promise<Planned> {
  const fromFile = stringOption(values, 'from');
  const toFile = stringOption(values, 'to');
  if (fromFile === undefined || toFile === undefined)
    throw new UsageError('--from and --to go together: plan --from <a.sql> --to <b.sql>');
  if (stringOption(values, 'db') !== undefined || stringOption(values, 'schema') !== undefined) {
    throw new UsageError('--from/--to plan between two files: drop --db and --schema');
  }
  const from = await loadSchemaFile(fromFile, '--from');
  const to = await loadSchemaFile(toFile, '--to');
  const plan = planMigration(from.desired, to.desired, {
    ...fileOptions(to, from.desired),
    allowDestructive: flag(values, 'allow-destructive'),
  });
  return { plan, label: basename(to.file), source: from.file, pending: plan.steps.length > 0 };
}

async function planDatabase(values: OptionValues, io: Io): Promise<Planned> {
  const db = requiredDb(values);
  const allowDestructive = flag(values, 'allow-destructive');
  const target = await loadTarget(stringOption(values, 'schema'), io);
  const client = await openDatabase(db, {
    authToken: stringOption(values, 'auth-token') ?? io.env['TURSO_AUTH_TOKEN'],
    create: false,
  });
  try {
    if (target.kind === 'file') {
      const actual = await introspect(client);
      const plan = planMigration(actual, target.desired, { ...fileOptions(target, actual), allowDestructive });
      return { plan, label: basename(target.file), source: displayDb(db), pending: plan.steps.length > 0 };
    }
    const { registry, syncTarget } = target;
    const { plan, recorded } = await planSync(client, syncTarget, { allowDestructive });
    const current = syncTarget.standing(recorded).kind === 'current';
    return {
      plan,
      label: `schema ${registry.current.version} (database records ${recorded?.version ?? 'no version'})`,
      source: displayDb(db),
      pending: plan.steps.length > 0 || !current,
      ...(current ? {} : { versionRow: { from: recorded?.version ?? null, to: syncTarget.version } }),
    };
  } finally {
    client.close();
  }
}

export const plan: Command = {
  summary: 'print the statements apply would run',
  synopsis: [
    '--db <url> [--schema <file.sql>] [--allow-destructive] [--check] [--json]',
    '--from <a.sql> --to <b.sql> [--allow-destructive] [--check] [--json]',
  ],
  options: {
    ...DB_OPTIONS,
    ...TARGET_OPTIONS,
    check: { type: 'boolean', default: false },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  help: [
    ...DB_HELP,
    ...TARGET_HELP,
    ['--check', 'plan: exit 4 when apply would change anything, 0 when in sync (a CI drift gate)'],
    ['--from <a.sql>', 'plan: the starting schema file, instead of a database (offline, with --to)'],
    ['--to <b.sql>', 'plan: the desired schema file, with --from'],
  ],
  async run(values, io) {
    const offline = stringOption(values, 'from') !== undefined || stringOption(values, 'to') !== undefined;
    const planned = offline ? await planFiles(values) : await planDatabase(values, io);
    const { plan: result, label, source, pending, versionRow } = planned;
    print(
      io,
      flag(values, 'json'),
      {
        target: label,
        ...result,
        pending,
        summary: summarizePlan(result),
        ...(versionRow === undefined ? {} : { versionRow }),
      },
      `-- plan for ${source} → ${label}\n${formatPlan(result, versionRow)}`,
    );
    if (flag(values, 'check') && pending) {
      if (!flag(values, 'json')) {
        const what =
          versionRow !== undefined && result.steps.length === 0
            ? `${source}: the version row would be written, from ${versionRow.from ?? 'no version'} to ${versionRow.to} (no DDL)`
            : `${source} is not at ${label}`;
        io.stderr(`schema-sync: changes pending: ${what} (exit ${EXIT.pending})\n`);
      }
      return EXIT.pending;
    }
    return EXIT.ok;
  },
};
