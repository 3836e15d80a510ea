/**
 * -v/--verbose and --log-file FILE (issue 14): every message of a run as a JSON line, with a transcript
 * of each PowerShell call for the PowerShell target, and no secret in it (the verify client secret from
 * the environment included). The file is appended to, and a symbolic link is refused.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'specs', 'graph-app-only-lab.yaml');
const SECRET = 'Zq8~not-a-real-secret-but-secret-enough';
const ENV = { HYBRIDCFG_CLIENT_SECRET: SECRET };

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function newLab(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-log-'));
  copyFileSync(EXAMPLE, join(dir, 'hybridcfg.yaml'));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
  return dir;
}

describe('--log-file on the lab', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await newLab();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON line per message (time, level, code, message, data) and appends', async () => {
    const plan = await runCli(['plan', '--log-file', 'run.jsonl'], { cwd: dir, env: ENV });
    expect(plan.code).toBe(0);
    const first = lines(join(dir, 'run.jsonl'));
    expect(first.length).toBeGreaterThan(2);
    for (const l of first) {
      expect(Object.keys(l)).toEqual(['time', 'level', 'code', 'message', 'data']);
      expect(Number.isNaN(Date.parse(String(l.time)))).toBe(false);
      expect(String(l.code)).toMatch(/^HC_[IWE]\d{4}$/);
    }
    // Servers are read side by side: either may finish first. Each read is one line, its duration in data.
    const reads = first.filter((l) => /^\[[12]\/2\] EX0[12] read \d+ ms$/.test(String(l.message)));
    expect(reads.map((l) => String(l.message).replace(/^\[\d\/2\] (EX0\d) read (\d+) ms$/, '$1')).sort()).toEqual(['EX01', 'EX02']);
    for (const l of reads) expect(String(l.message)).toContain(`read ${(l.data as { ms: number }).ms} ms`);
    const apply = await runCli(['apply', '--yes', '--log-file=run.jsonl'], { cwd: dir, env: ENV });
    expect(apply.code).toBe(0);
    const all = lines(join(dir, 'run.jsonl'));
    expect(all.slice(0, first.length)).toEqual(first);
    expect(all.map((l) => l.code)).toEqual(expect.arrayContaining(['HC_I2002', 'HC_I2003', 'HC_I2005']));
    expect(readFileSync(join(dir, 'run.jsonl'), 'utf8')).not.toContain(SECRET);
  });

  it('refuses a log file that is a symbolic link, writing nothing through it', async () => {
    writeFileSync(join(dir, 'elsewhere.txt'), 'keep\n');
    symlinkSync(join(dir, 'elsewhere.txt'), join(dir, 'link.jsonl'));
    const r = await runCli(['plan', '--log-file', 'link.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it is a symbolic link');
    expect(readFileSync(join(dir, 'elsewhere.txt'), 'utf8')).toBe('keep\n');
  });

  it('-v shows the debug messages on stderr, and nothing of them on stdout', async () => {
    const r = await runCli(['plan', '-v', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/organisation read in \d+ ms/);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});

describe('--log-file ends with the errors that ended the run, and its exit code', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await newLab();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The run's error lines (HC_E5001) as code and message, and its last line. */
  function ending(file: string) {
    const all = lines(file);
    const errors = all.filter((l) => l.code === 'HC_E5001').map((l) => ({ level: l.level, code: (l.data as { diagnostic: { code: string } }).diagnostic.code, message: l.message }));
    return { errors, last: all[all.length - 1] };
  }

  it('a spec with a schema error: the error, its place, and exit code 1; a secret in the bad value is redacted', async () => {
    // The bad value is the client secret's: the error quotes it on stderr, never in the log.
    writeFileSync(join(dir, 'bad.yaml'), `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget: { lab: ./lab }\nservers: all\nrestart: { mode: ${SECRET} }\n`);
    const r = await runCli(['plan', 'bad.yaml', '--log-file', 'bad.jsonl'], { cwd: dir, env: { ...ENV, PWD: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(SECRET);
    const file = join(dir, 'bad.jsonl');
    const { errors, last } = ending(file);
    expect(errors).toEqual([{ level: 'error', code: 'spec.wrong-value', message: '`restart.mode` must be one of `iisreset`, `appPools`, `none`, not the text `[redacted]`' }]);
    const d = lines(file).find((l) => l.code === 'HC_E5001')!.data as { diagnostic: { source: { file: string; line: number } } };
    // The shell's folder (PWD) is not a secret: the place stays readable.
    expect(d.diagnostic.source).toMatchObject({ file: join(dir, 'bad.yaml'), line: 5 });
    expect(last).toMatchObject({ level: 'info', code: 'HC_I5002', data: { command: 'plan', exitCode: 1 } });
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });

  it('an unreachable server: the target error and exit code 1', async () => {
    expect((await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--set', 'unreachable=true'], { cwd: dir })).code).toBe(0);
    const r = await runCli(['plan', '--log-file', 'down.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    const { errors, last } = ending(join(dir, 'down.jsonl'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.code).toMatch(/^target\./);
    expect(errors[0]!.message).toContain('EX02');
    expect(r.stderr).toContain(errors[0]!.message);
    expect(last).toMatchObject({ code: 'HC_I5002', data: { command: 'plan', exitCode: 1 } });
  });

  it('an apply that fails on a lab fault (a restart that fails): the apply error, then exit code 1, after the progress lines', async () => {
    expect((await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--set', 'restart=fail'], { cwd: dir })).code).toBe(0);
    const r = await runCli(['apply', '--yes', '--log-file', 'apply.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    const file = join(dir, 'apply.jsonl');
    const { errors, last } = ending(file);
    expect(errors).toEqual([{ level: 'error', code: 'target.restart-failed', message: 'Restart of EX02 (EX02.contoso.lab) failed: iisreset /noforce did not complete' }]);
    const codes = lines(file).map((l) => l.code);
    // The step that failed is logged where it happened, the run's end after everything else.
    expect(codes.indexOf('HC_E2006')).toBeLessThan(codes.indexOf('HC_E5001'));
    expect(codes.slice(-2)).toEqual(['HC_E5001', 'HC_I5002']);
    expect(last).toMatchObject({ code: 'HC_I5002', data: { command: 'apply', exitCode: 1 } });
  });

  it('a run that does not fail ends with its own exit code (plan --detailed-exitcode: 2) and no error line', async () => {
    const r = await runCli(['plan', '--detailed-exitcode', '--log-file', 'ok.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    const { errors, last } = ending(join(dir, 'ok.jsonl'));
    expect(errors).toEqual([]);
    expect(last).toMatchObject({ code: 'HC_I5002', data: { command: 'plan', exitCode: 2 } });
  });

  it('an unexpected exception: internal.bug with its message, secrets redacted, and exit code 1', async () => {
    const session = require('../../src/session/session') as typeof import('../../src/session/session');
    const boom = jest.spyOn(session, 'withSession').mockRejectedValue(new TypeError(`cannot read properties of undefined (near ${SECRET})`));
    let r;
    try {
      r = await runCli(['plan', '--log-file', 'bug.jsonl'], { cwd: dir, env: ENV });
    } finally {
      boom.mockRestore();
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hybridcfg failed unexpectedly');
    const file = join(dir, 'bug.jsonl');
    const { errors, last } = ending(file);
    expect(errors).toEqual([{ level: 'error', code: 'internal.bug', message: 'hybridcfg failed unexpectedly: cannot read properties of undefined (near [redacted])' }]);
    expect(last).toMatchObject({ code: 'HC_I5002', data: { exitCode: 1 } });
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });
});

describe('--log-file through pwsh (lab mode)', () => {
  const pwsh = requirePwsh();
  let dir: string;
  beforeAll(async () => {
    dir = await newLab();
    const spec = readFileSync(EXAMPLE, 'utf8').replace('  lab: ./lab                 # relative to the spec file', `  powershell: { shell: ${JSON.stringify(pwsh)}, lab: ./lab }`);
    writeFileSync(join(dir, 'hybridcfg.yaml'), spec);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records every PowerShell call (script, server, duration, result) and never a secret or a value', async () => {
    const r = await runCli(['plan', '--log-file', 'ps.jsonl'], { cwd: dir, env: ENV });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const file = join(dir, 'ps.jsonl');
    expect(existsSync(file)).toBe(true);
    const calls = lines(file).filter((l) => l.code === 'HC_I4001');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const c of calls) {
      const d = c.data as Record<string, unknown>;
      expect(typeof d.script).toBe('string');
      expect(typeof d.ms).toBe('number');
      expect(d.ok).toBe(true);
      expect(Object.keys(d).every((k) => ['script', 'call', 'server', 'servers', 'shellStarted', 'ms', 'ok', 'code'].includes(k))).toBe(true);
    }
    // The servers' reads are one fan-out call, which names every server it ran on.
    expect(calls.flatMap((c) => (c.data as { servers?: string[] }).servers ?? [])).toEqual(expect.arrayContaining(['EX01', 'EX02']));
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    // No data values: not the web.config's profiles, not the partner application's permissions.
    expect(text).not.toContain('CallbackV2');
    expect(text).not.toContain('EWS.AccessAsUser.All');
  }, 120_000);
});
