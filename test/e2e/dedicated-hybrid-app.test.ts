/**
 * Issue 12's example: examples/specs/dedicated-hybrid-app.yaml plans (exit 2), applies and plans again
 * with no changes (exit 0) on the lab and through pwsh with the fake Exchange module; and each
 * cross-check of the override fails the plan with its message, on both targets, changing nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8');
const pwsh = requirePwsh();
const TARGETS = {
  lab: EXAMPLE,
  powershell: EXAMPLE.replace('  lab: ./lab                       # relative to the spec file', `  powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab }`),
} as const;

let dir: string;
const org = () => JSON.parse(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8'));
const writeOrg = (o: unknown) => writeFileSync(join(dir, 'lab', 'organization.json'), JSON.stringify(o, null, 2) + '\n');
async function setUp(spec: string, build?: string): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-hybrid-app-'));
  const init = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', ...(build ? ['--build', build] : [])], { cwd: dir });
  expect(init.code).toBe(0);
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec);
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.entries(TARGETS))('dedicated hybrid app on %s', (_name, spec) => {
  test('plan exit 2, apply, plan exit 0', async () => {
    await setUp(spec);
    const plan = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(plan.stderr).not.toMatch(/Error|Warning/);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/~ authServer\["EvoSts - [0-9a-f-]{36}"\]/);
    expect(plan.stdout).toContain('+ settingOverride["EnableExchangeHybrid3PAppFeature"]');
    expect(plan.stdout).toContain('then: Get-ExchangeDiagnosticInfo -Process Microsoft.Exchange.Directory.TopologyService -Component VariantConfiguration -Argument Refresh');
    expect(plan.stdout).toMatch(/~ organizationRelationship\["On-premises to O365 - [0-9a-f-]{36}"\]/);
    // Changes in Microsoft's safe order: relationship before the auth server, the override last.
    const at = (s: string) => plan.stdout.indexOf(s);
    expect(at('organizationRelationship[')).toBeLessThan(at('authServer['));
    expect(at('authServer[')).toBeLessThan(at('settingOverride['));

    const apply = await runCli(['apply', 'hybridcfg.yaml', '--yes'], { cwd: dir });
    expect(apply.stderr).not.toContain('Error');
    expect(apply.code).toBe(0);
    const after = org();
    expect(after.authServers[0]).toMatchObject({ ApplicationIdentifier: '66666666-7777-8888-9999-000000000000', DomainName: ['contoso.mail.onmicrosoft.com'] });
    expect(after.settingOverrides).toEqual([expect.objectContaining({ Name: 'EnableExchangeHybrid3PAppFeature', ComponentName: 'Global', SectionName: 'ExchangeOnpremAsThirdPartyAppId', Parameters: ['Enabled=true'] })]);
    expect(after.organizationRelationships[0].TargetSharingEpr).toBe('https://outlook.office365.com/EWS/Exchange.asmx');
    const events = readFileSync(join(dir, 'lab', 'events.jsonl'), 'utf8');
    expect(events).toContain('"action":"refresh-variantconfiguration"');
    // These objects restart nothing.
    expect(events).not.toMatch(/"action":"(iisreset|recycle)/);

    const again = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(again.stderr).not.toMatch(/Error|Warning/);
    expect(again.code).toBe(0);
  });
});

describe.each(Object.entries(TARGETS))('cross-checks on %s, before anything changes', (_name, spec) => {
  /** The plan fails (exit 1) with the check's diagnostic (its code in --json), its message in the text, and nothing changed. */
  async function planFails(code: string, message: RegExp): Promise<void> {
    const before = readFileSync(join(dir, 'lab', 'organization.json'), 'utf8');
    const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.replace(/\s+/g, ' ')).toMatch(message);
    const json = await runCli(['plan', 'hybridcfg.yaml', '--json'], { cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual([code]);
    expect(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8')).toBe(before);
  }

  test('a disabled connector the spec does not enable', async () => {
    await setUp(spec.replace('intraOrganizationConnectors:\n  - name: all                      # every connector, or a name\n    enabled: true\n', ''));
    const o = org();
    o.intraOrganizationConnectors[0].Enabled = false;
    writeOrg(o);
    await planFails('plan.hybrid-app-needs-connector', /needs at least one enabled intra-organisation connector; "HybridIOC - [0-9a-f-]{36}" has Enabled false[\s\S]*Set-IntraOrganizationConnector -Identity "HybridIOC/);
  });

  test('an Exchange Online partner application the spec disables', async () => {
    await setUp(spec.replace('    realm: ""                      # the one with an empty Realm, as Microsoft\'s script selects it\n    enabled: true', '    realm: ""\n    enabled: false'));
    await planFails('plan.hybrid-app-needs-partner-application', /needs an enabled "Exchange Online" partner application with an empty Realm; "Exchange Online" has Enabled true/);
  });

  test('an auth server without ApplicationIdentifier', async () => {
    await setUp(spec.replace('    applicationIdentifier: 66666666-7777-8888-9999-000000000000\n', ''));
    await planFails('plan.hybrid-app-needs-auth-server', /auth server "EvoSts - [0-9a-f-]{36}" has no ApplicationIdentifier, and the spec gives none/);
  });

  test('an override of the same section under another name', async () => {
    await setUp(spec);
    const o = org();
    o.settingOverrides = [{ Name: 'Hybrid3PApp', ComponentName: 'Global', SectionName: 'ExchangeOnpremAsThirdPartyAppId', Parameters: ['Enabled=false'], Reason: 'by hand', Server: null }];
    writeOrg(o);
    await planFails('plan.duplicate-setting-override', /already exists as "Hybrid3PApp"; hybridcfg will not create "EnableExchangeHybrid3PAppFeature" beside it[\s\S]*Remove-SettingOverride/);
  });

  test('without builds.minimum, a server below the April 2025 HU is named, and the plan goes on', async () => {
    // Builds come from each server's read (ExSetup.exe): a web.config entry that holds already makes hybridcfg read the servers.
    await setUp(spec.replace(/^builds:\n  minimum: .*\n/m, '').replace('webConfigs: []', 'webConfigs:\n  - file: FrontEnd/HttpProxy/rest/web.config\n    appSettings:\n      OAuthHttpModule.Profiles:\n        include: [S2SAppOnly]'), '15.2.1748.43,EX02=15.2.1748.10');
    // The lab's cmdlets follow its oldest server; here the session runs on EX01, which has the HU.
    const o = org();
    o.cmdlets['Set-AuthServer'].parameters = [...o.cmdlets['Set-AuthServer'].parameters, 'ApplicationIdentifier'];
    writeOrg(o);
    const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/EX02 \(15\.2\.1748\.10\) runs a build below the April 2025 Hotfix Update: it keeps using the shared first-party application/);
  });
});
