/** What a command module exports; the dispatcher (bin/commands/index.ts) lists them by name. */
import type { ParseArgsConfig } from 'node:util';
import type { Io } from './io.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export type OptionValues = Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;

export interface Command {
  /** One line for the usage text. */
  readonly summary: string;
  /** The arguments after the command's name, e.g. `--db <url> [--json]`; one entry per form. */
  readonly synopsis: string | readonly string[];
  /** The command's options beyond the shared --json and --help. */
  readonly options: OptionSpecs;
  /** `--flag <value>` → what it does, for the usage text (shared flags are listed once). */
  readonly help: ReadonlyArray<readonly [flag: string, description: string]>;
  run(values: OptionValues, io: Io): Promise<number>;
}
