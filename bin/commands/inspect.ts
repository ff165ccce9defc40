/** `inspect`: the database's schema and recorded version; `--sql` prints it as re-appliable DDL. */
import type { Command } from '../cli/command.js';
import { openDatabase } from '../cli/database.js';
import { UsageError } from '../cli/errors.js';
import { EXIT } from '../cli/exit.js';
import { DB_HELP, DB_OPTIONS, displayDb, flag, requiredDb, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { formatSchema, formatSql } from '../cli/format.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/audit.js';

export const inspect: Command = {
  summary: "print the database's schema and recorded version",
  synopsis: '--db <url> [--sql | --json]',
  options: { ...DB_OPTIONS, sql: { type: 'boolean', default: false } },
  help: [
    ...DB_HELP,
    ['--sql', 'inspect: the schema as DDL that recreates it (e.g. for --schema or an empty database)'],
  ],
  async run(values, io) {
    const db = requiredDb(values);
    const json = flag(values, 'json');
    const sql = flag(values, 'sql');
    if (sql && json) throw new UsageError('inspect takes --sql or --json, not both');
    const client = await openDatabase(db, {
      authToken: stringOption(values, 'auth-token') ?? io.env['TURSO_AUTH_TOKEN'],
      create: false,
    });
    try {
      const [schema, state] = [await introspect(client), await readVersionState(client)];
      const version =
        state.recorded === null
          ? 'no recorded version'
          : `schema ${state.recorded.version} (applied ${state.recorded.appliedAt})`;
      if (sql) {
        io.stdout(`-- ${displayDb(db)}: ${version}\n${formatSql(schema)}\n`);
        return EXIT.ok;
      }
      print(io, json, { version: state.recorded, schema }, `-- ${displayDb(db)}: ${version}\n${formatSchema(schema)}`);
      return EXIT.ok;
    } finally {
      client.close();
    }
  },
};
