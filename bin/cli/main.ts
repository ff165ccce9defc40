/**
 * The dispatcher: parses argv against the command record, runs one command, maps what it throws
 * to an exit code. `run` writes only through `io`, so tests can call it in-process.
 */
import { parseArgs } from 'node:util';
import { commands } from '../commands/index.js';
import type { OptionSpecs, OptionValues } from './command.js';
import { reportFailure, UsageError } from './errors.js';
import { EXIT, EXIT_HELP } from './exit.js';
import type { Io } from './io.js';

const SHARED_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};
const SHARED_HELP: ReadonlyArray<readonly [string, string]> = [['--json', 'machine-readable output']];

/** The usage text, generated from the command record (synopses, then every flag once). */
export function usage(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((name) => name.length));
  const lines = ['Usage:'];
  for (const [name, command] of Object.entries(commands)) {
    const forms = typeof command.synopsis === 'string' ? [command.synopsis] : command.synopsis;
    for (const form of forms) lines.push(`  schema-sync ${name.padEnd(width)} ${form}`);
  }
  lines.push('', 'Commands:');
  for (const [name, command] of Object.entries(commands)) lines.push(`  ${name.padEnd(width)}  ${command.summary}`);
  const flags = new Map<string, string>();
  for (const command of Object.values(commands))
    for (const [flagText, description] of command.help) if (!flags.has(flagText)) flags.set(flagText, description);
  for (const [flagText, description] of SHARED_HELP) flags.set(flagText, description);
  const flagWidth = Math.max(...[...flags.keys()].map((text) => text.length)) + 2;
  lines.push('');
  for (const [flagText, description] of flags) {
    const [first, ...rest] = description.split('\n');
    lines.push(
      `  ${flagText.padEnd(flagWidth)} ${first ?? ''}`,
      ...rest.map((line) => `  ${''.padEnd(flagWidth)} ${line}`),
    );
  }
  lines.push('', EXIT_HELP);
  return lines.join('\n');
}

interface Parsed {
  readonly name: string;
  readonly values: OptionValues;
}

function allOptions(): OptionSpecs {
  const merged: OptionSpecs = { ...SHARED_OPTIONS };
  for (const command of Object.values(commands)) Object.assign(merged, command.options);
  return merged;
}

/**
 * Two passes: the first, against every command's options, finds the command (options may come
 * before it) and names a flag the command does not take; the second parses strictly against the
 * command's own options, so two commands may give one flag different types.
 */
function parse(argv: readonly string[]): Parsed | 'help' {
  const first = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: allOptions(),
  });
  if (first.values['help'] === true) return 'help';
  const [name] = first.positionals;
  if (name === undefined || name.startsWith('-')) throw new UsageError('a command is required');
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command "${name}"`);
  const known = (option: string): boolean =>
    Object.hasOwn(command.options, option) || Object.hasOwn(SHARED_OPTIONS, option);
  const foreign = first.tokens.find(
    (token) => token.kind === 'option' && !known(token.name) && Object.hasOwn(allOptions(), token.name),
  );
  if (foreign?.kind === 'option') throw new UsageError(`${name} does not take --${foreign.name}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...SHARED_OPTIONS, ...command.options },
    });
  } catch (error) {
    // parseArgs's wording ("Unknown option '--x'. To specify a positional argument…") cut to the point.
    throw new UsageError((error as Error).message.replace(/^Unknown option '([^']+)'[\s\S]*$/, 'unknown option $1'));
  }
  const extra = parsed.positionals.slice(1);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return { name, values: parsed.values };
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`schema-sync: ${(error as Error).message}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (parsed === 'help') {
    io.stderr(`${usage()}\n`);
    return EXIT.ok;
  }
  const json = parsed.values['json'] === true;
  try {
    return await (commands[parsed.name] as NonNullable<(typeof commands)[string]>).run(parsed.values, io);
  } catch (error) {
    if (error instanceof UsageError && error.showUsage && !json) {
      io.stderr(`schema-sync: ${error.message}\n\n${usage()}\n`);
      return EXIT.usage;
    }
    const db = parsed.values['db'];
    return reportFailure(io, json, error, typeof db === 'string' ? db : undefined);
  }
}
