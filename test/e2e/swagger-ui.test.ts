/**
 * Swagger UI in a real browser, as a person would use it: open /docs, click Authorize, paste a
 * bearer token, expand sync-schema, "Try it out" → Execute for a user that exists, and see the
 * 200 response and its JSON on the page. playwright-core drives Debian's chromium
 * (test/support/chromium.ts; `.ci/run` installs it when missing). Off CI without chromium the test
 * skips; in CI (CI=true) a missing chromium is a failure.
 *
 * The screenshot goes to test-results/swagger-ui-sync-schema.png (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import { ROOT } from '../contract/_openapi.js';
import { startServer, tempDir } from '../contract/_server.js';
import { chromiumMissing, keepOnLoopback, launchChromium } from '../support/chromium.js';

export const SCREENSHOT = join(ROOT, 'test-results', 'swagger-ui-sync-schema.png');
const TIMEOUT_MS = 20_000;
const NOTES_V1 = '-- description: Notes\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n';
const NOTES_V2 =
  '-- description: Pinned notes\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0);\n';

const missing = chromiumMissing(t, 'the Swagger UI browser test');

t.test('Swagger UI: authorize with a bearer token and run sync-schema', { skip: missing }, async (t) => {
  // The user signed in under release 1.0.0; this release (2.0.0) adds a column, so the sync
  // clicked in the page has something to apply.
  const v1 = tempDir(t, 'schema-sync-ui-v1-');
  writeFileSync(join(v1, '1.0.0.sql'), NOTES_V1);
  const v2 = tempDir(t, 'schema-sync-ui-v2-');
  writeFileSync(join(v2, '1.0.0.sql'), NOTES_V1);
  writeFileSync(join(v2, '2.0.0.sql'), NOTES_V2);
  const userId = 'user_2abcXYZ';
  const previous = await startServer(t, { env: { SCHEMA_DIR: v1 } });
  const signIn = await previous.client(previous.token(userId)).POST('/api/user/initialize', {
    body: { email: 'ada@example.com', user_id: userId },
  });
  t.match(
    signIn.data,
    { schema_synced: true, schema_version: '1.0.0' },
    'the user exists, at 1.0.0 (initialized through the SDK)',
  );
  await previous.app.close();

  const server = await startServer(t, { env: { SCHEMA_DIR: v2 }, dataDir: previous.dataDir });
  const token = server.token(userId);

  const context = await launchChromium(t, { timeoutMs: TIMEOUT_MS, viewport: { width: 1280, height: 1400 } });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  const offline = await keepOnLoopback(context, [server.baseUrl]);
  const syncRequests: { status: number; authorization: string | undefined }[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/user/sync-schema/')) {
      syncRequests.push({ status: response.status(), authorization: response.request().headers()['authorization'] });
    }
  });

  try {
    await page.goto(`${server.baseUrl}/docs`);
    await page.locator('.information-container .title').filter({ hasText: 'schema-sync' }).waitFor();

    // Authorize: paste the token into the bearerAuth field of the dialog.
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    await dialog.locator('input[type="text"], input[type="password"]').first().fill(token);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done, button.close-modal').first().click();
    await dialog.waitFor({ state: 'detached' });

    // sync-schema: expand, Try it out, the user id, Execute.
    const operation = page.locator('#operations-user-syncUserSchema');
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    const userIdInput = operation.locator('tr[data-param-name="user_id"] input');
    await userIdInput.fill(userId);
    await operation.locator('button.execute').click();

    const live = operation.locator('.live-responses-table');
    await live.locator('.response-col_status').filter({ hasText: '200' }).waitFor();
    const responseBody = live
      .locator('.response-col_description .highlight-code pre, .response-col_description .highlight-code code')
      .first();
    await responseBody.waitFor();
    const text = (await responseBody.innerText()).trim();
    const body = JSON.parse(text) as Record<string, unknown>;
    t.match(
      body,
      { success: true, schema_version: '2.0.0', message: /from 1\.0\.0 to 2\.0\.0/, synced_at: String },
      'the 200 JSON is on the page',
    );
    t.same(Object.keys(body).sort(), ['message', 'schema_version', 'success', 'synced_at']);
    t.match(
      await operation.locator('.responses-inner').innerText(),
      /Server response\s+Code\s+Details\s+200/,
      'shown under "Server response"',
    );

    t.equal(syncRequests.length, 1, 'Execute sent one request');
    t.same(syncRequests[0], { status: 200, authorization: `Bearer ${token}` }, 'with the pasted bearer token');
    t.same(offline.blocked, [], 'the page asked for nothing beyond the service');

    await operation.scrollIntoViewIfNeeded();
    await screenshot(page);
  } catch (error) {
    await screenshot(page).catch(() => undefined);
    throw error;
  }
});

async function screenshot(page: Page): Promise<void> {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: false });
}
