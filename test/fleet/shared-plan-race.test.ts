/**
 * A plan shared by fingerprint must be made from the schema the fingerprint saw. Here another
 * applier migrates the first database between its fingerprint read and its introspection: the
 * empty plan that introspection would give must not be cached under the old fingerprint, or every
 * other database of that fingerprint would record 1.1.0 without its schema changes.
 */
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import t from 'tap';
import { syncOne } from '../../lib/fleet/sync-one.js';
import { PlanCache } from '../../lib/plan-cache.js';
import { targetFromVersions } from '../../lib/target.js';
import { syncDatabase } from '../../lib/sync.js';
import { dirFor } from '../lib/_support.js';
import { fileUrl } from '../../bench/fleet/fixture.js';
import { fleetAt, quickState, referenceSchemas, writeSchemaDir } from './_fleet.js';

t.test('another applier between fingerprint and introspection: no poisoned shared plan', async (t) => {
  const root = dirFor(t);
  const schemaDir = writeSchemaDir(join(root, 'schema'));
  const { paths, registry } = await fleetAt(root, schemaDir, 3);
  const reference = await referenceSchemas(join(root, 'template', 'template-1.0.0.db'), registry, root);
  const engine = targetFromVersions(registry.versions, '1.1.0');
  const target = { engine, latest: '1.1.0', allowDestructive: false, dryRun: false };
  const cache = new PlanCache();
  const [first, ...others] = paths as [string, ...string[]];

  // The first database: after its fingerprint read (the first batch), a sign-in migrates it.
  const raw = createClient({ url: fileUrl(first) });
  t.teardown(() => raw.close());
  // Reads in order: version row, fingerprint (a read batch), then the schema to plan from.
  let fingerprinted = false;
  let migratedUnderIt = false;
  const interfered: Client = new Proxy(raw, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'batch' || property === 'execute') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          if (fingerprinted && !migratedUnderIt) {
            migratedUnderIt = true;
            const other = createClient({ url: fileUrl(first) });
            await syncDatabase(other, engine);
            other.close();
          }
          if (property === 'batch') fingerprinted = true;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const raced = await syncOne('first', interfered, target, cache);
  t.match(raced, { outcome: 'up_to_date' }, 'the first database was migrated by the other applier');

  for (const path of [first, ...others]) {
    const client = createClient({ url: fileUrl(path) });
    try {
      if (path !== first) t.match(await syncOne(path, client, target, cache), { outcome: 'applied' });
    } finally {
      client.close();
    }
    const state = await quickState(path);
    t.equal(state.version, '1.1.0');
    t.same(state.auditCounts, { '1.0.0': 1, '1.1.0': 1 }, 'one 1.1.0 audit row');
    t.equal(state.schema, reference.get('1.1.0'), `${path}: the 1.1.0 schema, not just its audit row`);
    t.ok(state.integrity);
  }
});
