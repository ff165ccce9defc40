/**
 * A separate applier process for the concurrency test. It loads SCHEMA_DIR, says "ready" and waits
 * for "go" on stdin so that every worker starts together. With "gate", it also stops when its plan
 * is made (just before the apply batch), says "planned" and waits for "apply": every worker then
 * has planned against the same state and they race for the write lock. Prints the outcome as JSON.
 * argv: <database url> <schema dir> <busy timeout ms, or "none"> [gate]
 */
import { createInterface } from 'node:readline';
import { createClient, type Client } from '@libsql/client';
import { syncDatabase, SyncError } from '../../lib/sync.js';
import { loadRegistry } from '../../schema/registry.js';
import { targetOf } from '../../lib/target.js';

const [url, schemaDir, timeout, gate] = process.argv.slice(2);
if (url === undefined || schemaDir === undefined)
  throw new Error('usage: _sync-worker.ts <url> <schema dir> [timeout] [gate]');
const raw =
  timeout === undefined || timeout === 'none' ? createClient({ url }) : createClient({ url, timeout: Number(timeout) });
const registry = await loadRegistry({ schemaDir });

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function waitFor(word: string): Promise<void> {
  for (;;) {
    const next = await lines.next();
    if (next.done === true) throw new Error(`stdin closed before "${word}"`);
    if (next.value.trim() === word) return;
  }
}

let migrateCalls = 0;
const client: Client =
  gate !== 'gate'
    ? raw
    : new Proxy(raw, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if ((property === 'migrate' || property === 'executeMultiple') && typeof value === 'function') {
            return async (...args: unknown[]) => {
              if (migrateCalls++ === 0) {
                process.stdout.write('planned\n');
                await waitFor('apply');
              }
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });

process.stdout.write('ready\n');
await waitFor('go');
let lostRace = false;
try {
  const result = await syncDatabase(client, targetOf(registry));
  lostRace = result.racesLost > 0;
  process.stdout.write(
    `${JSON.stringify({ outcome: result.outcome, from: result.fromVersion, to: result.toVersion, lostRace })}\n`,
  );
} catch (error) {
  const code = error instanceof SyncError ? error.code : 'UNEXPECTED';
  process.stdout.write(`${JSON.stringify({ error: code, message: (error as Error).message, lostRace })}\n`);
} finally {
  raw.close();
  process.exit(0);
}
