/**
 * Another connection that changes the schema under a plan: it takes the write lock (BEGIN
 * IMMEDIATE), adds a column and fills it, prints "locked", and commits `holdMs` later.
 * argv: <database url> <hold ms>
 */
import { createClient } from '@libsql/client';

const [url, holdMs] = process.argv.slice(2);
if (url === undefined || holdMs === undefined) throw new Error('usage: _ddl-holder.ts <url> <hold ms>');
const client = createClient({ url });
const transaction = await client.transaction('write');
await transaction.execute('ALTER TABLE notes ADD COLUMN added_elsewhere TEXT');
await transaction.execute("UPDATE notes SET added_elsewhere = 'kept ' || id");
process.stdout.write('locked\n');
await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
await transaction.commit();
client.close();
process.stdout.write('committed\n');
