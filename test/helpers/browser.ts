/**
 * A real headless browser for the report tests: Debian's chromium driven by playwright-core, never a
 * downloaded browser. HYBRIDCFG_CHROMIUM overrides the path. A missing browser fails the test with a
 * message that says how to get one: a skipped browser test would let a broken report through.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.HYBRIDCFG_CHROMIUM || DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}${env.HYBRIDCFG_CHROMIUM ? ' (from HYBRIDCFG_CHROMIUM)' : ''}.\n` +
        `The HTML report tests need a real browser. Install Debian's: "apt-get install chromium", ` +
        `or point HYBRIDCFG_CHROMIUM at a chromium executable.`,
    );
  }
  return path;
}

export interface BrowserSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile every time, and everything that could reach the network switched off. */
export async function launchChromium(): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'hybridcfg-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface OpenedReport {
  readonly page: Page;
  /** Every request the page made other than loading the report file itself. */
  readonly requests: readonly string[];
  readonly consoleErrors: readonly string[];
  close(): Promise<void>;
}

/**
 * Opens a report the way a person does: as a file. Any other request is recorded and refused, so a
 * test can assert that the page needs nothing from outside.
 */
export async function openReport(
  session: BrowserSession,
  htmlText: string,
  viewport: { readonly width: number; readonly height: number },
): Promise<OpenedReport> {
  const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-report-'));
  const file = join(dir, 'plan.html');
  writeFileSync(file, htmlText, 'utf8');
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  const page = await session.context.newPage();
  await page.setViewportSize({ width: viewport.width, height: viewport.height });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    requests,
    consoleErrors,
    async close() {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
