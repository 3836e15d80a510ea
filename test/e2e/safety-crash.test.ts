/**
 * An apply killed with SIGKILL at any moment: every web.config is byte-equal to its old or its new
 * version, no temp file is left in a folder IIS reads, the next run says the previous one was
 * interrupted, and plan -> force-unlock -> apply -> plan converges. Runs the built CLI as a user would.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { seedSpec } from '../helpers/seed-spec';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SERVERS = ['EX01', 'EX02', 'EX03'];
const FILES = ['FrontEnd/HttpProxy/rest/web.config', 'FrontEnd/HttpProxy/ews/web.config'];

const SPEC = seedSpec({ webConfigs: `  - file: ${FILES[1]}\n    appSettings:\n      Hybridcfg.Marker: changed\n` });

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
let template: string;
const oldBytes = new Map<string, Buffer>();
const newBytes = new Map<string, Buffer>();

beforeAll(() => {
  // The build may report type errors in files other engineers are still editing; it emits all the same.
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    /* checked just below */
  }
  expect(existsSync(CLI)).toBe(true);
  work = mkdtempSync(join(tmpdir(), 'hybridcfg-crash-'));
  template = join(work, 'template');
  require('node:fs').mkdirSync(template);
  writeFileSync(join(template, 'hybridcfg.yaml'), SPEC);
  expect(cli(template, 'lab', 'init', './lab', '--servers', SERVERS.join(','), '--app-only-exposed').code).toBe(0);
  for (const s of SERVERS) for (const f of FILES) oldBytes.set(`${s}/${f}`, readFileSync(join(template, 'lab', 'servers', s, f)));
  // The new version of every file, from an uninterrupted apply on a copy.
  const reference = join(work, 'reference');
  cpSync(template, reference, { recursive: true });
  expect(cli(reference, 'apply', '--yes').code).toBe(0);
  for (const s of SERVERS) for (const f of FILES) newBytes.set(`${s}/${f}`, readFileSync(join(reference, 'lab', 'servers', s, f)));
  // Slow servers, so that a kill lands in the middle of the run.
  const org = JSON.parse(readFileSync(join(template, 'lab', 'organization.json'), 'utf8'));
  for (const s of org.servers) s.faults = { latencyMs: 120 };
  writeFileSync(join(template, 'lab', 'organization.json'), JSON.stringify(org, null, 2) + '\n');
}, 120000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Start apply, send it `signal` when stderr shows `marker` (then wait `afterMs`), or after `afterMs` alone. */
function applyKilled(cwd: string, marker: string | undefined, afterMs: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<string> {
  return applySignalled(cwd, marker, afterMs, signal).then((r) => r.stderr);
}
function applySignalled(cwd: string, marker: string | undefined, afterMs: number, signal: NodeJS.Signals): Promise<{ stderr: string; stdout: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'apply', '--yes'], { cwd });
    let stderr = '';
    let stdout = '';
    let armed = false;
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(() => child.kill(signal), afterMs);
    };
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (marker !== undefined && stderr.includes(marker)) arm();
    });
    if (marker === undefined) arm();
    child.on('exit', (code) => resolve({ stderr, stdout, code }));
  });
}

function tempFilesWhereIisReads(labDir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'hybridcfg') walk(p);
      } else if (e.name.endsWith('.tmp')) found.push(relative(labDir, p));
    }
  };
  for (const s of SERVERS) walk(join(labDir, 'servers', s));
  return found;
}

const MOMENTS: ReadonlyArray<readonly [string, string | undefined, number]> = [
  ['while reading the servers', undefined, 200],
  ['right after the partner application', 'Set-PartnerApplication', 0],
  ['while EX01 restarts', 'EX01: iisreset /noforce ...', 30],
  ['after EX01 is done', 'EX01: iisreset /noforce done', 60],
  ['while EX02 writes', 'EX02: iisreset', 0],
  ['late in the run', undefined, 1100],
];

/**
 * The signal tests need the read under way when the signal lands, after the lock is taken: "Reading the
 * live state" is said then, and the servers' 120 ms of latency keep the read going 40 ms later. (A fixed
 * 200 ms from the start landed before the lock on a fast machine, and nothing at all was recorded.)
 */
const SIGNAL_MOMENTS: typeof MOMENTS = [['while reading the servers', 'Reading the live state', 40], ...MOMENTS.slice(1)];

test.each(MOMENTS)('killed %s: files whole, no temp files, the next run converges', async (_name, marker, afterMs) => {
  const dir = join(work, `run-${Math.random().toString(36).slice(2)}`);
  cpSync(template, dir, { recursive: true });
  const progress = await applyKilled(dir, marker, afterMs);
  if (marker !== undefined) expect(progress).toContain(marker);

  for (const s of SERVERS) {
    for (const f of FILES) {
      const now = readFileSync(join(dir, 'lab', 'servers', s, f));
      const whole = now.equals(oldBytes.get(`${s}/${f}`)!) || now.equals(newBytes.get(`${s}/${f}`)!);
      expect({ file: `${s}/${f}`, whole }).toEqual({ file: `${s}/${f}`, whole: true });
    }
  }
  expect(tempFilesWhereIisReads(join(dir, 'lab'))).toEqual([]);

  const plan = cli(dir, 'plan');
  expect(plan.code).toBe(0);
  const lockLeft = existsSync(join(dir, 'lab', 'hybridcfg', 'lock.json'));
  // The journal tells an interrupted run (a start line without its end) from one that finished before the kill.
  const journal = join(dir, 'lab', 'hybridcfg', 'journal.jsonl');
  const lines = existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  // The last run started and did not end (its own lines, 'wrote' ones, may follow its start).
  const lastStart = [...lines].reverse().find((l) => l.event === 'start');
  const unfinished = lastStart !== undefined && !lines.some((l) => l.event === 'end' && l.runId === lastStart.runId);
  if (marker !== undefined) expect(unfinished).toBe(true);
  expect(plan.stdout.includes('The previous run was interrupted')).toBe(unfinished);
  if (lockLeft) {
    const blocked = cli(dir, 'apply', '--yes');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('That process is gone');
    expect(cli(dir, 'force-unlock', '--yes').code).toBe(0);
  }
  // What the killed run owes (changes not made, restarts not observed) is pending: exit 2, never 0.
  if (unfinished) expect(cli(dir, 'plan', '--detailed-exitcode').code).toBe(2);
  const apply = cli(dir, 'apply', '--yes');
  expect(apply.stderr).not.toContain('Error');
  expect(apply.code).toBe(0);
  expect(cli(dir, 'plan', '--detailed-exitcode').code).toBe(0);
  for (const s of SERVERS) for (const f of FILES) expect(readFileSync(join(dir, 'lab', 'servers', s, f)).equals(newBytes.get(`${s}/${f}`)!)).toBe(true);
});

/** Restart events per server in the lab. */
const restartsIn = (dir: string) => {
  const file = join(dir, 'lab', 'events.jsonl');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return lines.filter((e) => e.action === 'iisreset').map((e) => e.server as string);
};

describe.each(['SIGINT', 'SIGTERM'] as const)('%s at each step', (signal) => {
  const rows: string[] = [];
  afterAll(() => process.stdout.write(`${signal} table:\n${rows.join('\n')}\n`));
  test.each(SIGNAL_MOMENTS)(`${signal} %s: the step finishes, the lock is released, what is owed is recorded and planned until paid`, async (name, marker, afterMs) => {
    const dir = join(work, `sig-${Math.random().toString(36).slice(2)}`);
    cpSync(template, dir, { recursive: true });
    const r = await applySignalled(dir, marker, afterMs, signal);
    for (const s of SERVERS) for (const f of FILES) {
      const now = readFileSync(join(dir, 'lab', 'servers', s, f));
      expect(now.equals(oldBytes.get(`${s}/${f}`)!) || now.equals(newBytes.get(`${s}/${f}`)!)).toBe(true);
    }
    expect(tempFilesWhereIisReads(join(dir, 'lab'))).toEqual([]);
    // The run released its lock and ended its journal: the next run is not blocked.
    expect(existsSync(join(dir, 'lab', 'hybridcfg', 'lock.json'))).toBe(false);
    const journal = readFileSync(join(dir, 'lab', 'hybridcfg', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ended = journal.filter((l) => l.event === 'end');
    const completed = r.code === 0;
    if (!completed) {
      expect(r.code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(r.stderr).toMatch(/stopped \(SIG/);
      // What was and was not done is printed.
      expect(r.stdout).toMatch(/Apply FAILED/);
    }
    const written = SERVERS.filter((s) => readFileSync(join(dir, 'lab', 'servers', s, FILES[0]!)).equals(newBytes.get(`${s}/${FILES[0]}`)!));
    const restarted = restartsIn(dir);
    const planned = cli(dir, 'plan', '--detailed-exitcode');
    expect(planned.code).toBe(completed ? 0 : 2);
    // A server written and not restarted is owed a restart, and the plan says by which run.
    for (const s of written.filter((x) => !restarted.includes(x))) expect(planned.stdout).toMatch(new RegExp(`${s}: iisreset[^\\n]*\\n\\s+because owed by the run`));
    rows.push(`${name}: exit ${r.code}, end line ${ended.length > 0 ? ended[ended.length - 1].status : 'none'}, written ${written.join(',') || '-'}, restarted ${restarted.join(',') || '-'}, owed ${(ended[ended.length - 1]?.owed ?? []).map((o: { server: string }) => o.server).join(',') || '-'}, plan exit ${planned.code}`);
    expect(cli(dir, 'apply', '--yes').code).toBe(0);
    expect(cli(dir, 'plan', '--detailed-exitcode').code).toBe(0);
    for (const s of SERVERS) expect(restartsIn(dir)).toContain(s);
  });
});
