/**
 * The HTML plan report in a real browser (Debian's chromium): what an approver sees on a desktop, on a
 * phone and on paper, that it needs nothing from the network, and that values from servers stay text.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { warning } from '../../src/diag/diagnostic';
import { DEFAULT_REST_PROFILES, GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY } from '../../src/domain/exchange';
import type { Plan } from '../../src/plan/types';
import { renderPlanHtml } from '../../src/views/html';
import { fileChange, graphChange, plan as basePlan } from '../helpers/plans';
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
    ...overrides,
  });
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

      // EX01: V1S2SAppOnly appended to the REST profiles, nothing removed.
      const ex01 = page.locator(`[data-server="EX01"] [data-file="${REST}"] [data-key="${PROFILES_KEY}"]`);
      expect(await ex01.locator('[data-op="added"]').allTextContents()).toEqual(['V1S2SAppOnly']);
      expect(await ex01.locator('[data-op="removed"]').count()).toBe(0);
      expect(await ex01.locator('pre.diff .add').textContent()).toBe(`+ ${DEFAULT_REST_PROFILES}|V1S2SAppOnly`);
      expect(await ex01.locator('pre.diff .del').textContent()).toBe(`- ${DEFAULT_REST_PROFILES}`);

      // EX02: V1AppOnly removed from EWS.
      const ews = page.locator(`[data-server="EX02"] [data-file="${EWS}"]`);
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

  test('on a 375px phone nothing but code blocks is wider than the screen', async () => {
    const report = await openReport(session, renderPlanHtml(samplePlan()), { width: 375, height: 800 });
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
