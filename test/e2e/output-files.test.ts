/**
 * Issue 13 #10: output files (--out, --html, --audit-log) are never written through a symbolic link,
 * are written whole or not at all, and a folder that cannot take them is a diagnostic, not a bug.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const SPEC = `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: FrontEnd/HttpProxy/rest/web.config
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
`;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-out-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('an audit log path that is a symbolic link is refused; the link target is untouched', async () => {
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  symlinkSync(victim, join(dir, 'audit.jsonl'));
  const r = await runCli(['apply', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir });
  expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
  expect(r.stderr).toMatch(/symbolic link/);
  expect(r.stderr).not.toMatch(/unexpectedly/);
});

test('--out and --html replace a symbolic link with a file of their own; the link target is untouched', async () => {
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch\n');
  symlinkSync(victim, join(dir, 'plan.json'));
  symlinkSync(victim, join(dir, 'report.html'));
  expect((await runCli(['plan', '--out', 'plan.json', '--html', 'report.html'], { cwd: dir })).code).toBe(0);
  expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
  expect(lstatSync(join(dir, 'plan.json')).isSymbolicLink()).toBe(false);
  expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')).kind).toBe('hybridcfg-plan');
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/<html/i);
  // No temp file is left beside them.
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('an --out in a folder that does not exist, or onto a folder, is a diagnostic and leaves nothing', async () => {
  mkdirSync(join(dir, 'taken'));
  for (const out of ['missing/plan.json', 'taken']) {
    const r = await runCli(['plan', '--out', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/unexpectedly/);
    expect(r.stderr).toMatch(/Saving the plan/);
  }
  expect(existsSync(join(dir, 'missing'))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
