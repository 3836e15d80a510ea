/**
 * The report as a pipeline gets it: `hybridcfg plan --html` and `apply --html` on a lab organisation,
 * opened in chromium.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY, REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';
import { currentUser } from '../../src/apply/lock';
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
    // The same profile change on both servers: shown once, on EX01 and EX02.
    const setting = page.locator(`[data-change][data-file="${REST_FRONTEND_WEB_CONFIG}"]`);
    expect(await setting.evaluateAll((els) => els.map((e) => e.getAttribute('data-servers')))).toEqual(['EX01 EX02']);
    expect(await setting.locator(`[data-key="${PROFILES_KEY}"] [data-op="added"]`).allTextContents()).toEqual(['V1S2SAppOnly']);
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

/** `2026-01-02T03:04:05.678Z` as the report shows it. */
const shown = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

test('a plan saved by one person and applied by another says who planned and who applied, when, on which organisation and target', async () => {
  copyFileSync(resolve(__dirname, '../../examples/specs/graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
  expect((await runCli(['lab', 'init', 'lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir })).code).toBe(0);

  // alice plans on ADMIN01 (the OS user and host the CLI runs as) ...
  const nodeOs = require('node:os') as typeof import('node:os');
  const user = jest.spyOn(nodeOs, 'userInfo').mockReturnValue({ username: 'alice', uid: 1000, gid: 1000, shell: null, homedir: '/home/alice' });
  const host = jest.spyOn(nodeOs, 'hostname').mockReturnValue('ADMIN01');
  let plan;
  try {
    plan = await runCli(['plan', '--out', 'plan.json', '--html', 'plan.html'], { cwd: dir });
  } finally {
    user.mockRestore();
    host.mockRestore();
  }
  expect(plan.code).toBe(0);
  const saved = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
  expect(saved).toMatchObject({ plannedBy: { user: 'alice', host: 'ADMIN01' }, organization: { name: 'contoso.lab' }, target: { kind: 'lab', description: `lab ${join(dir, 'lab')}` } });

  const planned = await openReport(session, readFileSync(join(dir, 'plan.html'), 'utf8'), { width: 1024, height: 768 });
  try {
    const { page } = planned;
    expect(await page.locator('[data-testid="organization-name"]').innerText()).toBe('contoso.lab');
    expect(await page.locator('[data-testid="target"]').innerText()).toBe(`lab ${join(dir, 'lab')}`);
    expect(await page.locator('[data-testid="planned"]').innerText()).toBe(`by alice on ADMIN01, ${shown(saved.createdAt)}`);
    expect(await page.locator('[data-testid="applied"]').count()).toBe(0);
    expect(planned.consoleErrors).toEqual([]);
  } finally {
    await planned.close();
  }

  // ... and whoever runs this test applies the saved plan, later, here.
  const apply = await runCli(['apply', 'plan.json', '--yes', '--html', 'apply.html', '--json'], { cwd: dir });
  expect(apply.code).toBe(0);
  const me = { user: currentUser(), host: hostname() };
  expect(me).not.toEqual({ user: 'alice', host: 'ADMIN01' });
  const doc = JSON.parse(apply.stdout);
  expect(doc.plan).toMatchObject({ createdAt: saved.createdAt, plannedBy: { user: 'alice', host: 'ADMIN01' } });
  expect(doc.run).toMatchObject(me);
  const applied = await openReport(session, readFileSync(join(dir, 'apply.html'), 'utf8'), { width: 1024, height: 768 });
  try {
    const { page } = applied;
    expect(await page.locator('[data-testid="planned"]').innerText()).toBe(`by alice on ADMIN01, ${shown(saved.createdAt)}`);
    const by = await page.locator('[data-testid="applied"]').innerText();
    expect(by).toMatch(new RegExp(`^by ${escapeRegExp(me.user)} on ${escapeRegExp(me.host)}, from \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC to \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(run ${doc.run.runId}\\)$`));
    expect(await page.locator('[data-testid="organization-name"]').innerText()).toBe('contoso.lab');
    expect(await page.locator('[data-testid="target"]').innerText()).toBe(`lab ${join(dir, 'lab')}`);
    expect(applied.consoleErrors).toEqual([]);
    expect(applied.requests).toEqual([]);
  } finally {
    await applied.close();
  }
});

test('four lab servers: the change shared by three is shown once, the drifted server apart; a failed restart leads the apply report', async () => {
  copyFileSync(resolve(__dirname, '../../examples/specs/graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
  expect((await runCli(['lab', 'init', 'lab', '--servers', 'EX01,EX02,EX03,EX04', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
  // EX04 drifted: someone removed CallbackV2 from its REST profiles, so its change is not the others'.
  const ex04 = join(dir, 'lab', 'servers', 'EX04', ...REST_FRONTEND_WEB_CONFIG.split('/'));
  writeFileSync(ex04, readFileSync(ex04, 'utf8').replace('|V1S2SActAs|CallbackV2"', '|V1S2SActAs"'));
  expect((await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--set', 'restart=fail'], { cwd: dir })).code).toBe(0);

  expect((await runCli(['plan', '--html', 'plan.html'], { cwd: dir })).code).toBe(0);
  const planned = await openReport(session, readFileSync(join(dir, 'plan.html'), 'utf8'), { width: 1024, height: 768 });
  try {
    const { page } = planned;
    const cards = page.locator(`[data-change][data-file="${REST_FRONTEND_WEB_CONFIG}"]`);
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-servers')))).toEqual(['EX01 EX02 EX03', 'EX04']);
    expect(await cards.nth(0).locator('[data-testid="on-servers"]').innerText()).toBe('on EX01, EX02, EX03 (3 servers, the same change)');
    expect(await cards.nth(1).locator('pre.diff .add').innerText()).toMatch(/\|V1S2SActAs\|V1S2SAppOnly$/);
    expect(planned.consoleErrors).toEqual([]);
  } finally {
    await planned.close();
  }

  const apply = await runCli(['apply', '--yes', '--html', 'apply.html'], { cwd: dir });
  expect(apply.code).toBe(1);
  const applied = await openReport(session, readFileSync(join(dir, 'apply.html'), 'utf8'), { width: 375, height: 667 });
  try {
    const { page } = applied;
    const order = await page.locator('main > *').evaluateAll((els) => els.slice(0, 2).map((e) => `${e.tagName.toLowerCase()} ${e.getAttribute('data-testid') ?? ''}`.trim()));
    expect(order).toEqual(['header', 'div outcome']);
    const banner = page.locator('[data-testid="outcome"]');
    expect(await banner.locator('[data-testid="failure"]').innerText()).toBe('Restart of EX02 (EX02.contoso.lab) failed: iisreset /noforce did not complete');
    // The diagnostic's own way out (the lab says which knob to clear), then the next step.
    expect(await banner.innerText()).toContain(`hybridcfg lab fault ${join(dir, 'lab')} --server EX02 --clear`);
    expect(await banner.locator('[data-testid="next-step"]').innerText()).toContain('Fix the cause on EX02 (above), then run hybridcfg plan');
    expect(await banner.locator('[data-testid="where-it-stopped"] li').allInnerTexts()).toEqual(['Failed: EX02', 'Changed and kept: EX01', 'Not touched: EX03, EX04']);
    const next = (await banner.locator('[data-testid="next-step"]').boundingBox())!;
    expect(next.y + next.height).toBeLessThanOrEqual(667);
    expect(await banner.locator('[data-testid="service-impact"]').innerText()).toContain('1 server unavailable');
    expect(applied.consoleErrors).toEqual([]);
    expect(applied.requests).toEqual([]);
  } finally {
    await applied.close();
  }
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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
