/** Where a command writes and what environment it reads: the process's, or a test's capture. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): Io {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    env: process.env,
  };
}

/** An Io that keeps what was written, for in-process runs (tests, embedding). */
export function captureIo(env: Readonly<Record<string, string | undefined>> = process.env): Io & { readonly out: string; readonly err: string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => { out += text; },
    stderr: (text) => { err += text; },
    env,
    get out() { return out; },
    get err() { return err; },
  };
}
