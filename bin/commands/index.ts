/**
 * Every CLI command, by name. Adding one is a module under bin/commands/ exporting a `Command`
 * plus one line here; the usage text and the parser are generated from this record.
 */
import type { Command } from '../cli/command.js';
import { apply } from './apply.js';
import { inspect } from './inspect.js';
import { plan } from './plan.js';
import { token } from './token.js';
import { syncAllCommand } from './sync-all.js';

export const commands: Readonly<Record<string, Command>> = {
  inspect,
  plan,
  apply,
  token,
  'sync-all': syncAllCommand,
};
