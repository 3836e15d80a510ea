/**
 * The README's quick start, end to end through the CLI, on a two-server lab: what a user runs, what
 * they see, and what changed on disk.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'specs', 'graph-app-only-lab.yaml');
const REST = 'FrontEnd/HttpProxy/rest/web.config';

function events(dir: string): Array<Record<string, unknown>> {
  const file = join(dir, 'lab', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('calls.jsonl')) out.set(p, readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

describe('quick start on a two-server lab', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hybridcfg-e2e-'));
    copyFileSync(EXAMPLE, join(dir, 'hybridcfg.yaml'));
    const init = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir });
    expect(init.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates the spec', async () => {
    const r = await runCli(['validate', 'hybridcfg.yaml'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('plans the changes (exit 2) without changing anything', async () => {
    const before = snapshot(dir);
    const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('partnerApplication["00000003-0000-0000-c000-000000000000"] (Microsoft Graph)');
    expect(r.stdout).toContain('AppOnlyPermissions: (not set) -> 29 permissions');
    expect(r.stdout).toContain(`server["EX01"].webConfig["${REST}"]`);
    expect(r.stdout).toContain(`server["EX02"].webConfig["${REST}"]`);
    expect(r.stdout).toContain('+V1S2SAppOnly');
    expect(r.stdout).toContain('EX01: iisreset /noforce');
    expect(r.stdout).toContain('every on-premises mailbox');
    expect(r.stdout).toMatch(/Plan: 3 changes .* 2 restarts\./);
    expect(snapshot(dir)).toEqual(before);
  });

  it('plan --json has a versioned shape with addresses and actions', async () => {
    const r = await runCli(['plan', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.formatVersion).toBe(2);
    expect(plan.changes.map((c: { kind: string; action: string }) => [c.kind, c.action])).toEqual([
      ['partnerApplication', 'update'],
      ['webConfig', 'update'],
      ['webConfig', 'update'],
    ]);
    expect(plan.changes.every((c: { address?: string }) => typeof c.address === 'string')).toBe(true);
    // A plan carries what apply checks and redoes, never a copy of a file (web.configs can hold secrets).
    expect(r.stdout).not.toMatch(/base64|<configuration/i);
    expect(plan.assumptions.map((a: { id: string }) => a.id)).toContain('partner-application-cache');
  });

  it('refuses to apply without --yes when there is no terminal, changing nothing', async () => {
    const before = snapshot(dir);
    const r = await runCli(['apply'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--yes');
    expect(snapshot(dir)).toEqual(before);
  });

  it('applies: Graph gets app-only permissions, each server its profile and one iisreset', async () => {
    const originalRest = readFileSync(join(dir, 'lab', 'servers', 'EX01', REST));
    const r = await runCli(['apply', 'hybridcfg.yaml', '--yes'], { cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete.');

    const org = JSON.parse(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8'));
    const graph = org.partnerApplications.find((a: { ApplicationIdentifier: string }) => a.ApplicationIdentifier === '00000003-0000-0000-c000-000000000000');
    expect(graph.AppOnlyPermissions).toEqual(graph.ActAsPermissions);
    expect(graph.AppOnlyPermissions).toHaveLength(29);

    const after = readFileSync(join(dir, 'lab', 'servers', 'EX01', REST));
    const insert = Buffer.from('|V1S2SAppOnly');
    const at = originalRest.indexOf(Buffer.from('|CallbackV2"')) + '|CallbackV2'.length;
    // Every byte outside the value is the same: BOM, CRLF and the rest.
    expect(after).toEqual(Buffer.concat([originalRest.subarray(0, at), insert, originalRest.subarray(at)]));
    expect(after.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const ev = events(dir);
    expect(ev.filter((e) => e.action === 'set-partnerapplication')).toHaveLength(1);
    expect(ev.filter((e) => e.action === 'write-file').map((e) => e.server)).toEqual(['EX01', 'EX02']);
    expect(ev.filter((e) => e.action === 'iisreset').map((e) => e.server)).toEqual(['EX01', 'EX02']);
    // Safe order: the partner application first, then each server's file before its restart.
    expect(ev.map((e) => `${e.action}:${e.server ?? ''}`)).toEqual([
      'set-partnerapplication:',
      'write-file:EX01',
      'iisreset:EX01',
      'write-file:EX02',
      'iisreset:EX02',
    ]);
  });

  it('then plans nothing (exit 0), and applying again changes and restarts nothing', async () => {
    const plan = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    const count = events(dir).length;
    const again = await runCli(['apply', '--yes'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(events(dir)).toHaveLength(count);
  });

  it('exports a spec that plans to nothing against the same lab', async () => {
    const r = await runCli(['export', 'hybridcfg.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('V1S2SAppOnly');
    writeFileSync(join(dir, 'live.yaml'), r.stdout);
    const plan = await runCli(['plan', 'live.yaml', '--detailed-exitcode'], { cwd: dir });
    expect(plan.stderr).not.toContain('Error');
    expect(plan.code).toBe(0);
  });
});

describe('saved plans', () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hybridcfg-e2e-'));
    copyFileSync(EXAMPLE, join(dir, 'hybridcfg.yaml'));
    expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('apply FILE applies exactly the saved plan', async () => {
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd: dir })).code).toBe(0);
    const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(0);
  });

  it('apply FILE refuses a stale plan and changes nothing', async () => {
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd: dir })).code).toBe(0);
    // Someone edits the file on the server after the plan was made.
    const file = join(dir, 'lab', 'servers', 'EX01', REST);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('\r\n')]));
    const before = snapshot(dir);
    const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stale');
    expect(r.stderr).toContain('Nothing was changed');
    expect(snapshot(dir)).toEqual(before);
  });
});
