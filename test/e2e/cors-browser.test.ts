/**
 * Browser clients on another origin, in a real browser: a page served from one 127.0.0.1 port
 * loads the SDK (client/, bundled with esbuild) and calls `initialize` on the service listening on
 * another port. With the page's origin in CORS_ORIGINS the call succeeds (after a preflight for
 * Authorization and Content-Type), and refusals are readable by the page; without it (the default, or
 * another origin listed) the browser blocks the call at the preflight and the POST never reaches the
 * service. The preflight's headers are also checked from Node.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import t, { type Test } from 'tap';
import { databaseNameFor } from '../../lib/naming.js';
import { ROOT } from '../contract/_openapi.js';
import { startServer, type RunningServer } from '../contract/_server.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';

const TIMEOUT_MS = 20_000;

/** The SDK as a browser module: client/index.ts and openapi-fetch in one ES module. */
async function bundleSdk(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'client', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

const PAGE = `<!doctype html>
<html><head><title>another origin</title></head><body>
<script type="module">
  import { createSchemaSyncClient } from '/sdk.js';
  // Signs a user in through the SDK; returns what the page could see.
  window.signIn = async (baseUrl, token, userId) => {
    const api = createSchemaSyncClient({ baseUrl, ...(token ? { token } : {}) });
    try {
      const { data, error, response } = await api.POST('/api/user/initialize', {
        body: { email: 'ada@example.com', user_id: userId },
      });
      return { status: response.status, data, error, retryAfter: response.headers.get('retry-after') };
    } catch (thrown) {
      return { thrown: String(thrown) };
    }
  };
</script>
</body></html>`;

/** Serves the page and the SDK from their own 127.0.0.1 origin. */
async function startPageServer(t: Test, sdk: string): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else if (request.url === '/sdk.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Every request the service received, as `METHOD /path`. */
function requestsOf(server: RunningServer): string[] {
  const seen: string[] = [];
  server.app.server.on('request', (request: { method?: string; url?: string }) => {
    seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
  });
  return seen;
}

const dbExists = (server: RunningServer, userId: string) =>
  existsSync(join(server.dataDir, `${databaseNameFor(userId)}.db`));

interface SignInSeen {
  readonly status?: number;
  readonly data?: Record<string, unknown>;
  readonly error?: Record<string, unknown>;
  readonly thrown?: string;
}

/** What the page's script defines (run in the browser, so typed by hand). */
interface PageGlobals {
  signIn(baseUrl: string, token: string | null, userId: string): Promise<SignInSeen>;
}

const missing = chromiumMissing(t, 'the CORS browser test');

t.test(
  'a page on another origin calls initialize through the SDK: allowed, or blocked by the browser',
  { skip: missing },
  async (t) => {
    const pageOrigin = await startPageServer(t, await bundleSdk());
    const allowed = await startServer(t, { env: { CORS_ORIGINS: `https://app.example.com, ${pageOrigin}` } });
    const byDefault = await startServer(t);
    const otherOrigin = await startServer(t, { env: { CORS_ORIGINS: 'https://app.example.com' } });
    const seen = {
      allowed: requestsOf(allowed),
      byDefault: requestsOf(byDefault),
      otherOrigin: requestsOf(otherOrigin),
    };

    const context = await launchChromium(t, { timeoutMs: TIMEOUT_MS });
    // Watched, not routed: with request interception on, Playwright answers CORS preflights itself.
    const origins = [pageOrigin, allowed.baseUrl, byDefault.baseUrl, otherOrigin.baseUrl];
    const elsewhere: string[] = [];
    context.on('request', (request) => {
      if (!origins.some((origin) => request.url().startsWith(`${origin}/`))) elsewhere.push(request.url());
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => typeof (globalThis as unknown as PageGlobals).signIn === 'function');
    const signIn = (server: RunningServer, token: string | null, userId: string): Promise<SignInSeen> =>
      page.evaluate(([baseUrl, bearer, id]) => (globalThis as unknown as PageGlobals).signIn(baseUrl, bearer, id), [
        server.baseUrl,
        token,
        userId,
      ] as const);

    const ok = await signIn(allowed, allowed.token('ada'), 'ada');
    t.match(
      ok,
      { status: 200, data: { success: true, schema_synced: true, schema_version: '1.1.0' } },
      'allowed origin: 200',
    );
    t.ok(dbExists(allowed, 'ada'), "the user's database was created");
    t.same(
      seen.allowed.filter((line) => line.endsWith('/api/user/initialize')),
      ['OPTIONS /api/user/initialize', 'POST /api/user/initialize'],
      'the browser sent a preflight, then the call',
    );

    const anonymous = await signIn(allowed, null, 'bob');
    t.match(anonymous, { status: 401, error: { code: 'TOKEN_MISSING' } }, 'a refusal is readable by the page too');

    for (const [label, server, log] of [
      ['CORS_ORIGINS unset (the default)', byDefault, seen.byDefault],
      ['another origin listed', otherOrigin, seen.otherOrigin],
    ] as const) {
      const blocked = await signIn(server, server.token('eve'), 'eve');
      t.match(blocked, { thrown: /TypeError: Failed to fetch/ }, `${label}: the browser blocks the call`);
      t.notOk(blocked.status, `${label}: the page sees no response`);
      t.same(log, ['OPTIONS /api/user/initialize'], `${label}: only the preflight reached the service`);
      t.notOk(dbExists(server, 'eve'), `${label}: no database was created`);
    }
    t.same(elsewhere, [], 'the page asked for nothing beyond its origin and the services');
  },
);

t.test('preflight and response headers', async (t) => {
  const origin = 'https://app.example.com';
  const server = await startServer(t, { env: { CORS_ORIGINS: origin } });
  const preflight = (from: string) =>
    fetch(`${server.baseUrl}/api/user/initialize`, {
      method: 'OPTIONS',
      headers: {
        origin: from,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
  const yes = await preflight(origin);
  t.equal(yes.status, 204);
  t.equal(yes.headers.get('access-control-allow-origin'), origin);
  t.equal(yes.headers.get('access-control-allow-methods'), 'GET, POST');
  t.equal(yes.headers.get('access-control-allow-headers'), 'Authorization, Content-Type');
  t.equal(yes.headers.get('access-control-max-age'), '600');
  t.equal(yes.headers.get('access-control-allow-credentials'), null, 'no cookies: tokens travel in a header');
  t.match(yes.headers.get('vary') ?? '', /Origin/);

  const no = await preflight('https://evil.example.com');
  t.equal(no.headers.get('access-control-allow-origin'), null, 'an origin not listed gets no allowance');

  const refused = await fetch(`${server.baseUrl}/api/schema/versions`, { headers: { origin } });
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('access-control-allow-origin'), origin, 'refusals carry the CORS headers');
  t.match(refused.headers.get('access-control-expose-headers') ?? '', /Retry-After/);

  const closed = await startServer(t);
  const none = await fetch(`${closed.baseUrl}/api/schema/versions`, { headers: { origin } });
  t.equal(none.headers.get('access-control-allow-origin'), null, 'CORS_ORIGINS unset: no CORS headers');
});
