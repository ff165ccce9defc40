/**
 * An applier to be killed: brings the database at argv[2] to the DDL file argv[3] through the real
 * engine (syncToSchema), saying "applying" just before its batch starts and "done" after it.
 */
import { readFileSync } from 'node:fs';
import { createClient, type Client } from '@libsql/client';
import { loadDesiredSchema } from '../../lib/desired.js';
import { syncToSchema } from '../../lib/sync.js';

const [url, ddlFile] = process.argv.slice(2);
if (url === undefined || ddlFile === undefined) throw new Error('usage: _apply-worker.ts <url> <ddl file>');
const desired = await loadDesiredSchema(readFileSync(ddlFile, 'utf8'));
const raw = createClient({ url });
const client: Client = new Proxy(raw, {
  get(target, property, receiver) {
    const value: unknown = Reflect.get(target, property, receiver);
    if ((property === 'migrate' || property === 'executeMultiple') && typeof value === 'function') {
      return (...args: unknown[]) => {
        process.stdout.write('applying\n');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});
await syncToSchema(client, desired);
process.stdout.write('done\n');
raw.close();
