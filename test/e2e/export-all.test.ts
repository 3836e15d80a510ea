/**
 * `hybridcfg export --all` (issue 12): a spec for every object of the hybrid unit the organisation has,
 * which validates against the schema and plans with no changes, on a new lab and after an apply of
 * examples/specs/dedicated-hybrid-app.yaml.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8');

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-export-all-'));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02'], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'hybridcfg.yaml'), EXAMPLE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Exports with --all, checks it plans with no changes, and returns the document. */
async function roundTrip(): Promise<Record<string, any>> {
  const r = await runCli(['export', 'hybridcfg.yaml', '--all'], { cwd: dir });
  expect(r.code).toBe(0);
  writeFileSync(join(dir, 'live.yaml'), r.stdout);
  // No unset value written as "" where the schema wants a URI or a GUID (it would fail validation).
  expect(r.stdout).not.toMatch(/(authMetadataUrl|targetSharingEpr|applicationIdentifier|discoveryEndpoint|targetAutodiscoverEpr): ""/);
  const plan = await runCli(['plan', 'live.yaml', '--detailed-exitcode'], { cwd: dir });
  expect(plan.stderr).not.toMatch(/Error|Warning/);
  expect(plan.stdout).toContain('No changes.');
  expect(plan.code).toBe(0);
  return parse(r.stdout);
}

test('a new lab: every object of the unit, and planning the export shows no changes', async () => {
  const doc = await roundTrip();
  expect(doc.partnerApplications.map((a: { name: string }) => a.name)).toEqual(['Exchange Online', 'Microsoft Graph', 'TeamsScheduler', 'CloudVoicemail', 'SfBLegacy']);
  expect(doc.authServers).toEqual([expect.objectContaining({ name: expect.stringMatching(/^EvoSts - /), enabled: true })]);
  expect(doc.authServers[0]).not.toHaveProperty('applicationIdentifier');
  expect(doc.intraOrganizationConnectors).toHaveLength(1);
  expect(doc.organizationRelationships).toHaveLength(1);
  expect(doc).not.toHaveProperty('settingOverrides');
});

test('after an apply of the example: the override and the dedicated app id are exported, and plan again shows no changes', async () => {
  const apply = await runCli(['apply', 'hybridcfg.yaml', '--yes'], { cwd: dir });
  expect(apply.code).toBe(0);
  const doc = await roundTrip();
  expect(doc.settingOverrides).toEqual([expect.objectContaining({ name: 'EnableExchangeHybrid3PAppFeature', component: 'Global', section: 'ExchangeOnpremAsThirdPartyAppId', parameters: ['Enabled=true'] })]);
  expect(doc.authServers[0]).toMatchObject({ applicationIdentifier: '66666666-7777-8888-9999-000000000000', domainName: ['contoso.mail.onmicrosoft.com'] });
  expect(doc.organizationRelationships[0].targetSharingEpr).toBe('https://outlook.office365.com/EWS/Exchange.asmx');
});
