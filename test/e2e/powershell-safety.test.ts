/**
 * Safety through the CLI with the PowerShell target (real pwsh, the fake Exchange module) on a
 * three-server lab, next to the built-in lab target on an identical lab: a rolling restart whose health
 * check fails on EX02 with `onFailure: rollback`, and a server that cannot take backups, give the same
 * report, the same events, the same journal and the same final state on both targets.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';
import { seedSpec } from '../helpers/seed-spec';

const STAMP = /\d{8}T\d{9}Z(-\d+)?/g;

type Kind = 'lab' | 'powershell';

function spec(kind: Kind, pwsh: string): string {
  return seedSpec({
    target: `  ${kind === 'lab' ? 'lab: ./lab' : `powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab }`}`,
    restart: '  mode: iisreset\n  rolling:\n    maxUnavailable: 1\n    healthCheck:\n      paths: [/owa/healthcheck.htm, /ews/healthcheck.htm]\n      timeoutSeconds: 300\n  onFailure: rollback\n',
  });
}

const jsonl = (file: string): Record<string, unknown>[] =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];

/** Every file of the lab, by relative path (stamps masked), but the logs, which are compared on their own. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = (rel ? `${rel}/${e.name}` : e.name).replace(STAMP, '<stamp>');
      if (e.isDirectory()) walk(join(d, e.name), r);
      else if (!/^(events|calls)\.jsonl$|^hybridcfg\/journal\.jsonl$/.test(r)) {
        // Each lab init names its EvoSts auth server with a new GUID, as Exchange does.
        out[r] = readFileSync(join(d, e.name), 'utf8').replace(/(EvoSts|HybridIOC|On-premises to O365) - [0-9a-f-]{36}/g, '$1 - <guid>').replace(/"Not(Before|After)": "[^"]+"/g, '"Not$1": "<time>"');
      }
    }
  };
  walk(dir, '');
  return out;
}

const events = (lab: string) =>
  jsonl(join(lab, 'events.jsonl')).map(({ time: _t, ...e }) => (typeof e.backup === 'string' ? { ...e, backup: e.backup.replace(STAMP, '<stamp>') } : e));

/** The journal with what differs between two runs (time, run id, start time) masked. */
const journal = (lab: string) =>
  jsonl(join(lab, 'hybridcfg', 'journal.jsonl')).map(({ time, runId, holder, ...e }) => {
    expect(typeof time).toBe('string');
    expect(typeof runId).toBe('string');
    return holder ? { ...e, holder: { ...(holder as object), runId: '<run>', startedAt: '<time>' } } : e;
  });

const normalise = (text: string, dir: string) => text.split(dir).join('<DIR>').replace(/^Target: .*$/m, 'Target: <target>').replace(STAMP, '<stamp>');

describe('safety through the CLI: the PowerShell target does what the lab target does', () => {
  const pwsh = requirePwsh();
  const dirs: Partial<Record<Kind, string>> = {};
  afterEach(() => {
    for (const d of Object.values(dirs)) if (d) rmSync(d, { recursive: true, force: true });
  });

  /** Same lab, same faults, same command on both targets. */
  async function both(servers: string, faults: Record<string, Record<string, unknown>>, argv: string[]): Promise<Record<Kind, CliRun>> {
    const runs: Partial<Record<Kind, CliRun>> = {};
    for (const kind of ['lab', 'powershell'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `hybridcfg-pssafety-${kind}-`));
      dirs[kind] = dir;
      writeFileSync(join(dir, 'hybridcfg.yaml'), spec(kind, pwsh));
      expect((await runCli(['lab', 'init', './lab', '--servers', servers, '--app-only-exposed'], { cwd: dir })).code).toBe(0);
      const orgFile = join(dir, 'lab', 'organization.json');
      const org = JSON.parse(readFileSync(orgFile, 'utf8'));
      for (const s of org.servers) if (faults[s.Name]) s.faults = faults[s.Name];
      writeFileSync(orgFile, JSON.stringify(org, null, 2) + '\n');
      runs[kind] = await runCli(argv, { cwd: dir });
    }
    return runs as Record<Kind, CliRun>;
  }
  const lab = (kind: Kind) => join(dirs[kind]!, 'lab');

  test('a failed health check on EX02 with onFailure: rollback: same report, events, journal and final state', async () => {
    const runs = await both('EX01,EX02,EX03', { EX02: { healthCheck: 'fail' } }, ['apply', '--yes']);
    for (const kind of ['lab', 'powershell'] as const) {
      const r = runs[kind];
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('EX02 failed its health check');
      expect(r.stderr).toContain('https://EX02.contoso.lab/owa/healthcheck.htm did not answer 200 OK');
      expect(r.stdout).toMatch(/EX02: FAILED.*RESTORED FrontEnd\/HttpProxy\/rest\/web.config byte for byte/);
      expect(r.stdout).toContain('EX03: not touched');
    }
    expect(normalise(runs.powershell.stdout, dirs.powershell!)).toBe(normalise(runs.lab.stdout, dirs.lab!));
    expect(normalise(runs.powershell.stderr, dirs.powershell!)).toBe(normalise(runs.lab.stderr, dirs.lab!));
    expect(events(lab('powershell'))).toEqual(events(lab('lab')));
    // EX02 restarted once for the change and once after the restore; EX03 never touched.
    const ev = events(lab('powershell'));
    expect(ev.filter((e) => e.action === 'iisreset' && e.server === 'EX02')).toHaveLength(2);
    expect(ev.filter((e) => e.server === 'EX03')).toEqual([]);
    expect(journal(lab('powershell'))).toEqual(journal(lab('lab')));
    expect(journal(lab('powershell')).map((e) => [e.event, e.status])).toEqual([
      ['start', undefined],
      ['end', 'failed, rolled back'],
    ]);
    // Organisation, web.config bytes, backups, originals (partner applications included); the lock is gone.
    const final = tree(lab('powershell'));
    expect(final).toEqual(tree(lab('lab')));
    expect(Object.keys(final)).toContain('hybridcfg/original/partner-applications.json');
    expect(Object.keys(final)).not.toContain('hybridcfg/lock.json');
    const calls = jsonl(join(lab('powershell'), 'calls.jsonl'));
    expect(calls.filter((c) => c.call === 'acquireLock' || c.call === 'releaseLock' || c.call === 'appendJournal').map((c) => c.call)).toEqual([
      'acquireLock',
      'appendJournal',
      'appendJournal',
      'releaseLock',
    ]);
  }, 120_000);

  test('a server that cannot take backups stops the apply before any change; plan and apply say so alike', async () => {
    const runs = await both('EX01,EX02', { EX02: { backup: 'fail' } }, ['apply', '--yes']);
    for (const kind of ['lab', 'powershell'] as const) {
      expect(runs[kind].code).toBe(1);
      expect(runs[kind].stderr).toContain('EX02 cannot back up its web.config files, so nothing was changed anywhere');
      expect(runs[kind].stderr).toContain('lab fault backup=fail on EX02');
      expect(events(lab(kind))).toEqual([]);
      expect(existsSync(join(lab(kind), 'hybridcfg', 'original'))).toBe(false);
    }
    expect(normalise(runs.powershell.stderr, dirs.powershell!)).toBe(normalise(runs.lab.stderr, dirs.lab!));
    const plan = await runCli(['plan'], { cwd: dirs.powershell! });
    expect(plan.stdout).toContain('EX02 cannot back up');
  }, 120_000);
});
