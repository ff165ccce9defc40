/**
 * Generates the SDK's types, client/schema.ts, from openapi.yaml with openapi-typescript.
 * `--check` compares instead of writing and exits 1 on drift.
 *
 *   npm run sdk            # regenerate client/schema.ts (after `npm run openapi`)
 *   npm run sdk -- --check # fail when client/schema.ts is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { OPENAPI_PATH } from './openapi.js';

export const SDK_TYPES_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'client', 'schema.ts');

const BANNER = `/**
 * Generated from openapi.yaml by \`npm run sdk\` (openapi-typescript). Do not edit: change the route
 * schemas, then run \`npm run openapi && npm run sdk\`. A test fails when this file drifts.
 */

`;

/** The TypeScript types of openapi.yaml (or of `source`, a path to another document). */
export async function generateSdkTypes(source: string = OPENAPI_PATH): Promise<string> {
  const ast = await openapiTS(pathToFileURL(source));
  return BANNER + astToString(ast);
}

async function main(argv: readonly string[]): Promise<number> {
  const types = await generateSdkTypes();
  if (!argv.includes('--check')) {
    writeFileSync(SDK_TYPES_PATH, types);
    process.stdout.write(`wrote ${SDK_TYPES_PATH}\n`);
    return 0;
  }
  let committed = '';
  try {
    committed = readFileSync(SDK_TYPES_PATH, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (committed === types) {
    process.stdout.write('client/schema.ts is up to date\n');
    return 0;
  }
  process.stderr.write('client/schema.ts differs from openapi.yaml: run `npm run sdk` and commit the result\n');
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
