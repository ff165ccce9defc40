/** `inspect`: the database's schema and recorded version. */
import type { Command } from '../cli/command.js';
import { openDatabase } from '../cli/database.js';
import { EXIT } from '../cli/exit.js';
import { DB_HELP, DB_OPTIONS, flag, requiredDb, stringOption } from '../cli/options.js';
import { print } from '../cli/output.js';
import { formatSchema } from '../../lib/format.js';
import { introspect } from '../../lib/introspect.js';
import { readVersionState } from '../../lib/sync.js';

export const inspect: Command = {
  summary: 'print the database\'s schema and recorded version',
  synopsis: '--db <url> [--json]',
  options: DB_OPTIONS,
  help: DB_HELP,
  async run(values, io) {
    const db = requiredDb(values);
    const json = flag(values, 'json');
    const client = openDatabase(db, { authToken: stringOption(values, 'auth-token') ?? io.env['TURSO_AUTH_TOKEN'], create: false });
    try {
      const [schema, state] = [await introspect(client), await readVersionState(client)];
      const version = state.recorded === null ? 'no recorded version' : `schema ${state.recorded.version} (applied ${state.recorded.appliedAt})`;
      print(io, json, { version: state.recorded, schema }, `-- ${db}: ${version}\n${formatSchema(schema)}`);
      return EXIT.ok;
    } finally {
      client.close();
    }
  },
};
