/**
 * Writing a file whole or not at all: the data goes to a temporary file beside it, which is then
 * renamed over the path (a rename within a directory is atomic), so a reader — a metrics
 * collector, the next rollout — sees the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/** Unique per writer: two processes (or two saves in one) may write the same path at once; the last rename wins. */
function temporaryFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temporary = temporaryFor(path);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The same, for callers that cannot await (a state file saved on the way out). */
export function writeFileAtomicSync(path: string, data: string): void {
  const temporary = temporaryFor(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
