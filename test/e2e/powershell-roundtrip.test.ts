/**
 * Issue 3's round trip: plan / apply / plan through real pwsh and the fake Exchange module on a
 * two-server lab gives the same plans, the same final state and the same restarts as the built-in
 * lab target. Also: the missing-parameter build fails the plan, not the apply.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

const ROOT = join(__dirname, '..', '..');
const QUICKSTART = readFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), 'utf8');

function specFor(kind: 'lab' | 'powershell', pwsh: string): string {
  return kind === 'lab'
    ? QUICKSTART
    : // Same line count as the lab spec, so that both plans point at the same spec lines.
      QUICKSTART.replace('  lab: ./lab                 # relative to the spec file', `  powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab }`);
}

/** Output with what legitimately differs between targets (the target line, folders, backup stamps) masked. */
function normalise(r: CliRun, dir: string): string {
  return r.stdout
    .split(dir).join('<DIR>')
    .replace(/^Target: .*$/m, 'Target: <target>')
    .replace(/\d{8}T\d{9}Z(-\d+)?/g, '<stamp>');
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r.replace(/\d{8}T\d{9}Z(-\d+)?/, '<stamp>'));
      else if (!/(events|calls)\.jsonl$|\.lock$|journal/.test(e.name)) {
        // Each lab init names its EvoSts auth server, connector and relationship with a new GUID, as Exchange and the HCW do.
        out[r] = readFileSync(join(d, e.name), 'utf8').replace(/(EvoSts|HybridIOC|On-premises to O365) - [0-9a-f-]{36}/g, '$1 - <guid>').replace(/"Not(Before|After)": "[^"]+"/g, '"Not$1": "<time>"');
      }
    }
  };
  walk(dir, '');
  return out;
}

function events(dir: string): unknown[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map(({ time: _t, backup, ...rest }) => ({ ...rest, ...(backup ? { backup: String(backup).replace(/\d{8}T\d{9}Z(-\d+)?/, '<stamp>') } : {}) }));
}

describe('plan / apply / plan through pwsh matches the lab target', () => {
  const pwsh = requirePwsh();
  const dirs: Record<'lab' | 'powershell', string> = { lab: '', powershell: '' };
  const runs: Record<'lab' | 'powershell', CliRun[]> = { lab: [], powershell: [] };

  beforeAll(async () => {
    for (const kind of ['lab', 'powershell'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `hybridcfg-rt-${kind}-`));
      dirs[kind] = dir;
      writeFileSync(join(dir, 'hybridcfg.yaml'), specFor(kind, pwsh));
      expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
      for (const argv of [['plan', '--detailed-exitcode'], ['apply', '--yes'], ['plan', '--detailed-exitcode']]) {
        runs[kind].push(await runCli(argv, { cwd: dir }));
      }
    }
  }, 180_000);
  afterAll(() => {
    for (const d of Object.values(dirs)) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('gives exit codes 2, 0, 0 on both targets', () => {
    for (const kind of ['lab', 'powershell'] as const) {
      expect(runs[kind].map((r) => [r.code, r.stderr.includes('Error')])).toEqual([
        [2, false],
        [0, false],
        [0, false],
      ]);
    }
  });

  it('prints the same plans and the same apply report', () => {
    for (let i = 0; i < 3; i++) {
      expect(normalise(runs.powershell[i], dirs.powershell)).toBe(normalise(runs.lab[i], dirs.lab));
    }
    expect(runs.powershell[0].stdout).toContain('AppOnlyPermissions: (not set) -> 29 permissions');
  });

  it('leaves the same final state: organisation, web.config bytes, backups and originals', () => {
    expect(tree(join(dirs.powershell, 'lab'))).toEqual(tree(join(dirs.lab, 'lab')));
  });

  it('makes the same changes and the same restarts, in the same order', () => {
    expect(events(join(dirs.powershell, 'lab'))).toEqual(events(join(dirs.lab, 'lab')));
  });

  it('reads each server in exactly one PowerShell round trip', () => {
    const calls = readFileSync(join(dirs.powershell, 'lab', 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Three runs (plan, apply, plan): each reads the organisation once and each server once.
    expect(calls.filter((c) => c.call === 'readOrganization')).toHaveLength(3);
    for (const s of ['EX01', 'EX02']) expect(calls.filter((c) => c.call === 'readServer' && c.server === s)).toHaveLength(3);
  });
});

describe('a build whose Set-PartnerApplication has no -AppOnlyPermissions', () => {
  it('fails the plan through pwsh with the ways out, and changes nothing', async () => {
    const pwsh = requirePwsh();
    const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-noparam-'));
    try {
      writeFileSync(join(dir, 'hybridcfg.yaml'), specFor('powershell', pwsh));
      // The default lab is Exchange 2019 as documented: the cmdlet has the parameter, no role entry exposes it.
      expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
      const before = tree(join(dir, 'lab'));
      const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('Set-PartnerApplication does not expose -AppOnlyPermissions here');
      expect(plan.stderr).toMatch(/hybridcfg\.yaml:12:5/);
      expect(plan.stderr).toContain('Get-ManagementRoleEntry');
      const apply = await runCli(['apply', '--yes'], { cwd: dir });
      expect(apply.code).toBe(1);
      expect(tree(join(dir, 'lab'))).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the Exchange snap-in loaded directly (exchange: snap-in), on the documented 2019 organisation', () => {
  it('bypasses RBAC, so -AppOnlyPermissions is there; the plan says so as a warning and plans the change', async () => {
    const pwsh = requirePwsh();
    const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-snapin-'));
    try {
      writeFileSync(
        join(dir, 'hybridcfg.yaml'),
        QUICKSTART.replace('  lab: ./lab                 # relative to the spec file', `  powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab, exchange: snap-in }`),
      );
      expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
      const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
      expect(plan.stdout).toContain('Warning: The Exchange snap-in is loaded directly in this session: RBAC does not apply.');
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain('AppOnlyPermissions: (not set) -> 29 permissions');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
