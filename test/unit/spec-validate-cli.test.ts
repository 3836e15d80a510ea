import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';

const SPECS = path.join(__dirname, '..', 'fixtures', 'specs');

function fakeIo(cwd: string): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd, color: false, quiet: false };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function workdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hybridcfg-validate-'));
  copyFileSync(path.join(SPECS, 'example.yaml'), path.join(dir, 'hybridcfg.yaml'));
  return dir;
}

test('validates hybridcfg.yaml in the current folder by default', async () => {
  const t = fakeIo(workdir());
  expect(await main(['validate'], t.io)).toBe(0);
  expect(t.stdout()).toBe('hybridcfg.yaml: valid (1 partner application, 1 web.config, servers: all)\n');
});

test('names the file it was given and counts every section', async () => {
  const t = fakeIo(SPECS);
  expect(await main(['validate', 'full.yaml'], t.io)).toBe(0);
  expect(t.stdout()).toBe('full.yaml: valid (2 partner applications, 2 web.configs, servers: EX01, EX02)\n');
});

test('an invalid spec exits 1 and shows the problem with its place on stderr', async () => {
  const dir = workdir();
  writeFileSync(path.join(dir, 'bad.yaml'), 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget: {lab: ./lab}\nservers: all\nrestart:\n  mode: iisrest\n');
  const t = fakeIo(dir);
  expect(await main(['validate', 'bad.yaml'], t.io)).toBe(1);
  expect(t.stdout()).toBe('');
  expect(t.stderr()).toContain('Error: `restart.mode` must be one of `iisreset`, `appPools`, `none`, not the text `iisrest`: did you mean `iisreset`?');
  expect(t.stderr()).toContain(`at ${path.join(dir, 'bad.yaml')}:6:9`);
  expect(t.stderr()).toContain('  6 |   mode: iisrest');
  expect(t.stderr()).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
});

test('--json reports valid and invalid specs on stdout', async () => {
  const dir = workdir();
  const ok = fakeIo(dir);
  expect(await main(['validate', '--json'], ok.io)).toBe(0);
  expect(JSON.parse(ok.stdout())).toEqual({ valid: true, diagnostics: [] });

  writeFileSync(path.join(dir, 'bad.yaml'), 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget: {lab: ./lab}\nservers: all\nextra: 1\n');
  const bad = fakeIo(dir);
  expect(await main(['validate', 'bad.yaml', '--json'], bad.io)).toBe(1);
  const report = JSON.parse(bad.stdout());
  expect(report.valid).toBe(false);
  expect(report.diagnostics).toEqual([
    expect.objectContaining({ code: 'spec.unknown-key', source: { file: path.join(dir, 'bad.yaml'), line: 5, col: 1 } }),
  ]);
});

test('a missing spec says so without a stack trace', async () => {
  const t = fakeIo(mkdtempSync(path.join(tmpdir(), 'hybridcfg-empty-')));
  expect(await main(['validate'], t.io)).toBe(1);
  expect(t.stderr()).toMatch(/^Error: Spec file .*hybridcfg\.yaml does not exist/);
});

test('--help prints usage with an example spec', async () => {
  const t = fakeIo(SPECS);
  expect(await main(['validate', '--help'], t.io)).toBe(0);
  expect(t.stdout()).toContain('Usage: hybridcfg validate [SPEC] [--json]');
  expect(t.stdout()).toContain('include: [V1S2SAppOnly]');
});

test('an unknown option is a usage error', async () => {
  const t = fakeIo(SPECS);
  expect(await main(['validate', '--jsn'], t.io)).toBe(1);
  expect(t.stderr()).toContain('--jsn');
});

test('the example spec in --help is valid', async () => {
  const t = fakeIo(SPECS);
  await main(['validate', '--help'], t.io);
  const help = t.stdout();
  const example = help
    .slice(help.indexOf('Example spec'), help.indexOf('\nExamples:'))
    .split('\n')
    .slice(1)
    .map((l) => l.slice(2))
    .join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'hybridcfg-help-'));
  writeFileSync(path.join(dir, 'hybridcfg.yaml'), example);
  const check = fakeIo(dir);
  expect(await main(['validate'], check.io)).toBe(0);
  expect(check.stdout()).toContain('valid (1 partner application, 1 web.config, servers: all)');
});
