/**
 * Issue 13 #6: raw file-system errors (EACCES, ENOSPC, EISDIR) during apply are diagnostics and go through
 * `onFailure: rollback`; a write that failed after it was made is read back and undone; a full audit disk
 * does not turn a successful apply into a failure; damaged lock, journal, originals and organisation files
 * give diagnostics, never the "bug" message; force-unlock breaks a damaged lock.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../helpers/cli';
import { GRAPH, REST, seedSpec } from '../helpers/seed-spec';

const spec = (onFailure: string) => seedSpec({ restart: `  mode: iisreset\n  onFailure: ${onFailure}\n` });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let dir: string;
const lab = (...p: string[]) => join(dir, 'lab', ...p);
const rest = (s: string) => readFileSync(lab('servers', s, ...REST.split('/')));
const graph = () => JSON.parse(readFileSync(lab('organization.json'), 'utf8')).partnerApplications.find((a: { ApplicationIdentifier: string }) => a.ApplicationIdentifier === GRAPH);

async function setup(onFailure = 'rollback'): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-damaged-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec(onFailure));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
}
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** fs.promises.rename of EX02's web.config fails with `code`, before (`before`) or after it happened. */
function renameFails(code: string, when: 'before' | 'after', times = Infinity): void {
  const real = fsp.rename.bind(fsp);
  let n = 0;
  jest.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
    if (String(to).endsWith(join('EX02', ...REST.split('/'))) && n++ < times) {
      if (when === 'after') await real(from, to);
      throw Object.assign(new Error(`${code}: simulated, rename '${String(from)}' -> '${String(to)}'`), { code, syscall: 'rename', path: String(from), dest: String(to) });
    }
    return real(from, to);
  });
}

describe('system errors during apply', () => {
  test.each(['EACCES', 'ENOSPC', 'EISDIR'])('%s on the second server: a diagnostic, onFailure: rollback puts back what was done', async (code) => {
    await setup();
    const before = { EX01: rest('EX01'), EX02: rest('EX02'), graph: graph() };
    renameFails(code, 'before');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    jest.restoreAllMocks();
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).not.toMatch(/unexpectedly/);
    expect(r.stderr + r.stdout).toContain(code);
    expect(rest('EX02')).toEqual(before.EX02);
    // Nothing was written on EX02, so nothing there is claimed restored; the partner application is.
    expect(r.stdout).not.toMatch(/EX02: FAILED.*RESTORED/);
    expect(graph()).toEqual(before.graph);
    expect(r.stdout).toMatch(/Rolled back:/);
  });

  test('a write that failed after it was made is read back, rolled back, and reported so', async () => {
    await setup();
    const before = rest('EX02');
    renameFails('EIO', 'after', 1);
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    jest.restoreAllMocks();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/EX02: FAILED.*RESTORED FrontEnd\/HttpProxy\/rest\/web.config/);
    expect(rest('EX02')).toEqual(before);
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(2);
  });

  test('a restore that failed after it was made is read back: reported restored, not "could NOT restore"', async () => {
    await setup();
    const before = rest('EX02');
    renameFails('EIO', 'after');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    jest.restoreAllMocks();
    expect(r.code).toBe(1);
    expect(rest('EX02')).toEqual(before);
    expect(r.stdout).toMatch(/EX02: restored FrontEnd\/HttpProxy\/rest\/web.config .*read back/);
    expect(r.stdout).not.toMatch(/EX02: could NOT restore/);
  });

  test('an audit log that cannot be written does not turn a successful apply into a failure', async () => {
    await setup();
    mkdirSync(join(dir, 'audit.jsonl'));
    const r = await runCli(['apply', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir });
    expect(r.stderr).toMatch(/Warning: .*audit/i);
    expect(r.stderr).not.toMatch(/unexpectedly/);
    expect(r.code).toBe(0);
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(0);
  });
});

const DAMAGE: [name: string, file: string, content: string | 'DIR'][] = [
  ['lock: not JSON', 'hybridcfg/lock.json', 'not json'],
  ['lock: empty', 'hybridcfg/lock.json', ''],
  ['lock: a list', 'hybridcfg/lock.json', '[]'],
  ['lock: wrong shape', 'hybridcfg/lock.json', '{"runId":5}'],
  ['lock: a folder', 'hybridcfg/lock.json', 'DIR'],
  ['journal: garbage', 'hybridcfg/journal.jsonl', 'garbage'],
  ['journal: a start without holder', 'hybridcfg/journal.jsonl', '{"event":"start","runId":"x"}\n'],
  ['journal: changes not a list', 'hybridcfg/journal.jsonl', '{"event":"start","runId":"x","holder":{"runId":"x","command":"apply","host":"h","user":"u","pid":1,"startedAt":"t"},"changes":5}\n'],
  ['journal: null', 'hybridcfg/journal.jsonl', 'null\n'],
  ['journal: a folder', 'hybridcfg/journal.jsonl', 'DIR'],
  ['partner application originals: garbage', 'hybridcfg/original/partner-applications.json', 'garbage'],
  ['partner application originals: null', 'hybridcfg/original/partner-applications.json', 'null'],
  ['partner application originals: wrong shape', 'hybridcfg/original/partner-applications.json', '{"x":5}'],
  ['partner application originals: a folder', 'hybridcfg/original/partner-applications.json', 'DIR'],
  ['web.config original: a folder', `servers/EX01/hybridcfg/original/${REST}`, 'DIR'],
  ['web.config original hash: garbage', `servers/EX01/hybridcfg/original/${REST}.sha256`, 'zz'],
  ['web.config: a folder', `servers/EX01/${REST}`, 'DIR'],
  ['organization.json: garbage', 'organization.json', 'garbage'],
  ['organization.json: empty object', 'organization.json', '{}'],
  ['organization.json: servers null', 'organization.json', '{"servers":null}'],
  ['events.jsonl: a folder', 'events.jsonl', 'DIR'],
  ['calls.jsonl: a folder', 'calls.jsonl', 'DIR'],
  ['hybridcfg/tmp: a file', 'servers/EX01/hybridcfg/tmp', 'x'],
  ['hybridcfg/: a file', 'hybridcfg', 'x'],
  ['backup folder: a file', 'servers/EX01/hybridcfg/backup', 'x'],
];

test.each(DAMAGE)('%s: plan, apply, rollback and force-unlock give diagnostics, never the bug message', async (_name, file, content) => {
  await setup();
  expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
  rmSync(lab(file), { recursive: true, force: true });
  mkdirSync(dirname(lab(file)), { recursive: true });
  if (content === 'DIR') mkdirSync(lab(file, 'sub'), { recursive: true });
  else writeFileSync(lab(file), content);
  for (const cmd of [['plan'], ['apply', '--yes'], ['rollback', '--yes'], ['force-unlock', '--yes']]) {
    const r = await runCli(cmd, { cwd: dir });
    expect([cmd.join(' '), r.stderr + r.stdout]).not.toEqual([cmd.join(' '), expect.stringMatching(/unexpectedly|a bug/)]);
    expect([0, 1, 2]).toContain(r.code);
  }
});

test('a damaged lock blocks apply with its own message, and force-unlock breaks it', async () => {
  await setup();
  mkdirSync(lab('hybridcfg'), { recursive: true });
  writeFileSync(lab('hybridcfg', 'lock.json'), '{"half a lo');
  const blocked = await runCli(['apply', '--yes'], { cwd: dir });
  expect(blocked.code).toBe(1);
  expect(blocked.stderr).toMatch(/lock file is damaged/);
  const unlock = await runCli(['force-unlock', '--yes'], { cwd: dir });
  expect(unlock.code).toBe(0);
  expect(existsSync(lab('hybridcfg', 'lock.json'))).toBe(false);
  expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
  expect(sha(rest('EX01'))).not.toBe('');
});

test('#5: a lock whose holder wrote its end line (and died before releasing it) does not block the next run', async () => {
  await setup();
  const holder = { runId: 'gone-run', command: 'apply', host: 'elsewhere', user: 'u', pid: 1, startedAt: '2025-01-01T00:00:00.000Z' };
  mkdirSync(lab('hybridcfg'), { recursive: true });
  writeFileSync(lab('hybridcfg', 'lock.json'), JSON.stringify(holder));
  writeFileSync(lab('hybridcfg', 'journal.jsonl'), `${JSON.stringify({ event: 'start', runId: 'gone-run', holder, changes: [] })}\n${JSON.stringify({ event: 'end', runId: 'gone-run', status: 'failed' })}\n`);
  const r = await runCli(['apply', '--yes'], { cwd: dir });
  expect(r.stderr).not.toMatch(/holds this organisation's lock/);
  expect(r.code).toBe(0);
  // A lock held by a run that did not say it was gone still blocks.
  writeFileSync(lab('hybridcfg', 'lock.json'), JSON.stringify({ ...holder, runId: 'other-run' }));
  const blocked = await runCli(['apply', '--yes'], { cwd: dir });
  expect(blocked.code).toBe(1);
  expect(blocked.stderr).toMatch(/holds this organisation's lock/);
});
