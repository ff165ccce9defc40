/**
 * Debian's chromium driven by playwright-core, as the browser tests use it: /usr/bin/chromium (or
 * CHROMIUM_PATH), headless, a fresh profile per test, and none of Chromium's own background traffic.
 * Off CI a missing chromium skips the test (`chromiumMissing` says why); in CI (CI=true) it is a
 * failure, since `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Test } from 'tap';
import { tempDir } from '../contract/_server.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const IN_CI = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
// As root, in a sandbox with no network but loopback: no sandbox, no GPU, and none of Chromium's
// own background traffic (its connections would be refused many at a time).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser test cannot run here (a skip reason), or false. Fails the file in CI. */
export function chromiumMissing(t: Test, what: string): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run ${what}`;
  if (IN_CI) t.fail(`CI is set but ${reason}; .ci/run installs it when absent`);
  return reason;
}

/** A browser with a fresh profile directory, closed at teardown. */
export async function launchChromium(
  t: Test,
  options: { timeoutMs: number; viewport?: { width: number; height: number } },
): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir(t, 'schema-sync-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
    timeout: options.timeoutMs,
  });
  t.teardown(() => context.close());
  return context;
}

/**
 * Lets pages reach only the given origins (and data: URLs); records anything else they tried. Same-origin
 * pages only: with request interception on, Playwright answers CORS preflights itself.
 */
export async function keepOnLoopback(
  context: BrowserContext,
  origins: readonly string[],
): Promise<{ blocked: string[] }> {
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (origins.some((origin) => url.startsWith(`${origin}/`)) || url.startsWith('data:')) await route.continue();
    else {
      blocked.push(url);
      await route.abort();
    }
  });
  return { blocked };
}
