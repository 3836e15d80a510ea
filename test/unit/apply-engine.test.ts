/** The apply engine against the lab target, in process: the gates a user relies on. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply';
import { REGISTRY } from '../../src/resources/registry';
import type { Target } from '../../src/targets/types';
import { readAndPlan, REST } from '../helpers/live';
import { loadSpec } from '../helpers/spec';
import { initLab, kindCalls, labTarget } from '../helpers/targets';

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-engine-'));
  await initLab(join(dir, 'lab'), { servers: ['EX01', 'EX02'] });
  writeFileSync(
    join(dir, 'hybridcfg.yaml'),
    `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
partnerApplications:
  - applicationIdentifier: 00000003-0000-0000-c000-000000000000
    appOnlyPermissions:
      sameAs: actAsPermissions
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
restart:
  mode: iisreset
  rolling:
    healthCheck:
      paths: [/owa/healthcheck.htm]
  onFailure: rollback
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function prepare(target: Target) {
  return readAndPlan(await loadSpec(join(dir, 'hybridcfg.yaml')), target);
}

test('a target that cannot report health fails the gate instead of claiming success, and the batch is rolled back', async () => {
  const lab = labTarget(join(dir, 'lab'));
  // A target that restarts but answers nothing about the health it was asked to check.
  const blind: Target = { ...lab, restart: async (s, r) => ({ ...(await lab.restart(s, r)), health: undefined }) };
  const { loaded, live, plan } = await prepare(blind);
  const before = readFileSync(join(dir, 'lab', 'servers', 'EX01', REST));
  const result = await applyPlan(plan, blind, live, loaded, REGISTRY, { restart: loaded.spec.restart! });
  expect(result.status).toBe('failed');
  expect(result.diagnostics[0].code).toBe('apply.health-unknown');
  expect(result.servers.map((s) => s.outcome)).toEqual(['rolledBack', 'not-started']);
  expect(readFileSync(join(dir, 'lab', 'servers', 'EX01', REST))).toEqual(before);
});

test('the lab records partner application originals once and reports whether backups are possible', async () => {
  const target = labTarget(join(dir, 'lab'));
  const { loaded, live, plan } = await prepare(target);
  expect(live.serverStates.EX01.backup).toEqual({ possible: true });
  expect((await applyPlan(plan, target, live, loaded, REGISTRY, { restart: loaded.spec.restart! })).status).toBe('succeeded');
  const originals = () => JSON.parse(readFileSync(join(dir, 'lab', 'hybridcfg', 'original', 'partner-applications.json'), 'utf8'));
  expect(originals()).toEqual({ '00000003-0000-0000-c000-000000000000': { AppOnlyPermissions: null } });
  await kindCalls(target).setPartnerApplication('00000003-0000-0000-c000-000000000000', { AppOnlyPermissions: ['Mail.Read'] });
  expect(originals()).toEqual({ '00000003-0000-0000-c000-000000000000': { AppOnlyPermissions: null } });
});

test('a failed apply records its end in the journal, so the next plan does not call it interrupted', async () => {
  const target = labTarget(join(dir, 'lab'));
  const org = JSON.parse(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8'));
  org.servers[0].faults = { restart: 'fail' };
  writeFileSync(join(dir, 'lab', 'organization.json'), JSON.stringify(org));
  const { loaded, live, plan } = await prepare(target);
  const holder = { runId: 'r1', command: 'apply', host: 'h', user: 'u', pid: 1, startedAt: 'now' };
  const result = await applyPlan(plan, target, live, loaded, REGISTRY, { restart: loaded.spec.restart!, journal: { holder } });
  expect(result.status).toBe('failed');
  const last = (await target.readOrganization({})).lastRun;
  expect(last?.end?.status).toBe('failed, rolled back');
});
