/**
 * The two ways Node's own close resets a connection whose request the client has already sent,
 * each made to happen on purpose in one process (plugins/drain.ts explains both):
 *
 * - connections still in the kernel's accept queue when the drain closes the listener (libuv
 *   accepts one per event-loop iteration);
 * - a kept-alive connection whose next request sits unread when its idle grace runs out, because
 *   the event loop was blocked.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../lib/config/load.js';
import { tempDir, TEST_SECRET } from '../helpers/app.js';

const IDLE_GRACE_MS = 100;

async function listening(t: Test): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({
    config: loadConfig({
      DATA_DIR: tempDir(t, 'schema-sync-drain-close-'),
      JWT_SECRET: TEST_SECRET,
      DOCS: 'false',
      DRAIN_IDLE_GRACE_MS: String(IDLE_GRACE_MS),
    }),
    logger: false,
  });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

const healthRequest = (connection: 'close' | 'keep-alive'): string =>
  `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${connection}\r\n\r\n`;

/** What the server sent back on a raw connection until it ended, or the error that ended it. */
interface Received {
  text: string;
  error: string | null;
  ended: Promise<void>;
}

function rawConnection(port: number): { write(data: string): void; connected: Promise<void>; received: Received } {
  const socket = connect(port, '127.0.0.1');
  const connected = new Promise<void>((resolve) => socket.once('connect', resolve));
  const received: Received = { text: '', error: null, ended: Promise.resolve() };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received.text += chunk));
  received.ended = new Promise((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => (received.error = error.code ?? error.message));
    socket.on('close', () => resolve());
  });
  return { write: (data) => socket.write(data), connected, received };
}

/** Blocks the event loop, as a long synchronous migration does. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

t.test('connections still in the accept queue when the listener closes are served, not reset', async (t) => {
  const { app, port } = await listening(t);
  let accepted = 0;
  app.server.on('connection', () => accepted++);
  const clients = Array.from({ length: 16 }, () => rawConnection(port));
  for (const client of clients) client.write(healthRequest('close'));
  // Connected (the kernel completed the handshake) and written; libuv accepts one per iteration.
  await Promise.all(clients.map((client) => client.connected));
  t.ok(accepted < clients.length - 1, `${clients.length - accepted} connections wait in the accept queue`);
  const closed = app.drain.close();
  await Promise.all(clients.map((client) => client.received.ended));
  await closed;
  t.same(
    clients.map((client) => client.received.error),
    clients.map(() => null),
    'no connection reset',
  );
  t.same(
    clients.map((client) => client.received.text.split('\r\n')[0]),
    clients.map(() => 'HTTP/1.1 200 OK'),
    'each request answered 200',
  );
});

t.test('a kept-alive request unread when the idle grace ends (a blocked loop) is answered', async (t) => {
  const { app, port } = await listening(t);
  const client = rawConnection(port);
  client.write(healthRequest('keep-alive'));
  while (!client.received.text.includes('{"status":"ok"}')) await new Promise((resolve) => setTimeout(resolve, 5));
  t.match(client.received.text, /connection: keep-alive/i, 'the connection stays open after the first answer');

  const closed = app.drain.close();
  while (app.server.listening) await new Promise((resolve) => setImmediate(resolve));
  // The next request reaches the kernel, then the loop stays busy past the grace.
  client.write(healthRequest('keep-alive'));
  blockEventLoop(IDLE_GRACE_MS * 3);
  await client.received.ended;
  await closed;

  t.equal(client.received.error, null, 'not reset');
  const answers = client.received.text.split('HTTP/1.1 ').slice(1);
  t.equal(answers.length, 2, 'both requests answered');
  t.match(answers[1], /^200 OK\r\n/);
  t.match(answers[1], /connection: close/i, 'the second answer closes the connection');
});
