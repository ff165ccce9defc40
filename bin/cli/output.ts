/** One result, as JSON (--json) or as text for a person. */
import type { Io } from './io.js';

export function print(io: Io, json: boolean, value: unknown, human: string): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}
