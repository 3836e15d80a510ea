/**
 * The Auth certificate checks (issue 12): per server, in its one read, the certificate AuthConfig names
 * (present, NotAfter, private key). The plan fails when a server lacks it or its key, or when it expires
 * within authCertificate.minimumDaysValid days, and warns below 60 days; each message names the server and
 * Microsoft's rotation procedure. Through both targets, with the lab's faults (LAB.md); nothing changes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authCertificateState } from '../../src/resources/auth-certificate';
import { REGISTRY } from '../../src/resources/registry';
import { readLive } from '../../src/session/live';
import { loadSpec, openSpecTarget } from '../../src/session/session';
import { runCli } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8');
const pwsh = requirePwsh();
const THUMBPRINT = 'C3EDCF181EF4F9B53D01768ECA99564014BCA6E7'; // fixtures/exchange/E19/GetAuthConfig.xml
const withMinimum = (days: number, spec: string): string =>
  spec.replace(/^authCertificate:\n  minimumDaysValid: \d+.*\n/m, '').replace(/^webConfigs:/m, `authCertificate:\n  minimumDaysValid: ${days}\nwebConfigs:`);
const TARGETS = {
  lab: EXAMPLE,
  powershell: EXAMPLE.replace('  lab: ./lab                       # relative to the spec file', `  powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab }`),
} as const;

let dir: string;
async function setUp(spec: string, fault?: string): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-auth-cert-'));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02'], { cwd: dir })).code).toBe(0);
  if (fault) expect((await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--set', `authCertificate=${fault}`], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec);
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function plan(): Promise<{ code: number; text: string; codes: string[] }> {
  const before = readFileSync(join(dir, 'lab', 'organization.json'), 'utf8');
  const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
  const json = await runCli(['plan', 'hybridcfg.yaml', '--json'], { cwd: dir });
  expect(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8')).toBe(before);
  return { code: r.code, text: (r.stdout + r.stderr).replace(/\s+/g, ' '), codes: ((j) => j.diagnostics ?? j.warnings)(JSON.parse(json.stdout)).map((d: { code: string }) => d.code) };
}

describe.each(Object.entries(TARGETS))('the Auth certificate on %s', (name, example) => {
  test('a new lab: every server has it for a year, the plan shows no certificate diagnostic', async () => {
    await setUp(withMinimum(30, example));
    const r = await plan();
    expect(r.code).toBe(2);
    expect(r.codes.filter((c) => c.startsWith('plan.auth-certificate'))).toEqual([]);
    // The live state keeps AuthConfig's thumbprints and each server's NotAfter for verify (authCertificateState).
    if (name === 'lab') {
      const loaded = await loadSpec(join(dir, 'hybridcfg.yaml'));
      const target = await openSpecTarget(loaded, REGISTRY);
      try {
        const state = authCertificateState(await readLive(loaded, target, REGISTRY));
        expect(state.currentThumbprint).toBe(THUMBPRINT);
        expect(state.nextThumbprint).toBeNull();
        for (const s of ['EX01', 'EX02']) {
          expect(state.servers[s]!.current).toMatchObject({ thumbprint: THUMBPRINT, hasPrivateKey: true });
          const days = (Date.parse(state.servers[s]!.current!.notAfter) - Date.now()) / 86_400_000;
          expect(days).toBeGreaterThan(360);
          expect(days).toBeLessThan(367);
        }
      } finally {
        await target.close();
      }
    }
  });

  test('a server without it fails the plan, naming the server and the fix', async () => {
    await setUp(withMinimum(30, example), 'missing');
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.codes).toEqual(['plan.auth-certificate-missing']);
    expect(r.text).toContain(`EX02 does not have the Auth certificate ${THUMBPRINT} (AuthConfig CurrentCertificateThumbprint) in Cert:\\LocalMachine\\My.`);
    expect(r.text).toContain('Set-AuthConfig -NewCertificateThumbprint $c.Thumbprint -NewCertificateEffectiveDate');
    expect(r.text).toContain('hybridcfg never creates or rotates the certificate');
    expect(r.text).not.toMatch(/EX01 does not have/);
  });

  test('one expiring within minimumDaysValid fails the plan', async () => {
    await setUp(withMinimum(30, example), 'expiring');
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.codes).toEqual(['plan.auth-certificate-expiring']);
    expect(r.text).toMatch(new RegExp(`The Auth certificate ${THUMBPRINT} on EX02 expires on \\d{4}-\\d\\d-\\d\\d, in (19|20) days, less than authCertificate.minimumDaysValid \\(30\\)`));
    expect(r.text).toContain('New-ExchangeCertificate -KeySize 2048 -PrivateKeyExportable $true');
  });

  test('one expiring within 60 days but not within minimumDaysValid is a warning, and the plan goes on', async () => {
    await setUp(withMinimum(10, example), 'expiring');
    const r = await plan();
    expect(r.code).toBe(2);
    expect(r.codes).toEqual(['plan.auth-certificate-expires-soon']);
    expect(r.text).toMatch(new RegExp(`The Auth certificate ${THUMBPRINT} on EX02 expires on \\d{4}-\\d\\d-\\d\\d, in (19|20) days, less than 60 days from now`));
  });

  test('one without its private key fails the plan', async () => {
    await setUp(withMinimum(30, example), 'no-private-key');
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.codes).toEqual(['plan.auth-certificate-no-private-key']);
    expect(r.text).toContain(`EX02 has the Auth certificate ${THUMBPRINT}, but without its private key.`);
  });

  test('without authCertificate in the spec, a missing certificate is not checked', async () => {
    const without = example.replace(/^authCertificate:\n  minimumDaysValid: \d+.*\n/m, '');
    expect(without).not.toContain('authCertificate');
    await setUp(without, 'missing');
    const r = await plan();
    expect(r.code).toBe(2);
    expect(r.codes).toEqual([]);
  });
});
