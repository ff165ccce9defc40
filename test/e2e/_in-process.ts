/**
 * The CLI run in the test's own process: the same `run(argv, io)` bin/schema-sync.ts calls, with
 * stdout/stderr captured and the exit code returned. Spawning a node process per command costs
 * ~0.2-0.7 s, which put the corpus past tap's per-file limit on a loaded machine.
 */
import { run } from '../../bin/cli/main.js';
import { captureIo } from '../../bin/cli/io.js';
import type { CliResult } from './_cli.js';

/** Like `cli()`: an undefined value in `env` removes the variable (e.g. SCHEMA_DIR). */
export async function cliInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const io = captureIo({ ...process.env, ...env });
  const code = await run(args, io);
  return { code, stdout: io.out, stderr: io.err };
}
