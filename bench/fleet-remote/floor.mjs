// The floor of bench/fleet-remote: a minimal client sending exactly ONE Hrana request per database
// (POST /v2/pipeline, the protocol @libsql/client speaks to these servers), `concurrency` of them
// in flight, over the same transport the CLI uses (an undici Client per database, see
// lib/providers/http-connection.ts). It knows the hostnames and holds a group token
// already (given by the bench), so it makes no Platform API request. Nothing is read, planned or
// checked before writing: the bench verifies every database afterwards.
//   migrate: PRAGMA foreign_keys = OFF, then one transaction (BEGIN IMMEDIATE, the migration's
//            statements, the audit row, COMMIT; ROLLBACK if any failed), foreign keys back on,
//            and the stream closed — all in the one request.
//   noop:    the newest version row, and the stream closed.
// Plain JavaScript, so it starts like the built CLI does. argv: <job.json>; prints a JSON summary.
import { readFileSync } from 'node:fs';
import { Client } from 'undici';

const jobFile = process.argv[2];
if (jobFile === undefined) throw new Error('usage: floor.mjs <job.json>');
/** @type {{ mode: 'migrate' | 'noop', concurrency: number, token: string, hosts: string[],
 *           statements: string[], audit: { sql: string, args: unknown[] }, expectVersion: string }} */
const job = JSON.parse(readFileSync(jobFile, 'utf8'));

const stmt = (sql, args = []) => ({ sql, args, want_rows: false });

function migrateBody() {
  const steps = [{ stmt: stmt('BEGIN IMMEDIATE') }];
  for (const sql of job.statements) steps.push({ condition: { type: 'ok', step: steps.length - 1 }, stmt: stmt(sql) });
  steps.push({ condition: { type: 'ok', step: steps.length - 1 }, stmt: stmt(job.audit.sql, job.audit.args) });
  const commit = steps.length;
  steps.push({ condition: { type: 'ok', step: commit - 1 }, stmt: stmt('COMMIT') });
  steps.push({ condition: { type: 'not', cond: { type: 'ok', step: commit } }, stmt: stmt('ROLLBACK') });
  return {
    commit,
    body: JSON.stringify({
      baton: null,
      requests: [
        { type: 'execute', stmt: stmt('PRAGMA foreign_keys = OFF') },
        { type: 'batch', batch: { steps } },
        { type: 'execute', stmt: stmt('PRAGMA foreign_keys = ON') },
        { type: 'close' },
      ],
    }),
  };
}

const readBody = JSON.stringify({
  baton: null,
  requests: [
    {
      type: 'execute',
      stmt: { sql: 'SELECT version FROM schema_version ORDER BY id DESC LIMIT 1', want_rows: true },
    },
    { type: 'close' },
  ],
});

const migrate = job.mode === 'migrate' ? migrateBody() : null;

/** What went wrong with one database's answer, or null. */
function problemOf(answer) {
  const failed = answer.results.find((r) => r.type !== 'ok');
  if (failed !== undefined) return failed.error?.message ?? 'a request failed';
  if (migrate !== null) {
    const batch = answer.results[1].response.result;
    const error = batch.step_errors.find((e) => e !== null);
    if (error !== undefined) return error.message;
    return batch.step_results[migrate.commit] === null ? 'not committed' : null;
  }
  const version = answer.results[0].response.result.rows[0]?.[0]?.value;
  return version === job.expectVersion ? null : `at ${String(version)}, not ${job.expectVersion}`;
}

const started = performance.now();
const failures = [];
let next = 0;
const lane = async () => {
  while (next < job.hosts.length) {
    const host = job.hosts[next++];
    const client = new Client(`http://${host}`);
    try {
      const response = await client.request({
        path: '/v2/pipeline',
        method: 'POST',
        headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
        body: migrate === null ? readBody : migrate.body,
      });
      const text = await response.body.text();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const problem = ok ? problemOf(JSON.parse(text)) : `HTTP ${response.statusCode} ${text.slice(0, 200)}`;
      if (problem !== null) failures.push({ host, problem });
    } catch (error) {
      failures.push({ host, problem: String(error) });
    } finally {
      void client.close();
    }
  }
};
await Promise.all(Array.from({ length: Math.min(job.concurrency, job.hosts.length) }, lane));
process.stdout.write(
  `${JSON.stringify({
    databases: job.hosts.length,
    failed: failures.length,
    failures: failures.slice(0, 5),
    durationMs: Math.round(performance.now() - started),
  })}\n`,
);
