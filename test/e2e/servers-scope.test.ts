/**
 * `--servers A,B` (issue 14), through the CLI on a three-server lab: a run scoped to some servers reads,
 * changes and restarts only those, says which it left out, and refuses organisation-wide changes.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '../helpers/cli';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'specs', 'graph-app-only-lab.yaml');
const REST = 'FrontEnd/HttpProxy/rest/web.config';

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('calls.jsonl')) out.set(relative(dir, p), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

/** The files whose bytes differ (or that appeared or went) between two snapshots. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

function events(dir: string): Array<Record<string, unknown>> {
  const file = join(dir, 'lab', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('--servers scopes plan and apply', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hybridcfg-servers-'));
    copyFileSync(EXAMPLE, join(dir, 'hybridcfg.yaml'));
    // The same spec without the organisation-wide part: web.config files only.
    const example = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(join(dir, 'files.yaml'), example.replace(/partnerApplications:[\s\S]*?(?=webConfigs:)/, ''));
    const init = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02,EX03', '--app-only-exposed'], { cwd: dir });
    expect(init.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a scoped plan with organisation-wide changes, naming them, changing nothing', async () => {
    const before = snapshot(dir);
    for (const command of ['plan', 'apply']) {
      const r = await runCli([command, 'hybridcfg.yaml', '--servers', 'EX02', '--yes'].filter((a) => command === 'apply' || a !== '--yes'), { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('partnerApplication["00000003-0000-0000-c000-000000000000"]');
      expect(r.stderr).toContain('without --servers');
    }
    expect(changed(before, snapshot(dir))).toEqual([]);
  });

  it('answers a misspelt server with did-you-mean and the servers in scope', async () => {
    const r = await runCli(['plan', 'files.yaml', '--servers', 'EX2'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--servers names "EX2"');
    expect(r.stderr).toContain('Did you mean "EX02"?');
    expect(r.stderr).toContain('EX01, EX02, EX03');
    const empty = await runCli(['plan', 'files.yaml', '--servers', ','], { cwd: dir });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('--servers needs server names');
  });

  it('plans only EX02 and says what it left out', async () => {
    const before = snapshot(dir);
    const r = await runCli(['plan', 'files.yaml', '--servers', 'EX02', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`server["EX02"].webConfig["${REST}"]`);
    expect(r.stdout).not.toContain('server["EX01"]');
    expect(r.stdout).not.toContain('server["EX03"]');
    expect(r.stdout).toContain('EX01, EX03 are left out of this run');
    expect(r.stdout).toContain('Organisation-wide resources are not changed by a --servers run');
    expect(changed(before, snapshot(dir))).toEqual([]);
    const json = JSON.parse((await runCli(['plan', 'files.yaml', '--servers', 'EX02', '--json'], { cwd: dir })).stdout);
    expect(json.servers).toEqual(['EX02']);
    expect(json.warnings.map((w: { code: string }) => w.code)).toContain('plan.servers-scoped');
  });

  it('applies to EX02 only (names are case-insensitive): only its files change, only it restarts', async () => {
    const before = snapshot(dir);
    const r = await runCli(['apply', 'files.yaml', '--servers', 'ex02', '--yes'], { cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('EX01, EX03 are left out of this run');
    const files = changed(before, snapshot(dir)).filter((f) => f !== join('lab', 'events.jsonl') && !f.startsWith(join('lab', 'hybridcfg') + '/'));
    expect(files.length).toBeGreaterThan(0);
    // The web.config and its backup and original on EX02; nothing on EX01 or EX03 (the run's journal
    // under lab/hybridcfg/ and the lab's audit trail are the organisation's bookkeeping).
    expect(files.filter((f) => !f.startsWith(join('lab', 'servers', 'EX02')))).toEqual([]);
    expect(files).toContain(join('lab', 'servers', 'EX02', REST));
    expect(events(dir).map((e) => `${e.action}:${e.server ?? ''}`)).toEqual(['write-file:EX02', 'iisreset:EX02']);

    const rest = await runCli(['plan', 'files.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(rest.stdout).changes.map((c: { server?: string }) => c.server)).toEqual(['EX01', 'EX03']);
  });

  it('a plan saved with --servers is applied with its selection', async () => {
    const saved = await runCli(['plan', 'files.yaml', '--servers', 'EX03', '--out', 'plan.json'], { cwd: dir });
    expect(saved.code).toBe(0);
    const refused = await runCli(['apply', 'plan.json', '--servers', 'EX01', '--yes'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--servers cannot be given with a saved plan');
    const count = events(dir).length;
    const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    expect(events(dir).slice(count).map((e) => `${e.action}:${e.server ?? ''}`)).toEqual(['write-file:EX03', 'iisreset:EX03']);
  });

  it('rollback --servers restores only the servers named', async () => {
    const count = events(dir).length;
    const r = await runCli(['rollback', 'files.yaml', '--servers', 'EX03', '--yes'], { cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    expect(events(dir).slice(count).map((e) => `${e.action}:${e.server ?? ''}`)).toEqual(['write-file:EX03', 'iisreset:EX03']);
  });
});
