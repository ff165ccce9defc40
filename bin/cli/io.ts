/** Where a command writes and what environment it reads: the process's, or a test's capture. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A reader that goes away (`sync-all --json | head -1`) or a full disk must not abort a command
 * half-way through a rollout: the first write error on standard output is said once on stderr,
 * output stops, and the work — reports and state files included — carries on.
 */
let stdoutGone = false;
let watchingStdout = false;

function watchStdout(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (stdoutGone) return;
    stdoutGone = true;
    process.stderr.write(
      `schema-sync: standard output failed (${error.code ?? error.message}); carrying on without it\n`,
    );
  });
}

export function processIo(): Io {
  watchStdout();
  return {
    stdout: (text) => {
      if (!stdoutGone) process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
  };
}

/** An Io that keeps what was written, for in-process runs (tests, embedding). */
export function captureIo(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Io & { readonly out: string; readonly err: string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
