/**
 * The database transport (lib/providers/http-connection.ts): one connection per database's fetch,
 * closed once idle, and answers handed back whole as a BufferedResponse.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { BufferedResponse, connectionFetch } from '../../lib/providers/http-connection.js';

async function server(t: Test) {
  const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
  let connections = 0;
  let open = 0;
  const srv = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-answer': 'yes' });
      res.end(JSON.stringify({ echo: req.url }));
    });
  });
  srv.on('connection', (socket) => {
    connections++;
    open++;
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  const origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { origin, seen, connections: () => connections, open: () => open };
}

t.test('requests of one fetch share one connection, which closes once idle', async (t) => {
  const s = await server(t);
  const send = connectionFetch();
  const signal = AbortSignal.timeout(5_000);
  const first = await send(new URL(`${s.origin}/v2/pipeline?x=1`), {
    method: 'POST',
    headers: { authorization: 'Bearer token', 'content-type': 'application/json' },
    body: '{"baton":null}',
    signal,
  });
  t.ok(first instanceof Response && first.ok);
  t.equal(first.headers.get('x-answer'), 'yes');
  t.same(await first.json(), { echo: '/v2/pipeline?x=1' });
  const second = await send(new URL(`${s.origin}/missing`), { method: 'GET', headers: {}, signal });
  t.equal(second.status, 404);
  t.equal(await second.text(), '{"echo":"/missing"}');
  const empty = await send(new URL(`${s.origin}/empty`), { method: 'POST', headers: {}, body: 'x', signal });
  t.equal(empty.status, 204);
  t.equal(await empty.text(), '');
  t.same(
    s.seen.map((r) => [r.method, r.url, r.auth, r.body]),
    [
      ['POST', '/v2/pipeline?x=1', 'Bearer token', '{"baton":null}'],
      ['GET', '/missing', undefined, ''],
      ['POST', '/empty', undefined, 'x'],
    ],
  );
  t.equal(s.connections(), 1, 'one connection for the three');
  const deadline = Date.now() + 10_000;
  while (s.open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(s.open(), 0, 'the idle connection was closed by the client');
});

t.test('an unreachable origin rejects; each fetch opens a connection of its own', async (t) => {
  const s = await server(t);
  const signal = AbortSignal.timeout(5_000);
  await t.rejects(connectionFetch()(new URL('http://127.0.0.1:9/v2/pipeline'), { method: 'GET', headers: {}, signal }));
  await (await connectionFetch()(new URL(`${s.origin}/a`), { method: 'GET', headers: {}, signal })).text();
  await (await connectionFetch()(new URL(`${s.origin}/b`), { method: 'GET', headers: {}, signal })).text();
  t.equal(s.connections(), 2);
});

t.test('a BufferedResponse is read once, as text or JSON whichever it holds', async (t) => {
  const fromText = new BufferedResponse({ text: '{"a":1}' }, { status: 200 });
  t.same(await fromText.json(), { a: 1 });
  await t.rejects(fromText.text(), /already been read/);
  const fromJson = new BufferedResponse(
    { json: { b: [2] } },
    { status: 201, headers: { 'content-type': 'application/json' } },
  );
  t.equal(fromJson.status, 201);
  t.ok(fromJson.ok);
  t.equal(new TextDecoder().decode(await fromJson.arrayBuffer()), '{"b":[2]}');
  await t.rejects(new BufferedResponse({ text: 'not json' }, { status: 200 }).json(), SyntaxError);
});
