/**
 * lib/libsql.ts: the embedded client without the remote one. Errors from either client are the
 * classes the engine tests with `instanceof`; embedded URLs never load the remote client's path,
 * and a remote URL is refused by the embedded-only constructor rather than misread as a file.
 */
import { join } from 'node:path';
import { createClient, LibsqlError as FullClientError } from '@libsql/client';
import t from 'tap';
import { createLocalClient, isEmbeddedUrl, LibsqlBatchError, LibsqlError, openClient } from '../../lib/libsql.js';
import { dirFor } from './_support.js';

t.test('errors from the full client and the embedded one are the same classes', async (t) => {
  t.equal(LibsqlError, FullClientError, 'one LibsqlError');
  const full = createClient({ url: ':memory:' });
  const embedded = createLocalClient({ url: ':memory:' });
  t.teardown(() => {
    full.close();
    embedded.close();
  });
  for (const client of [full, embedded]) {
    const error = await client.execute('SELECT * FROM missing').then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(error instanceof LibsqlError, 'a LibsqlError');
    const batch = await client.migrate(['CREATE TABLE a (x)', 'SELECT * FROM missing']).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(batch instanceof LibsqlBatchError && batch.statementIndex === 1, 'a LibsqlBatchError naming statement 1');
  }
});

t.test('embedded URLs open embedded clients; remote URLs go to the full client', async (t) => {
  t.ok(isEmbeddedUrl('file:/tmp/a.db') && isEmbeddedUrl(':memory:'));
  t.notOk(isEmbeddedUrl('libsql://db.example.com') || isEmbeddedUrl('http://127.0.0.1:1'));
  t.throws(() => createLocalClient({ url: 'http://127.0.0.1:1' }), /not an embedded database URL/);
  const path = join(dirFor(t), 'a.db');
  const client = await openClient({ url: `file:${path}` });
  t.teardown(() => client.close());
  t.equal(client.protocol, 'file');
  await client.execute('CREATE TABLE t (x)');
  const remote = await openClient({ url: 'http://127.0.0.1:9' });
  t.equal(remote.protocol, 'http', 'a remote URL gets the remote client');
  remote.close();
});
