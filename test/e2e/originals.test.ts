/**
 * Issue 13 #1: backups and first originals are written whole or not at all, with their hashes recorded,
 * and a rollback never restores an original whose bytes do not match the recorded hash or do not read
 * as a web.config. A full disk at each file write of an apply (in-process fault injection on the lab's
 * file system calls) leaves every file whole and a plan that converges.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const SPEC = `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
restart:
  mode: iisreset
`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
const lab = (...p: string[]) => join(dir, 'lab', ...p);
const rest = (server: string) => readFileSync(lab('servers', server, REST));
const original = (server: string) => lab('servers', server, 'hybridcfg', 'original', ...REST.split('/'));
const jsonl = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

async function setup(servers = 'EX01,EX02'): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-originals-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', servers], { cwd: dir })).code).toBe(0);
}
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

test('an apply records each backup and first original with its sha256; the originals hash to it', async () => {
  await setup();
  const before = rest('EX01');
  expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
  expect(readFileSync(original('EX01'))).toEqual(before);
  expect(readFileSync(`${original('EX01')}.sha256`, 'utf8').trim()).toBe(sha(before));
  // The journal's start line, written before any change, records each file's sha256 before it: the
  // hash of its backup and of its first original.
  const start = jsonl(lab('hybridcfg', 'journal.jsonl')).find((e) => e.event === 'start');
  expect(start.changes.find((c: { server?: string }) => c.server === 'EX01').before).toBe(sha(before));
  const backups = lab('servers', 'EX01', 'hybridcfg', 'backup');
  const [stamp] = readdirSync(backups);
  expect(sha(readFileSync(join(backups, stamp!, ...REST.split('/'))))).toBe(sha(before));
});

describe('a rollback refuses originals it cannot trust, and changes nothing', () => {
  test.each([
    ['a short original without a recorded hash (an older hybridcfg, a full disk)', /has no recorded sha256/, (b: Buffer) => ({ bytes: b.subarray(0, 200), hash: undefined })],
    ['a short original with the hash of the whole one', /is damaged: its sha256 is/, (b: Buffer) => ({ bytes: b.subarray(0, 200), hash: sha(b) })],
    ['an original edited since it was made', /is damaged: its sha256 is/, (b: Buffer) => ({ bytes: Buffer.from(b.toString('utf8').replace('</configuration>', '<!-- x --></configuration>')), hash: sha(b) })],
    ['an original that is not a web.config, with a matching hash', /does not read as a web.config/, () => ({ bytes: Buffer.from('<configuration><appSettings>'), hash: sha(Buffer.from('<configuration><appSettings>')) })],
  ])('%s: %p', async (_what, code, damage) => {
    await setup('EX01');
    const before = rest('EX01');
    expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
    const after = rest('EX01');
    const d = damage(before);
    writeFileSync(original('EX01'), d.bytes);
    if (d.hash === undefined) rmSync(`${original('EX01')}.sha256`);
    else writeFileSync(`${original('EX01')}.sha256`, d.hash + '\n');
    const r = await runCli(['rollback', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(code);
    expect(r.stderr + r.stdout).not.toMatch(/unexpectedly|Rollback complete/);
    expect(rest('EX01')).toEqual(after);
  });
});

describe('a full disk at each file write of the first apply', () => {
  /** The k-th exclusive create under servers/ (temp files of writes, backups, originals) writes half its bytes, then ENOSPC. */
  function diskFullAt(k: number): { readonly hits: () => number } {
    const realOpen = fsp.open.bind(fsp);
    let n = 0;
    jest.spyOn(fsp, 'open').mockImplementation((async (file: Parameters<typeof fsp.open>[0], flags?: string | number, mode?: number) => {
      const handle = await realOpen(file, flags, mode);
      if (flags === 'wx' && String(file).includes(`${join('lab', 'servers')}`) && ++n === k) {
        handle.writeFile = (async (data: string | Uint8Array) => {
          const b = Buffer.from(data);
          await handle.write(b, 0, Math.floor(b.length / 2));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        }) as typeof handle.writeFile;
      }
      return handle;
    }) as typeof fsp.open);
    return { hits: () => n };
  }

  test('every step: a diagnostic, files whole, originals whole or absent; then apply converges and rollback restores', async () => {
    const rows: string[] = [];
    for (let k = 1; ; k++) {
      await setup();
      const before = { EX01: rest('EX01'), EX02: rest('EX02') };
      const fault = diskFullAt(k);
      const r = await runCli(['apply', '--yes'], { cwd: dir });
      jest.restoreAllMocks();
      if (fault.hits() < k) {
        // Past the last write: the apply ran clean.
        expect(r.code).toBe(0);
        rmSync(dir, { recursive: true, force: true });
        break;
      }
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ENOSPC|disk is full/);
      expect(r.stderr).not.toMatch(/unexpectedly/);
      const afterBytes: Record<string, string> = {};
      for (const s of ['EX01', 'EX02'] as const) {
        const now = rest(s);
        afterBytes[s] = sha(now) === sha(before[s]) ? 'as before' : 'changed';
        // Whole: the old bytes, or bytes that read as the planned file (checked by the converging plan below).
        if (existsSync(original(s))) {
          expect(sha(readFileSync(original(s)))).toBe(sha(before[s]));
          expect(readFileSync(`${original(s)}.sha256`, 'utf8').trim()).toBe(sha(before[s]));
        }
        const originals = lab('servers', s, 'hybridcfg', 'original');
        if (existsSync(originals)) expect(readdirSync(originals, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      }
      const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
      expect(plan.code).toBe(2);
      expect((await runCli(['force-unlock', '--yes'], { cwd: dir })).code).not.toBe(3);
      expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
      expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(0);
      expect((await runCli(['rollback', '--yes'], { cwd: dir })).code).toBe(0);
      expect(rest('EX01')).toEqual(before.EX01);
      expect(rest('EX02')).toEqual(before.EX02);
      rows.push(`write ${k}: exit ${r.code}, EX01 ${afterBytes.EX01}, EX02 ${afterBytes.EX02}, plan exit ${plan.code}`);
      rmSync(dir, { recursive: true, force: true });
      expect(k).toBeLessThan(40);
    }
    expect(rows.length).toBeGreaterThanOrEqual(6);
    process.stdout.write(`full-disk table:\n${rows.join('\n')}\n`);
  }, 120_000);
});
