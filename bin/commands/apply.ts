/** `apply`: bring the database to the desired schema in one atomic batch. */
import type { Command } from '../cli/command.js';
import { openDatabase } from '../cli/database.js';
import { EXIT } from '../cli/exit.js';
import { DB_HELP, DB_OPTIONS, displayDb, flag, requiredDb, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { fileOptions } from '../cli/schema-file.js';
import { loadTarget } from '../cli/target.js';
import { formatPlan } from '../cli/format.js';
import { syncDatabase, syncToSchema } from '../../lib/sync.js';
import { TARGET_HELP, TARGET_OPTIONS } from './plan.js';

export const apply: Command = {
  summary: 'apply the plan (creates a missing local database file)',
  synopsis: '--db <url> [--schema <file.sql>] [--allow-destructive] [--json]',
  options: { ...DB_OPTIONS, ...TARGET_OPTIONS },
  help: [...DB_HELP, ...TARGET_HELP],
  async run(values, io) {
    const db = requiredDb(values);
    const json = flag(values, 'json');
    const allowDestructive = flag(values, 'allow-destructive');
    const target = await loadTarget(stringOption(values, 'schema'), io);
    const client = await openDatabase(db, {
      authToken: stringOption(values, 'auth-token') ?? io.env['TURSO_AUTH_TOKEN'],
      create: true,
    });
    try {
      if (!json) io.stderr(`applying to ${displayDb(db)}…\n`);
      if (target.kind === 'file') {
        const { plan, durationMs } = await syncToSchema(client, target.desired, {
          allowDestructive,
          planOptions: (actual) => fileOptions(target, actual),
        });
        const outcome = plan.steps.length === 0 ? 'up_to_date' : 'applied';
        print(
          io,
          json,
          { outcome, statements: plan.steps.length, durationMs, ...plan },
          `${formatPlan(plan)}\n-- ${outcome === 'applied' ? `applied ${plan.steps.length} statement(s)` : 'already in sync'} in ${durationMs} ms`,
        );
        return EXIT.ok;
      }
      const result = await syncDatabase(client, target.syncTarget, { allowDestructive, verify: true });
      const summary =
        result.outcome === 'applied'
          ? `applied schema ${result.toVersion} (from ${result.fromVersion ?? 'no version'}): ${result.statements} statement(s) in ${result.durationMs} ms`
          : `already at schema ${result.toVersion}`;
      print(io, json, result, `${result.outcome === 'applied' ? `${formatPlan(result.plan)}\n` : ''}-- ${summary}`);
      return EXIT.ok;
    } finally {
      client.close();
    }
  },
};
