/**
 * The HTML plan report in a real browser (Debian's chromium): what an approver sees on a desktop, on a
 * phone and on paper, that it needs nothing from the network, and that values from servers stay text.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { error, warning } from '../../src/diag/diagnostic';
import { DEFAULT_REST_PROFILES, GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY } from '../../src/domain/exchange';
import type { Plan } from '../../src/plan/types';
import { renderPlanHtml, type ApplyOutcome } from '../../src/views/html';
import { fileChange, graphChange, plan as basePlan } from '../helpers/plans';
import type { Page } from 'playwright-core';
import { launchChromium, openReport, type BrowserSession } from '../helpers/browser';

/**
 * The little of the DOM the page.evaluate callbacks use. They run in the browser; the project compiles
 * for Node without the DOM library, so they are typed here rather than by adding "dom" to every file.
 */
interface PageElement {
  readonly tagName: string;
  readonly className: string;
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  closest(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly right: number };
}
declare const document: {
  readonly documentElement: PageElement;
  readonly body: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare const window: { readonly __pwned?: number };
declare function getComputedStyle(el: PageElement): { readonly whiteSpace: string };

/** Graph's ActAsPermissions on the E19 fixture org (GetPartnerApplication.xml). */
const GRAPH_ACT_AS = [
  'Mail.Read', 'Mail.Write', 'Mail.Send', 'Calendars.Read', 'Calendars.ReadWrite', 'Calendars.Read.Shared',
  'Calendars.ReadWrite.Shared', 'Contacts.Read', 'Contacts.ReadWrite', 'Contacts.Read.Shared',
  'Contacts.ReadWrite.Shared', 'Mail.ReadWrite', 'Calendars.Write', 'Contacts.Write', 'Sites.Read.All',
  'Sites.ReadWrite.All', 'User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All',
  'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'People.Read', 'People.ReadWrite',
  'MailboxSettings.ReadWrite', 'Privilege.SkipClientAccessRules', 'Tasks.Read', 'Tasks.ReadWrite',
];

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const EWS = 'FrontEnd/HttpProxy/ews/web.config';

function setting(server: string, file: string, key: string, before: string | null, after: string) {
  return fileChange(server, file, [key, before, after]);
}

/** The Graph app-only fix on a two-server org, plus a profile removed from EWS on EX02. */
function samplePlan(overrides: Partial<Plan> = {}): Plan {
  const graph = graphChange({ name: 'AppOnlyPermissions', before: null, after: GRAPH_ACT_AS });
  const changes: Plan['changes'] = [
    graph,
    setting('EX01', REST, PROFILES_KEY, DEFAULT_REST_PROFILES, `${DEFAULT_REST_PROFILES}|V1S2SAppOnly`),
    setting('EX02', REST, PROFILES_KEY, DEFAULT_REST_PROFILES, `${DEFAULT_REST_PROFILES}|V1S2SAppOnly`),
    setting('EX02', EWS, PROFILES_KEY, 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback', 'S2SAppActAs|S2SAppOnly|V1AppActAs|Callback'),
  ];
  return basePlan(changes, {
    spec: { path: 'orgs/contoso/hybridcfg.yaml', digest: 'sha256:1f2e' },
    target: { kind: 'powershell', description: 'powershell (Exchange: local, files: winrm)' },
    servers: ['EX01', 'EX02'],
    restarts: [
      { server: 'EX01', mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool'], reasons: [`${REST} changed`] },
      { server: 'EX02', mode: 'iisreset', reasons: [`${REST} changed`, `${EWS} changed`] },
    ],
    warnings: [
      warning('plan.app-only-access', 'This grants app-only access through partner application "Microsoft Graph".', 'App-only tokens can then reach every on-premises mailbox.', {
        address: graph.address,
      }),
      warning(
        'plan.hybrid-rest-deprecated',
        'Microsoft has deprecated hybrid REST access to on-premises mailboxes',
        'Graph may no longer proxy app-only calls to on-premises mailboxes. Run "hybridcfg verify" after apply.',
        { source: { file: 'orgs/contoso/hybridcfg.yaml', line: 12, col: 5 } },
      ),
    ],
    fingerprint: 'sha256:9c1d7a0f5e3b2c4d6e8f00112233445566778899aabbccddeeff001122334455',
    plannedBy: { user: 'alice', host: 'ADMIN01' },
    organization: { name: 'Contoso' },
    ...overrides,
  });
}

/** The card of a server change: shown once for every server it is made on. */
function changeOn(page: Page, server: string, file: string) {
  return page.locator(`[data-change][data-file="${file}"][data-servers~="${server}"]`);
}

let session: BrowserSession;
beforeAll(async () => {
  session = await launchChromium();
});
afterAll(async () => {
  await session?.close();
});

describe('HTML plan report in chromium', () => {
  test('renders the servers, changes, warnings and restarts, with no console errors and no requests', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan()), { width: 1024, height: 768 });
    try {
      const { page } = report;
      expect(await page.title()).toBe('hybridcfg plan');
      expect(await page.locator('[data-server]').evaluateAll((els) => els.map((e) => e.getAttribute('data-server')))).toEqual(['EX01', 'EX02']);

      const counts = await page.locator('[data-count]').evaluateAll((els) =>
        Object.fromEntries(els.map((e) => [e.getAttribute('data-count'), e.querySelector('.n')?.textContent])),
      );
      expect(counts).toMatchObject({ changes: '4', servers: '2', webConfig: '3', partnerApplication: '1', warnings: '2' });

      // The REST change is the same on EX01 and EX02: shown once, naming both; EX02's EWS change is its own.
      expect(await page.locator('[data-change]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-file'), e.getAttribute('data-servers')]))).toEqual([
        [REST, 'EX01 EX02'],
        [EWS, 'EX02'],
      ]);
      expect(await page.locator(`[data-server="EX02"] [data-change-ref]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-file')))).toEqual([REST, EWS]);

      // EX01: V1S2SAppOnly appended to the REST profiles, nothing removed.
      const ex01 = changeOn(page, 'EX01', REST).locator(`[data-key="${PROFILES_KEY}"]`);
      expect(await ex01.locator('[data-op="added"]').allTextContents()).toEqual(['V1S2SAppOnly']);
      expect(await ex01.locator('[data-op="removed"]').count()).toBe(0);
      expect(await ex01.locator('pre.diff .add').textContent()).toBe(`+ ${DEFAULT_REST_PROFILES}|V1S2SAppOnly`);
      expect(await ex01.locator('pre.diff .del').textContent()).toBe(`- ${DEFAULT_REST_PROFILES}`);

      // EX02: V1AppOnly removed from EWS.
      const ews = changeOn(page, 'EX02', EWS);
      expect(await ews.locator('[data-op="removed"]').allTextContents()).toEqual(['V1AppOnly']);

      // Graph: AppOnlyPermissions from not set to the 29 ActAs permissions, and the risk said plainly.
      const graph = page.locator(`[data-address='partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]']`);
      expect(await graph.locator('[data-set="added"] li').allTextContents()).toEqual(GRAPH_ACT_AS);
      expect(await graph.locator('[data-attribute="AppOnlyPermissions"] h4').textContent()).toContain('not set → 29 permissions');
      const grant = page.locator(`[data-code="plan.app-only-access"][data-for='partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]']`);
      expect(await grant.textContent()).toContain('every on-premises mailbox');
      expect(await grant.isVisible()).toBe(true);
      expect(await page.locator('[data-code="plan.hybrid-rest-deprecated"]').textContent()).toContain('orgs/contoso/hybridcfg.yaml:12:5');

      expect(await page.locator('[data-restart="EX01"]').textContent()).toContain('MSExchangeRestFrontEndAppPool');
      expect(await page.locator('[data-restart="EX02"]').textContent()).toContain(`${EWS} changed`);

      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test('a <script> in values from servers and specs stays text and never runs', async () => {
    const evil = '<script>window.__pwned = 1; console.error("pwned")</script>';
    const plan = samplePlan({
      servers: [`EX01${evil}`],
      changes: [setting(`EX01${evil}`, `rest/${evil}`, `Key${evil}`, `a|${evil}`, `a|<img src=x onerror="window.__pwned=2">`)],
      warnings: [warning('plan.x', `summary ${evil}`, `detail ${evil}`)],
      restarts: [],
    });
    const report = await openReport(session, renderPlanHtml(plan, { title: `Title ${evil}` }), { width: 1024, height: 768 });
    try {
      const { page } = report;
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(await page.locator('main script, main img').count()).toBe(0);
      expect(await page.title()).toBe(`Title ${evil}`);
      expect(await page.locator('[data-server] h3').first().textContent()).toBe(`EX01${evil}`);
      expect(await page.locator('[data-op="removed"]').allTextContents()).toEqual([evil.replace(/ /g, '\u2423')]);
      expect(await page.locator('pre.diff .add').textContent()).toBe('+ a|<img src=x onerror="window.__pwned=2">');
      expect(await page.locator('[data-code="plan.x"]').textContent()).toContain(`detail ${evil}`);
      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test.each([
    ['a plan', () => renderPlanHtml(samplePlan())],
    ['changes grouped across servers', () => renderPlanHtml(fleetPlan())],
    ['a failed apply', () => renderPlanHtml(samplePlan(), { applied: failedApply() })],
  ])('on a 375px phone nothing but code blocks is wider than the screen: %s', async (_what, render) => {
    const report = await openReport(session, render(), { width: 375, height: 800 });
    try {
      const overflow = await report.page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => !el.closest('pre'))
          .filter((el) => el.getBoundingClientRect().right > width + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent?.slice(0, 40)}`);
        return { width, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth, wide };
      });
      expect(overflow.wide).toEqual([]);
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.width);
      expect(overflow.bodyScrollWidth).toBeLessThanOrEqual(overflow.width);
    } finally {
      await report.close();
    }
  });

  test('in print, long values wrap instead of being cut off', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan()), { width: 600, height: 800 });
    try {
      await report.page.emulateMedia({ media: 'print' });
      const pre = await report.page.evaluate(() => {
        const el = document.querySelector('pre.diff')!;
        return { whiteSpace: getComputedStyle(el).whiteSpace, fits: el.scrollWidth <= el.clientWidth };
      });
      expect(pre).toEqual({ whiteSpace: 'pre-wrap', fits: true });
    } finally {
      await report.close();
    }
  });

  test('the layout at 1024x768 matches the reference screenshot (within a tolerance for fonts)', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan()), { width: 1024, height: 768 });
    try {
      const png = await report.page.screenshot({ type: 'png' });
      const reference = join(__dirname, '__screenshots__', 'plan-1024x768.png');
      if (process.env.HYBRIDCFG_UPDATE_SCREENSHOTS === '1') writeFileSync(reference, png);
      if (!existsSync(reference)) {
        throw new Error(`No reference screenshot at ${reference}. Look at the report, then run with HYBRIDCFG_UPDATE_SCREENSHOTS=1 to keep it.`);
      }
      const result = compareLayout(decodePng(readFileSync(reference)), decodePng(png));
      expect(result.sameSize).toBe(true);
      expect(result.differentBlocks).toBeLessThanOrEqual(MAX_DIFFERENT_BLOCKS);
    } finally {
      await report.close();
    }
  });
});

/** Who applied, in the tests' apply reports: not the one who planned (samplePlan: alice on ADMIN01). */
const BOB = { user: 'bob', host: 'CI-RUNNER-7', startedAt: '2025-01-16T08:00:00.000Z', runId: 'run-42' };

/** The REST profile change on four lab servers: the same on EX01, EX02 and EX03; EX04 starts from other profiles. */
function fleetPlan(): Plan {
  const same = (server: string) => setting(server, REST, PROFILES_KEY, DEFAULT_REST_PROFILES, `${DEFAULT_REST_PROFILES}|V1S2SAppOnly`);
  const servers = ['EX01', 'EX02', 'EX03', 'EX04'];
  return basePlan([same('EX01'), same('EX02'), same('EX03'), setting('EX04', REST, PROFILES_KEY, 'S2SAppActAs|Callback', 'S2SAppActAs|Callback|V1S2SAppOnly')], {
    target: { kind: 'lab', description: 'lab /srv/labs/contoso' },
    servers,
    restarts: servers.map((server) => ({ server, mode: 'appPools' as const, appPools: ['MSExchangeRestFrontEndAppPool'], reasons: [`${REST} changed`], expectedUnavailableSeconds: 5 })),
    plannedBy: { user: 'alice', host: 'ADMIN01' },
    organization: { name: 'contoso.lab' },
  });
}

/** samplePlan applied by bob: Graph changed, EX01 done, EX02's restart failed (onFailure: stop). */
function failedApply(): ApplyOutcome {
  return {
    status: 'failed',
    organization: [{ kind: 'partnerApplication', address: `partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]`, title: 'Microsoft Graph', done: true, state: 'done' }],
    servers: [
      { server: 'EX01', outcome: 'restarted', restarted: true, written: [REST], backups: ['C:\\hybridcfg\\backup\\1\\rest\\web.config'], unavailability: { ms: 60_000, how: 'modelled' } },
      { server: 'EX02', outcome: 'failed', restarted: false, written: [REST, EWS], backups: [], message: 'Restart of EX02 (EX02.contoso.com) failed: iisreset /noforce did not complete' },
    ],
    diagnostics: [
      error('target.restart-failed', 'Restart of EX02 (EX02.contoso.com) failed: iisreset /noforce did not complete', 'Check the World Wide Web Publishing Service on EX02 (Get-Service W3SVC).'),
    ],
    appliedBy: BOB,
    finishedAt: '2025-01-16T08:04:30.000Z',
  };
}

describe('what a change board signs off', () => {
  test('a plan says who planned it, when, against which organisation and target', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan()), { width: 1024, height: 768 });
    try {
      const { page } = report;
      expect(await page.locator('[data-testid="organization-name"]').innerText()).toBe('Contoso');
      expect(await page.locator('[data-testid="target"]').innerText()).toBe('powershell (Exchange: local, files: winrm)');
      expect(await page.locator('[data-testid="planned"]').innerText()).toBe('by alice on ADMIN01, 2025-01-15 09:30:00 UTC');
      expect(await page.locator('[data-testid="planned"] time').getAttribute('datetime')).toBe('2025-01-15T09:30:00.000Z');
      expect(await page.locator('[data-testid="applied"]').count()).toBe(0);
      // On the first screen, before any change.
      for (const id of ['organization-name', 'target', 'planned']) expect(await page.locator(`[data-testid="${id}"]`).isVisible()).toBe(true);
      expect((await page.locator('[data-testid="planned"]').boundingBox())!.y).toBeLessThan(768);
      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test('an apply report of a saved plan says who planned it and who applied it, each with the time', async () => {
    const applied: ApplyOutcome = {
      status: 'succeeded',
      servers: [
        { server: 'EX01', outcome: 'restarted', restarted: true, written: [REST], backups: [] },
        { server: 'EX02', outcome: 'restarted', restarted: true, written: [REST, EWS], backups: [] },
      ],
      appliedBy: BOB,
      finishedAt: '2025-01-16T08:04:30.000Z',
    };
    const report = await openReport(session, renderPlanHtml(samplePlan(), { applied }), { width: 1024, height: 768 });
    try {
      const { page } = report;
      expect(await page.locator('[data-testid="planned"]').innerText()).toBe('by alice on ADMIN01, 2025-01-15 09:30:00 UTC');
      expect(await page.locator('[data-testid="applied"]').innerText()).toBe('by bob on CI-RUNNER-7, from 2025-01-16 08:00:00 UTC to 2025-01-16 08:04:30 UTC (run run-42)');
      expect(await page.locator('[data-testid="organization-name"]').innerText()).toBe('Contoso');
      expect(await page.locator('[data-testid="outcome"]').innerText()).toContain('Every change in this plan was made.');
      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test('a plan of an older hybridcfg, without who planned it, says so instead of naming nobody', async () => {
    const { plannedBy: _p, organization: _o, ...older } = samplePlan();
    const report = await openReport(session, renderPlanHtml(older as Plan), { width: 1024, height: 768 });
    try {
      expect(await report.page.locator('[data-testid="planned"]').innerText()).toBe('by (not recorded in this plan), 2025-01-15 09:30:00 UTC');
      expect(await report.page.locator('[data-testid="organization-name"]').innerText()).toBe('not reported by the target');
    } finally {
      await report.close();
    }
  });

  test('the same change on three lab servers is shown once with their names; the server whose change differs has its own', async () => {
    const report = await openReport(session, renderPlanHtml(fleetPlan()), { width: 1024, height: 768 });
    try {
      const { page } = report;
      const cards = page.locator(`[data-change][data-file="${REST}"]`);
      expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-servers')))).toEqual(['EX01 EX02 EX03', 'EX04']);
      expect(await cards.nth(0).locator('[data-testid="on-servers"]').innerText()).toBe('on EX01, EX02, EX03 (3 servers, the same change)');
      expect(await cards.nth(1).locator('[data-testid="on-servers"]').innerText()).toBe('on EX04');
      // The shared diff once, not three times: two token diffs in all, one per distinct change.
      expect(await page.locator('[data-op="added"]').allTextContents()).toEqual(['V1S2SAppOnly', 'V1S2SAppOnly']);
      expect(await cards.nth(0).locator('pre.diff .del').innerText()).toBe(`- ${DEFAULT_REST_PROFILES}`);
      expect(await cards.nth(1).locator('pre.diff .del').innerText()).toBe('- S2SAppActAs|Callback');
      // Every server keeps its card, with a link to its change, its restart and the expected unavailability.
      expect(await page.locator('[data-server]').evaluateAll((els) => els.map((e) => e.getAttribute('data-server')))).toEqual(['EX01', 'EX02', 'EX03', 'EX04']);
      const ex02 = page.locator('[data-server="EX02"]');
      expect(await ex02.locator('[data-change-ref]').innerText()).toBe(`${REST} (the same on EX01, EX03)`);
      expect(await ex02.locator('a').getAttribute('href')).toBe(`#${await cards.nth(0).getAttribute('id')}`);
      expect(await page.locator('[data-server="EX04"] a').getAttribute('href')).toBe(`#${await cards.nth(1).getAttribute('id')}`);
      for (const server of ['EX01', 'EX02', 'EX03', 'EX04']) {
        expect(await page.locator(`[data-server="${server}"]`).innerText()).toContain('recycle MSExchangeRestFrontEndAppPool (expected unavailability about 5.0 s');
      }
      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test('a failed apply leads with what failed and the next step, right after the title, on a phone too', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan(), { applied: failedApply() }), { width: 375, height: 667 });
    try {
      const { page } = report;
      expect(await page.title()).toBe('hybridcfg apply report');
      const order = await page.evaluate(() => [...document.querySelectorAll('main > *')].slice(0, 3).map((e) => `${e.tagName.toLowerCase()} ${e.getAttribute('data-testid') ?? ''}`.trim()));
      expect(order).toEqual(['header', 'div outcome', 'dl provenance']);
      // Seen first: above who planned and applied, and above the summary.
      const top = async (selector: string) => (await page.locator(selector).first().boundingBox())!.y;
      expect(await top('[data-testid="outcome"]')).toBeLessThan(await top('[data-testid="provenance"]'));
      expect(await top('[data-testid="provenance"]')).toBeLessThan(await top('#summary'));
      const banner = page.locator('[data-testid="outcome"]');
      expect(await banner.getAttribute('data-status')).toBe('failed');
      expect(await banner.locator('[data-testid="failure"]').innerText()).toBe('Restart of EX02 (EX02.contoso.com) failed: iisreset /noforce did not complete');
      expect(await banner.innerText()).toContain('Check the World Wide Web Publishing Service on EX02 (Get-Service W3SVC).');
      const next = banner.locator('[data-testid="next-step"]');
      expect(await next.innerText()).toBe(
        'Next step: Nothing more was changed after the failure. Fix the cause on EX02 (above), then run hybridcfg plan to see what is left and hybridcfg apply to finish, or hybridcfg rollback to put back what was changed.',
      );
      expect(await banner.locator('[data-testid="where-it-stopped"] li').allInnerTexts()).toEqual(['Failed: EX02', 'Changed and kept: EX01']);
      // The failure and what to do fit the first screen of a phone.
      const box = (await next.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(667);
      // The service impact stays: the total in the banner, each server's on its card.
      expect(await banner.locator('[data-testid="service-impact"]').innerText()).toContain('1 server unavailable for 60.0 s in total');
      expect(await page.locator('[data-server="EX01"] [data-testid="unavailability"]').innerText()).toContain('unavailable 60 s');
      expect(await page.locator('[data-testid="applied"]').innerText()).toBe('by bob on CI-RUNNER-7, from 2025-01-16 08:00:00 UTC to 2025-01-16 08:04:30 UTC (run run-42)');
      expect(report.consoleErrors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  });

  test('after onFailure: rollback, the banner says what the rollback did and where to go from there', async () => {
    const applied: ApplyOutcome = {
      ...failedApply(),
      rollback: { complete: false, notes: ['EX02: could NOT restore FrontEnd/HttpProxy/rest/web.config: access denied'] },
    };
    const report = await openReport(session, renderPlanHtml(samplePlan(), { applied }), { width: 1024, height: 768 });
    try {
      const banner = report.page.locator('[data-testid="outcome"]');
      expect(await banner.locator('[data-testid="rollback"] li').allInnerTexts()).toEqual(['EX02: could NOT restore FrontEnd/HttpProxy/rest/web.config: access denied']);
      expect(await banner.locator('[data-testid="next-step"]').innerText()).toContain('The rollback did not put everything back');
    } finally {
      await report.close();
    }
  });
});

// ---- a tiny PNG decoder and a layout comparison -----------------------------------------------

interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel. */
  readonly rgba: Uint8Array;
}

/** Enough of PNG for chromium's screenshots: 8-bit RGB or RGBA, not interlaced. */
function decodePng(buf: Buffer): Image {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      colorType = data[9];
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${data[12]}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset += 12 + length;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? pixels[y * stride + x - bpp] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? pixels[(y - 1) * stride + x - bpp] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = pixels[i * bpp];
    rgba[i * 4 + 1] = pixels[i * bpp + 1];
    rgba[i * 4 + 2] = pixels[i * bpp + 2];
    rgba[i * 4 + 3] = bpp === 4 ? pixels[i * bpp + 3] : 255;
  }
  return { width, height, rgba };
}

/**
 * Compares 32x32 blocks by their mean colour, each against the best match in the reference within a
 * small shift. Another font moves glyphs and nudges lines but keeps a block's ink and background about
 * the same; a broken layout (lost styles, a banner gone or moved, boxes stacked differently) changes
 * whole regions.
 */
const BLOCK = 32;
const MAX_SHIFT_Y = 40;
const MAX_SHIFT_X = 8;
const BLOCK_TOLERANCE = 24; // mean difference per channel, out of 255
const MAX_DIFFERENT_BLOCKS = 60; // of 768 blocks at 1024x768

/** Summed-area table per channel, so a block's mean at any offset costs four lookups. */
function integral(img: Image): Float64Array[] {
  const w = img.width + 1;
  return [0, 1, 2].map((ch) => {
    const t = new Float64Array(w * (img.height + 1));
    for (let y = 1; y <= img.height; y++) {
      let row = 0;
      for (let x = 1; x <= img.width; x++) {
        row += img.rgba[((y - 1) * img.width + (x - 1)) * 4 + ch];
        t[y * w + x] = t[(y - 1) * w + x] + row;
      }
    }
    return t;
  });
}

function blockMean(t: Float64Array[], img: Image, x0: number, y0: number): number[] | undefined {
  const x1 = x0 + BLOCK;
  const y1 = y0 + BLOCK;
  if (x0 < 0 || y0 < 0 || x1 > img.width || y1 > img.height) return undefined;
  const w = img.width + 1;
  return t.map((c) => (c[y1 * w + x1] - c[y0 * w + x1] - c[y1 * w + x0] + c[y0 * w + x0]) / (BLOCK * BLOCK));
}

function compareLayout(expected: Image, actual: Image): { sameSize: boolean; differentBlocks: number } {
  if (expected.width !== actual.width || expected.height !== actual.height) return { sameSize: false, differentBlocks: Infinity };
  const te = integral(expected);
  const ta = integral(actual);
  let differentBlocks = 0;
  for (let by = 0; by + BLOCK <= actual.height; by += BLOCK) {
    for (let bx = 0; bx + BLOCK <= actual.width; bx += BLOCK) {
      const mine = blockMean(ta, actual, bx, by)!;
      let best = Infinity;
      for (let dy = -MAX_SHIFT_Y; dy <= MAX_SHIFT_Y && best > BLOCK_TOLERANCE; dy += 2) {
        for (let dx = -MAX_SHIFT_X; dx <= MAX_SHIFT_X; dx += 2) {
          const ref = blockMean(te, expected, bx + dx, by + dy);
          if (ref) best = Math.min(best, Math.max(...ref.map((v, ch) => Math.abs(v - mine[ch]))));
        }
      }
      if (best > BLOCK_TOLERANCE) differentBlocks++;
    }
  }
  return { sameSize: true, differentBlocks };
}
