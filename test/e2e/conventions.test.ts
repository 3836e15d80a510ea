/** Terminal conventions: help for every command, version, colour rules, stdout for results only. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const COMMANDS = ['validate', 'plan', 'apply', 'export', 'verify', 'rollback', 'force-unlock', 'lab', 'schema'];

describe('help and version', () => {
  it.each(COMMANDS)('%s --help prints usage with examples on stdout and exits 0', async (cmd) => {
    const r = await runCli([cmd, '--help'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: hybridcfg/);
    expect(r.stdout).toMatch(/Example/);
    expect(r.stderr).toBe('');
  });

  it('--help lists every command', async () => {
    const r = await runCli(['--help'], { cwd: ROOT });
    expect(r.code).toBe(0);
    for (const cmd of COMMANDS) expect(r.stdout).toContain(`  ${cmd}`);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], { cwd: ROOT });
    expect(r.stdout.trim()).toBe(require('../../package.json').version);
  });

  it('an unknown command suggests the closest one', async () => {
    const r = await runCli(['plna'], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Did you mean "plan"?');
  });

  it('a mistyped option gets a did-you-mean, like a mistyped command', async () => {
    const r = await runCli(['plan', '--paralelism', '3'], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown option --paralelism. Did you mean --parallelism?');
    expect(r.stdout).toBe('');
  });

  it('hybridcfg help plan prints the plan help, as plan --help does', async () => {
    const viaHelp = await runCli(['help', 'plan'], { cwd: ROOT });
    const viaFlag = await runCli(['plan', '--help'], { cwd: ROOT });
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/^Usage: hybridcfg plan/);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect((await runCli(['help', 'lab', 'init'], { cwd: ROOT })).stdout).toMatch(/^Usage: hybridcfg lab init/);
  });

  it('hybridcfg schema prints the published JSON Schema, the one the package ships', async () => {
    const r = await runCli(['schema'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(require('../../schemas/hybridcfg.schema.json'));
    expect((await runCli(['schema', '--path'], { cwd: ROOT })).stdout.trim()).toBe(join(ROOT, 'schemas', 'hybridcfg.schema.json'));
  });

  it('an unknown option names the command and where to look', async () => {
    const r = await runCli(['plan', '--detailed-exit-code'], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hybridcfg plan');
    expect(r.stderr).toContain('--help');
  });
});

describe('output streams and colour (built CLI)', () => {
  let dir: string;
  const cli = join(ROOT, 'dist', 'cli', 'main.js');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

  beforeAll(() => {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { encoding: 'utf8' });
    expect(build.status).toBe(0);
    dir = mkdtempSync(join(tmpdir(), 'hybridcfg-conv-'));
    copyFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
    expect(run(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed']).status).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plan --json writes only JSON on stdout; progress goes to stderr', () => {
    const r = run(['plan', '--json']);
    expect(r.status).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr).toContain('Reading the live state');
  });

  it('--quiet leaves stderr empty on success', () => {
    const r = run(['plan', '--quiet']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Plan:');
  });

  it('no colour when stdout is not a terminal, nor with NO_COLOR or --no-color', () => {
    for (const r of [run(['plan']), run(['plan'], { NO_COLOR: '1' }), run(['plan', '--no-color'])]) {
      expect(r.stdout).not.toContain('\u001b[');
    }
  });

  it('errors go to stderr with no stack trace, and exit 1', () => {
    const r = run(['plan', 'missing.yaml']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('missing.yaml');
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });
});
