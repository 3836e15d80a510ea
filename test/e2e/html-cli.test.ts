/**
 * The report as a pipeline gets it: `hybridcfg plan --html` and `apply --html` on a lab organisation,
 * opened in chromium.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY, REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';
import { launchChromium, openReport, type BrowserSession } from '../helpers/browser';
import { runCli } from '../helpers/cli';

let session: BrowserSession;
let dir: string;
beforeAll(async () => {
  session = await launchChromium();
});
afterAll(async () => {
  await session?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-html-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('plan --html, then apply --html of the saved plan, on a two-server lab', async () => {
  copyFileSync(resolve(__dirname, '../../examples/specs/graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
  const init = await runCli(['lab', 'init', 'lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir });
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);

  const plan = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode', '--json', '--out', 'plan.json', '--html', 'plan.html'], { cwd: dir });
  expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 2, stderr: expect.any(String) });

  const planned = await openReport(session, readFileSync(join(dir, 'plan.html'), 'utf8'), { width: 1024, height: 768 });
  try {
    const { page } = planned;
    expect(await page.locator('[data-server]').evaluateAll((els) => els.map((e) => e.getAttribute('data-server')))).toEqual(['EX01', 'EX02']);
    for (const server of ['EX01', 'EX02']) {
      const setting = page.locator(`[data-server="${server}"] [data-file="${REST_FRONTEND_WEB_CONFIG}"] [data-key="${PROFILES_KEY}"]`);
      expect(await setting.locator('[data-op="added"]').allTextContents()).toEqual(['V1S2SAppOnly']);
    }
    const graph = page.locator(`[data-address='partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]']`);
    expect(await graph.locator('[data-attribute="AppOnlyPermissions"] [data-set="added"] li').count()).toBeGreaterThan(0);
    expect(await page.locator(`[data-code="plan.app-only-access"][data-for='partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]']`).textContent()).toContain('every on-premises mailbox');
    expect(planned.consoleErrors).toEqual([]);
    expect(planned.requests).toEqual([]);
  } finally {
    await planned.close();
  }

  const apply = await runCli(['apply', 'plan.json', '--yes', '--html', 'apply.html'], { cwd: dir });
  expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const applied = await openReport(session, readFileSync(join(dir, 'apply.html'), 'utf8'), { width: 1024, height: 768 });
  try {
    const { page } = applied;
    expect(await page.locator('[data-testid="outcome"]').textContent()).toContain('Applied');
    expect(await page.locator('[data-server] [data-testid="server-result"]').allTextContents()).toEqual(['restarted', 'restarted']);
    expect(await page.locator('[data-testid="change-result"]').allTextContents()).toEqual(['done']);
    expect(applied.consoleErrors).toEqual([]);
  } finally {
    await applied.close();
  }

  const again = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode', '--html', 'again.html'], { cwd: dir });
  expect(again.code).toBe(0);
  expect(readFileSync(join(dir, 'again.html'), 'utf8')).toContain('No changes. The live state matches the spec.');
});

describe('a plan that fails still leaves a report for the pipeline', () => {
  it('plan --html writes the diagnostics when the spec is bad, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-html-fail-'));
    try {
      writeFileSync(join(dir, 'hybridcfg.yaml'), 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget: { lab: ./lab }\nservers: all\nrestart: { mode: iisrest }\n');
      const r = await runCli(['plan', '--html', 'plan.html'], { cwd: dir });
      expect(r.code).toBe(1);
      const html = readFileSync(join(dir, 'plan.html'), 'utf8');
      expect(html).toContain('hybridcfg plan failed');
      expect(html).toContain('iisrest');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
