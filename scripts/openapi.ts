/**
 * Writes openapi.yaml, the service's contract, from the running routes: builds the app with a
 * throwaway configuration (nothing in the document depends on it), waits for it to be ready and
 * asks @fastify/swagger for the YAML. `--check` compares instead of writing and exits 1 on drift.
 *
 *   npm run openapi            # regenerate openapi.yaml
 *   npm run openapi -- --check # fail when openapi.yaml is stale
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../app.js';
import { loadConfig } from '../lib/config/load.js';

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'openapi.yaml');

/** The OpenAPI document the routes describe, as YAML. */
export async function generateOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'schema-sync-openapi-'));
  try {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      // A fixed, obviously fake secret: the document never contains it, but a random one would
      // be one more thing that differs between runs.
      JWT_SECRET: 'openapi-generation-only-not-a-real-secret',
      DOCS: 'true',
    });
    const app = await buildApp({ config, logger: false });
    try {
      await app.ready();
      const yaml = app.swagger({ yaml: true });
      return yaml.endsWith('\n') ? yaml : `${yaml}\n`;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const yaml = await generateOpenApi();
  if (!check) {
    writeFileSync(OPENAPI_PATH, yaml);
    process.stdout.write(`wrote ${OPENAPI_PATH}\n`);
    return 0;
  }
  let committed = '';
  try {
    committed = readFileSync(OPENAPI_PATH, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (committed === yaml) {
    process.stdout.write('openapi.yaml is up to date\n');
    return 0;
  }
  process.stderr.write('openapi.yaml differs from the routes: run `npm run openapi` and commit the result\n');
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
