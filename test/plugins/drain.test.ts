/**
 * Graceful drain of the real server process (server.ts under tsx, on a 127.0.0.1 port): a burst of
 * sign-ins of new users (each one creates and migrates a real libSQL file) with SIGTERM in the
 * middle. Every request that was sent gets an HTTP response: a request counts as unanswered when
 * it fails with anything but a failed connect (refused, or reset during the handshake: no byte of
 * the request was written). /ready turns 503 SHUTTING_DOWN at once, the process exits 0 within its
 * bound, and every database it touched is whole: at the current version, integrity ok, no hot
 * journal left behind (no transaction cut off, every client closed).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import t from 'tap';
import { databaseNameFor } from '../../lib/naming.js';
import { TEST_SECRET } from '../helpers/app.js';
import { startServerProcess, tokenSigner } from '../helpers/server-process.js';

const WORKERS = 12;
let sigtermAt = 0;
const DRAIN_DELAY_MS = 600;
const SHUTDOWN_TIMEOUT_MS = 8_000;

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly afterSigterm: boolean;
}

type Outcome = { kind: 'answered'; answer: Answer } | { kind: 'refused' } | { kind: 'lost'; error: string };

function post(
  agent: Agent,
  port: number,
  path: string,
  token: string,
  body: unknown,
  afterSigterm: () => boolean,
): Promise<Outcome> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            kind: 'answered',
            answer: { status: res.statusCode ?? 0, body: text, afterSigterm: afterSigterm() },
          }),
        );
        res.on('error', (error) => resolve({ kind: 'lost', error: `response: ${error.message}` }));
      },
    );
    // A failed connect (refused, or reset before it completed) means no byte of the request was
    // written: Node's client writes only once connected. Anything else lost a sent request.
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED' || error.syscall === 'connect'
          ? { kind: 'refused' }
          : {
              kind: 'lost',
              error: `${error.code ?? ''} ${error.message} (reused connection: ${req.reusedSocket}, ${Date.now() - sigtermAt} ms after SIGTERM)`,
            },
      ),
    );
    req.end(payload);
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers['retry-after'] }));
    })
      .on('error', reject)
      .end();
  });
}

t.test('SIGTERM during a burst of sign-ins: every request sent gets a response, then a clean exit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-sync-drain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_SECRET,
    DOCS: 'false',
    LOG_LEVEL: 'info',
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const { child, port, exited } = server;
  t.teardown(() => void child.kill('SIGKILL'));
  const tokenFor = await tokenSigner(TEST_SECRET);

  // Keep-alive connections, as a real client or proxy holds them.
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  t.teardown(() => agent.destroy());
  const afterSigterm = (): boolean => sigtermAt !== 0;
  const outcomes: Outcome[] = [];
  const users: string[] = [];
  let answered = 0;

  const worker = async (w: number): Promise<void> => {
    // Each worker sends until the server stops accepting connections; bounded in count too.
    for (let i = 0; i < 400; i++) {
      const userId = `drain_${w}_${i}`;
      const outcome = await post(
        agent,
        port,
        '/api/user/initialize',
        tokenFor(userId),
        { email: 'ada@example.com', user_id: userId },
        afterSigterm,
      );
      outcomes.push(outcome);
      if (outcome.kind === 'answered') {
        answered++;
        users.push(userId);
      }
      if (outcome.kind === 'refused') return;
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

  // SIGTERM in the middle of the burst.
  while (answered < 60) await new Promise((resolve) => setTimeout(resolve, 10));
  sigtermAt = Date.now();
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const ready = await get(port, '/ready');
  const health = await get(port, '/health');
  const code = await exited;
  const exitMs = Date.now() - sigtermAt;
  await load;

  const lost = outcomes.filter((o): o is Extract<Outcome, { kind: 'lost' }> => o.kind === 'lost');
  const answers = outcomes
    .filter((o): o is Extract<Outcome, { kind: 'answered' }> => o.kind === 'answered')
    .map((o) => o.answer);
  const sent = answers.length + lost.length;
  t.comment(
    `sent ${sent}, answered ${answers.length} (${answers.filter((a) => a.afterSigterm).length} after SIGTERM), lost ${lost.length}, exit after ${exitMs} ms`,
  );
  t.same(
    lost.map((o) => o.error),
    [],
    'no request that was sent went unanswered',
  );
  t.equal(answers.length, sent);
  t.ok(answers.filter((a) => a.afterSigterm).length > 0, 'requests were still answered after SIGTERM');
  const bad = answers.filter(
    (a) =>
      !(a.status === 200 || (a.status === 503 && (JSON.parse(a.body) as { code: string }).code === 'SHUTTING_DOWN')),
  );
  t.same(bad, [], 'every answer is 200 or 503 SHUTTING_DOWN');

  t.equal(ready.status, 503, '/ready turns 503 at once');
  t.equal((JSON.parse(ready.body) as { code: string }).code, 'SHUTTING_DOWN');
  t.equal(ready.retryAfter, '1', 'with Retry-After: send it elsewhere, or try again in a second');
  t.equal(health.status, 200, '/health stays up while draining');

  t.equal(code, 0, 'graceful exit');
  t.ok(exitMs < DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS, `exited within its bound (${exitMs} ms)`);
  t.match(server.output(), /closed: requests answered, syncs finished, database clients closed/);

  // Every database the server touched is whole and at the current version; no hot journal.
  const files = readdirSync(dataDir);
  t.same(
    files.filter((name) => name.endsWith('-journal') || name.endsWith('-wal')),
    [],
    'no transaction cut off, no client left open',
  );
  for (const userId of users)
    t.ok(existsSync(join(dataDir, `${databaseNameFor(userId)}.db`)), `${userId} has its database`);
  const sampled = users.filter((_, i) => i % 10 === 0);
  for (const userId of sampled) {
    const client = createClient({ url: pathToFileURL(join(dataDir, `${databaseNameFor(userId)}.db`)).href });
    try {
      t.equal((await client.execute('PRAGMA integrity_check')).rows[0]?.[0], 'ok');
      t.same((await client.execute('PRAGMA foreign_key_check')).rows, []);
      const version = await client.execute('SELECT version FROM schema_version ORDER BY rowid DESC LIMIT 1');
      t.equal(version.rows[0]?.[0], '1.1.0', `${userId} at the current version`);
    } finally {
      client.close();
    }
  }
});
