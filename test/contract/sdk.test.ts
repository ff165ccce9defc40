/**
 * The SDK (schema-sync/client): its types are generated from openapi.yaml and must not drift; they
 * compile and reject undocumented calls; the package exports it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { generateSdkTypes, SDK_TYPES_PATH } from '../../scripts/sdk.js';
import { ROOT } from './_openapi.js';

const run = promisify(execFile);

t.test('client/schema.ts is what openapi-typescript makes of openapi.yaml (run `npm run sdk`)', async (t) => {
  t.equal(readFileSync(SDK_TYPES_PATH, 'utf8'), await generateSdkTypes(), 'client/schema.ts is up to date');
});

t.test('the SDK types accept documented calls and reject others', async (t) => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '--noEmit',
    '--strict',
    '--noUncheckedIndexedAccess',
    '--skipLibCheck',
    '--target',
    'ES2022',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--types',
    'node',
    join(ROOT, 'test', 'contract', 'fixtures', 'sdk-usage.ts'),
  ];
  const result = await run(process.execPath, args, { cwd: ROOT }).then(
    () => ({ code: 0, output: '' }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? '' }),
  );
  t.equal(result.code, 0, 'tsc accepts the usage and every @ts-expect-error is an error', { output: result.output });
});

t.test('package.json exports schema-sync/client from what `npm run build` emits', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports?: Record<string, { types?: string; default?: string }>;
    dependencies?: Record<string, string>;
  };
  t.same(pkg.exports?.['./client'], { types: './dist/client/index.d.ts', default: './dist/client/index.js' });
  t.ok(pkg.dependencies?.['openapi-fetch'], 'openapi-fetch is a runtime dependency');
  const tsconfig = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
  t.match(tsconfig, /"client\/\*\*\/\*\.ts"/, 'tsconfig compiles client/');
});

const built = join(ROOT, 'dist', 'client', 'index.js');
const notBuilt = existsSync(built)
  ? false
  : 'dist/client/index.js is missing: run `npm run build` (.ci/run does) to check the package import';
t.test("import('schema-sync/client') through the package's exports", { skip: notBuilt }, async (t) => {
  // A self-reference through "exports", as a consumer of the package would import it.
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const m = await import('schema-sync/client'); console.log(typeof m.createSchemaSyncClient)",
    ],
    { cwd: ROOT },
  );
  t.equal(stdout.trim(), 'function', "import('schema-sync/client') gives createSchemaSyncClient");
});
