/**
 * docs/configuration.md's table is generated from the env schema (`npm run docs:config`): it must be
 * what the schema says now, every variable must be described, and the defaults the table prints for
 * variables lib/config/load.ts computes must be the ones it computes.
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { usableCores } from '../../lib/cores.js';
import {
  COMPUTED_DEFAULTS,
  DEFAULT_SYNC_THREADS_MAX,
  EnvSchema,
  PRODUCTION_DRAIN_DELAY_MS,
} from '../../lib/config/env-schema.js';
import { loadConfig } from '../../lib/config/load.js';
import { CONFIG_DOC_PATH, configTable, TABLE_END, TABLE_START, withConfigTable } from '../../scripts/config-docs.js';

const committed = readFileSync(CONFIG_DOC_PATH, 'utf8');
const SECRET = 'x'.repeat(32);

t.test('docs/configuration.md is what the env schema produces (run `npm run docs:config`)', async (t) => {
  t.equal(committed, withConfigTable(committed), 'docs/configuration.md is up to date');
});

t.test('one described row per variable, between the markers', async (t) => {
  const table = committed.slice(committed.indexOf(TABLE_START) + TABLE_START.length, committed.indexOf(TABLE_END));
  const names = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
  t.same(names, Object.keys(EnvSchema.properties), 'every variable, in the schema order');
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    t.ok((schema.description ?? '').length > 10, `${name} has a description`);
  }
});

t.test('a stale table is caught', async (t) => {
  const stale = committed.replace(/^\| `PORT` \|.*$/m, '| `PORT` | integer | `8080` | where to listen |');
  t.not(withConfigTable(stale), stale, 'an edited row is rewritten');
  const described = Type.Object({ A: Type.Integer({ default: 1, description: 'the letter A' }) });
  t.match(configTable(described, {}), /^\| `A` \| integer \| `1` \| the letter A \|$/m);
  t.throws(() => configTable(Type.Object({ B: Type.String() }), {}), /B has no description/);
  t.throws(() => withConfigTable('# no markers\n'), /must hold the markers/);
});

t.test('the computed defaults the table prints are the ones load.ts computes', async (t) => {
  t.same(Object.keys(COMPUTED_DEFAULTS).sort(), ['DRAIN_DELAY_MS', 'SYNC_THREADS']);
  for (const name of Object.keys(COMPUTED_DEFAULTS)) {
    const schema = EnvSchema.properties[name as keyof typeof EnvSchema.properties];
    t.equal(schema.default, undefined, `${name} has no schema default`);
  }
  t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).shutdown.drainDelayMs, PRODUCTION_DRAIN_DELAY_MS);
  t.equal(loadConfig({ NODE_ENV: 'development' }).shutdown.drainDelayMs, 0);
  t.equal(loadConfig({ NODE_ENV: 'test' }).shutdown.drainDelayMs, 0);
  t.match(COMPUTED_DEFAULTS.DRAIN_DELAY_MS, String(PRODUCTION_DRAIN_DELAY_MS));
  t.equal(loadConfig({}).syncThreads.count, Math.min(DEFAULT_SYNC_THREADS_MAX, usableCores()));
  t.match(COMPUTED_DEFAULTS.SYNC_THREADS, `at most \`${DEFAULT_SYNC_THREADS_MAX}\``);
});

t.test('the schema defaults the table prints are the ones loadConfig applies', async (t) => {
  const config = loadConfig({});
  const table = configTable();
  const defaultOf = (name: string): string | undefined =>
    new RegExp(`^\\| \`${name}\` \\| [^|]* \\| \`([^\`]*)\` \\|`, 'm').exec(table)?.[1];
  t.equal(defaultOf('PORT'), String(config.port));
  t.equal(defaultOf('DB_POOL_SIZE'), String(config.pool.size));
  t.equal(defaultOf('SHUTDOWN_TIMEOUT_MS'), String(config.shutdown.timeoutMs));
  t.equal(defaultOf('SYNC_THREAD_MIN_BYTES'), String(config.syncThreads.minBytes));
  t.equal(defaultOf('LOG_LEVEL'), config.logLevel);
});
