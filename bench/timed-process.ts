/**
 * A whole process timed from the outside, as the fleet benches measure the CLI and their floors:
 * wall time around it, and peak RSS and CPU time from /usr/bin/time when the machine has it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export interface Timed {
  readonly wallS: number;
  readonly cpuS: number | null;
  readonly peakRssMb: number | null;
  readonly code: number | null;
  readonly out: string;
  /** The process's stderr, when it was captured (else it went to ours). */
  readonly err: string | null;
}

/** Runs `node <args>` in `cwd`, its stdout to `outFile` (and stderr beside it when `captureStderr`). */
export function timedNode(
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    readonly outFile: string;
    readonly captureStderr: boolean;
  },
): Promise<Timed> {
  const { outFile } = options;
  const timeFile = `${outFile}.time`;
  const errFile = `${outFile}.err`;
  const command = TIME === null ? process.execPath : TIME;
  const argv = TIME === null ? [...args] : ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args];
  const out = openSync(outFile, 'w');
  const err = options.captureStderr ? openSync(errFile, 'w') : 'inherit';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: options.cwd, stdio: ['ignore', out, err], env: options.env });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      closeSync(out);
      if (typeof err === 'number') closeSync(err);
      const [rssKb, user, system] =
        TIME === null ? [] : (readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      resolve({
        wallS: Math.round(wallS * 1000) / 1000,
        cpuS: user === undefined || system === undefined ? null : Math.round((user + system) * 100) / 100,
        peakRssMb: rssKb === undefined || Number.isNaN(rssKb) ? null : Math.round(rssKb / 1024),
        code,
        out: readFileSync(outFile, 'utf8'),
        err: typeof err === 'number' ? readFileSync(errFile, 'utf8') : null,
      });
    });
  });
}
