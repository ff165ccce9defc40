/** `plan`: the statements `apply` would run, without changing anything. */
import { basename } from 'node:path';
import type { Command } from '../cli/command.js';
import { openDatabase } from '../cli/database.js';
import { EXIT } from '../cli/exit.js';
import { DB_HELP, DB_OPTIONS, flag, requiredDb, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { loadTarget } from '../cli/target.js';
import { plan as makePlan, type Plan } from '../../lib/diff.js';
import { formatPlan } from '../../lib/format.js';
import { introspect } from '../../lib/introspect.js';
import { planSync } from '../../lib/sync.js';

export const TARGET_OPTIONS = {
  schema: { type: 'string' },
  'allow-destructive': { type: 'boolean', default: false },
} as const;

export const TARGET_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--schema <file.sql>', 'make this SQL file the desired state (no version is recorded);\nwithout it, the registry\'s current version ($SCHEMA_DIR or built-in)'],
  ['--allow-destructive', 'drop tables, columns, indexes, views and triggers the desired schema lacks'],
];

export const plan: Command = {
  summary: 'print the statements apply would run',
  synopsis: '--db <url> [--schema <file.sql>] [--allow-destructive] [--json]',
  options: { ...DB_OPTIONS, ...TARGET_OPTIONS },
  help: [...DB_HELP, ...TARGET_HELP],
  async run(values, io) {
    const db = requiredDb(values);
    const json = flag(values, 'json');
    const allowDestructive = flag(values, 'allow-destructive');
    const target = await loadTarget(stringOption(values, 'schema'), io);
    const client = openDatabase(db, { authToken: stringOption(values, 'auth-token') ?? io.env['TURSO_AUTH_TOKEN'], create: false });
    try {
      let result: Plan;
      let label: string;
      if (target.kind === 'file') {
        result = makePlan(await introspect(client), target.desired, { allowDestructive });
        label = basename(target.file);
      } else {
        const { registry } = target;
        const planned = await planSync(client, registry, { allowDestructive });
        result = planned.plan;
        label = `schema ${registry.current.version} (database records ${planned.recorded?.version ?? 'no version'})`;
      }
      print(io, json, { target: label, ...result }, `-- plan for ${db} → ${label}: ${result.steps.length} statement(s)\n${formatPlan(result)}`);
      return EXIT.ok;
    } finally {
      client.close();
    }
  },
};
