/**
 * openapi.yaml through two third-party linters, as the tools that consume the contract see it:
 * Redocly CLI (`redocly lint`, its recommended rules) and Spectral (`spectral:oas`, the ruleset in
 * .spectral.yaml). Neither finds an error; the warnings left are exactly the ones listed here
 * (docs/deployment.md says why). Both run offline, telemetry and update checks off, and each is
 * shown to catch a broken document.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { tempDir } from './_server.js';
import { OPENAPI_FILE, ROOT } from './_openapi.js';

const run = promisify(execFile);

const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const SPECTRAL = join(ROOT, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js');
const SPECTRAL_RULESET = join(ROOT, '.spectral.yaml');
const OFFLINE_ENV = {
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '',
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  SCARF_ANALYTICS: 'false',
  NO_COLOR: '1',
};

interface Finding {
  readonly rule: string;
  readonly severity: 'error' | 'warn' | 'info';
  readonly where: string;
}

/** Runs a linter's CLI; its JSON report comes on stdout whatever its exit code. */
async function lint(args: readonly string[]): Promise<{ code: number; stdout: string }> {
  return run(process.execPath, args, { cwd: ROOT, env: OFFLINE_ENV, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
  );
}

async function redocly(file: string): Promise<{ code: number; findings: Finding[] }> {
  const { code, stdout } = await lint([REDOCLY, 'lint', file, '--extends=recommended', '--format=json']);
  const report = JSON.parse(stdout) as {
    problems: { ruleId: string; severity: 'error' | 'warn'; location: { pointer: string }[] }[];
  };
  return {
    code,
    findings: report.problems.map((p) => ({
      rule: p.ruleId,
      severity: p.severity,
      where: p.location[0]?.pointer ?? '',
    })),
  };
}

async function spectral(file: string): Promise<{ code: number; findings: Finding[] }> {
  const { code, stdout } = await lint([SPECTRAL, 'lint', file, '--ruleset', SPECTRAL_RULESET, '--format', 'json']);
  // With nothing found, Spectral prints a sentence instead of a JSON array.
  const report = stdout.trim().startsWith('[')
    ? (JSON.parse(stdout) as { code: string; severity: number; path: string[] }[])
    : [];
  const severities = ['error', 'warn', 'info', 'info'] as const;
  return {
    code,
    findings: report.map((p) => ({
      rule: p.code,
      severity: severities[p.severity] ?? 'info',
      where: p.path.join('.'),
    })),
  };
}

const errorsOf = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.severity === 'error');

/** openapi.yaml with no servers and two operations sharing an operationId. */
function brokenCopy(dir: string): string {
  const doc = parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
    servers?: unknown;
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  delete doc.servers;
  const ready = doc.paths['/ready']?.['get'];
  if (ready) ready.operationId = 'health';
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

t.test('Redocly CLI, recommended rules: no error', async (t) => {
  const { code, findings } = await redocly(OPENAPI_FILE);
  t.same(errorsOf(findings), [], 'no error');
  t.equal(code, 0, 'redocly lint passes');
  t.same(
    findings.map((f) => `${f.rule} ${f.where}`),
    [
      // The probes answer no 4xx: /health 200 only, /ready 200 or 503.
      'operation-4xx-response #/paths/~1health/get/responses',
      'operation-4xx-response #/paths/~1ready/get/responses',
    ],
    'the only warnings are the known ones',
  );
});

t.test('Spectral, spectral:oas: no error', async (t) => {
  const { code, findings } = await spectral(OPENAPI_FILE);
  t.same(errorsOf(findings), [], 'no error');
  t.equal(code, 0, 'spectral lint passes');
  t.same(
    findings.map((f) => `${f.rule} ${f.where}`),
    // The service has no contact to publish.
    ['info-contact info'],
    'the only warning is the known one',
  );
});

t.test('both catch a broken document', async (t) => {
  const broken = brokenCopy(tempDir(t, 'schema-sync-lint-'));
  const fromRedocly = await redocly(broken);
  t.not(fromRedocly.code, 0, 'redocly lint fails');
  const rules = errorsOf(fromRedocly.findings).map((f) => f.rule);
  t.ok(rules.includes('no-empty-servers'), 'redocly: no servers');
  t.ok(rules.includes('operation-operationId-unique'), 'redocly: duplicate operationId');
  const fromSpectral = await spectral(broken);
  t.not(fromSpectral.code, 0, 'spectral lint fails');
  t.ok(
    errorsOf(fromSpectral.findings).some((f) => f.rule === 'operation-operationId-unique'),
    'spectral: duplicate operationId',
  );
});
