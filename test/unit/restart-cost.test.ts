/**
 * Restarts costed (LAB.md O5): the plan states each restart's expected unavailability (assumption
 * restart-durations), the lab models it (per-server knobs), the apply result and the report state it;
 * maxUnavailable as a percentage; the servers of one batch written in parallel.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply';
import { ASSUMPTIONS } from '../../src/assumptions/register';
import { RESTART_DURATION_DEFAULTS } from '../../src/domain/iis';
import { batchSize } from '../../src/plan/rolling';
import { REGISTRY } from '../../src/resources/registry';
import { setFaults } from '../../src/targets/lab/faults';
import type { ExchangeServer, RestartRequest, RestartResult, ServerSetRequest, Target } from '../../src/targets/types';
import { renderApplyResult } from '../../src/views/apply-text';
import { renderPlanHtml as renderHtml } from '../../src/views/html';
import { readAndPlan, REST } from '../helpers/live';
import { loadSpec } from '../helpers/spec';
import { initLab, labTarget } from '../helpers/targets';

const SERVERS = ['EX01', 'EX02', 'EX03', 'EX04', 'EX05', 'EX06', 'EX07', 'EX08'];
let dir: string;
const spec = (restart: string) =>
  `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
restart:
${restart}
`;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-restart-cost-'));
  await initLab(join(dir, 'lab'), { servers: SERVERS });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function prepare(restart: string, target: Target = labTarget(join(dir, 'lab'))) {
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec(restart));
  return { target, ...(await readAndPlan(await loadSpec(join(dir, 'hybridcfg.yaml')), target)) };
}

test("the lab's fallback durations are the assumption's defaults", () => {
  expect(RESTART_DURATION_DEFAULTS).toEqual(ASSUMPTIONS['restart-durations'].default);
});

describe('batchSize: maxUnavailable as a number or a percentage (rounded down, at least 1)', () => {
  test.each([
    [undefined, 8, 1],
    [2, 8, 2],
    ['25%', 8, 2],
    ['25%', 10, 2],
    ['10%', 5, 1],
    ['100%', 7, 7],
  ] as const)('%s of %d servers: batches of %d', (max, n, size) => expect(batchSize(max, n)).toBe(size));
});

test('the spec accepts "25%" and refuses 0% and words, naming the place', async () => {
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec('  mode: iisreset\n  rolling:\n    maxUnavailable: "25%"'));
  expect((await loadSpec(join(dir, 'hybridcfg.yaml'))).spec.restart?.rolling?.maxUnavailable).toBe('25%');
  for (const bad of ['"0%"', 'two', '"150%"', '0']) {
    writeFileSync(join(dir, 'hybridcfg.yaml'), spec(`  mode: iisreset\n  rolling:\n    maxUnavailable: ${bad}`));
    await expect(loadSpec(join(dir, 'hybridcfg.yaml'))).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ summary: expect.stringMatching(/maxUnavailable.*whole number.*percentage/), source: expect.objectContaining({ line: 14 }) })],
    });
  }
});

test('iisreset: the plan expects 60 s per server (assumption restart-durations), the lab models it, a knob overrides it on one server', async () => {
  await setFaults(join(dir, 'lab'), { server: 'EX03' }, ['iisresetSeconds=90'], false);
  const { target, loaded, live, plan } = await prepare('  mode: iisreset\n  rolling:\n    maxUnavailable: "25%"');
  expect(plan.restarts.map((r) => r.expectedUnavailableSeconds)).toEqual(SERVERS.map(() => 60));
  expect(plan.assumptions.map((a) => a.id)).toContain('restart-durations');
  const result = await applyPlan(plan, target, live, loaded, REGISTRY, { restart: loaded.spec.restart! });
  expect(result.status).toBe('succeeded');
  expect(result.servers.map((s) => s.unavailability)).toEqual(SERVERS.map((s) => ({ ms: s === 'EX03' ? 90_000 : 60_000, how: 'modelled' })));
  const text = renderApplyResult(result, plan);
  expect(text).toContain('EX03: wrote FrontEnd/HttpProxy/rest/web.config, restarted, unavailable 90 s (modelled by the lab)');
  expect(text).toContain('Service impact: 8 servers unavailable for 510.0 s in total (modelled by the lab).');
  const page = renderHtml(plan, { applied: { status: result.status, servers: result.servers } });
  expect(page).toContain('8 servers unavailable for 510.0 s in total');
  expect(page).toMatch(/data-server="EX03"[\s\S]*?unavailable 90 s \(modelled by the lab\)/);
});

test('a recycle costs the assumed 5 s per pool; the spec can switch the assumption', async () => {
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec('  mode: iisreset') + 'assumptions:\n  restart-durations: { iisresetSeconds: 30, recycleSeconds: 2 }\n');
  const switched = await readAndPlan(await loadSpec(join(dir, 'hybridcfg.yaml')), labTarget(join(dir, 'lab')));
  expect(switched.plan.restarts.map((r) => r.expectedUnavailableSeconds)).toEqual(SERVERS.map(() => 30));
  const { target, loaded, live, plan } = await prepare('  mode: appPools\n  rolling:\n    maxUnavailable: 4');
  const pools = plan.restarts[0].appPools!.length;
  expect(pools).toBeGreaterThan(0);
  expect(plan.restarts[0].expectedUnavailableSeconds).toBe(5 * pools);
  const result = await applyPlan(plan, target, live, loaded, REGISTRY, { restart: loaded.spec.restart! });
  expect(result.servers[0].unavailability).toEqual({ ms: 5000 * pools, how: 'modelled' });
});

test('"25%" of 8 servers: batches of 2, written in parallel, the next batch only after both restarts', async () => {
  const lab = labTarget(join(dir, 'lab'));
  const log: string[] = [];
  let writing = 0;
  let most = 0;
  const watched: Target = {
    ...lab,
    async setServer(s: ExchangeServer, r: readonly ServerSetRequest[]) {
      most = Math.max(most, ++writing);
      log.push(`write ${s.Name}`);
      await new Promise((res) => setTimeout(res, 30));
      try {
        return await lab.setServer(s, r);
      } finally {
        writing--;
      }
    },
    async restart(s: ExchangeServer, r: RestartRequest): Promise<RestartResult> {
      log.push(`restart ${s.Name}`);
      return lab.restart(s, r);
    },
  };
  const { loaded, live, plan } = await prepare('  mode: iisreset\n  rolling:\n    maxUnavailable: "25%"', watched);
  const result = await applyPlan(plan, watched, live, loaded, REGISTRY, { restart: loaded.spec.restart! });
  expect(result.status).toBe('succeeded');
  expect(most).toBe(2);
  // Each pair is written, then restarted, before the next pair is touched.
  const batchOf = (entry: string) => Math.floor(SERVERS.indexOf(entry.split(' ')[1]) / 2);
  expect(log.map(batchOf)).toEqual([...log.map(batchOf)].sort());
  expect(log.filter((l) => l.startsWith('restart'))).toHaveLength(8);
  for (const s of SERVERS) expect(readFileSync(join(dir, 'lab', 'servers', s, REST), 'utf8')).toContain('V1S2SAppOnly');
});
