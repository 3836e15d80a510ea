/**
 * The npm package: `npm pack` gives a tarball named for its version that installs into an empty folder
 * or an empty global prefix and runs `hybridcfg` (the README quick start included), ships only what it
 * needs, and declares its Node.js engine and where the project lives.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * The README's quick start commands (the `npx hybridcfg ...` lines of its first sh block that runs the
 * lab), with the exit code its comment promises (`# exit 2: ...`; 0 when it promises none).
 */
function readmeQuickStart(): { args: string[]; exit: number; line: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('hybridcfg lab init'));
  if (!block) throw new Error('README.md: no ```sh block with "hybridcfg lab init" (the quick start) was found');
  return block
    .split('\n')
    .filter((l) => l.startsWith('npx hybridcfg '))
    .map((line) => {
      const [command, comment = ''] = line.split('#');
      const words = command.trim().split(/\s+/).slice(2);
      const redirect = words.indexOf('>');
      return {
        line: line.trim(),
        args: redirect >= 0 ? words.slice(0, redirect) : words,
        exit: Number(/exit (\d)/.exec(comment)?.[1] ?? 0),
      };
    });
}

describe('npm package', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'hybridcfg-pack-'));
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const info = JSON.parse(out.slice(out.indexOf('[')))[0];
    tarball = join(work, info.filename);
    files = info.files.map((f: { path: string }) => f.path);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the built CLI, the schema, the fake Exchange module and the lab captures, and no tests or sources', () => {
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('schemas/hybridcfg.schema.json');
    expect(files).toContain('fixtures/exchange/E19/IIS/DefaultWebSite-Rest_web.config');
    expect(files).toContain('fixtures/exchange/LICENSE.CSS-Exchange');
    expect(files).toContain('LICENSE');
    expect(files.some((f) => f.startsWith('powershell/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('bench/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('declares its Node.js engine and bin', () => {
    expect(PKG.engines.node).toMatch(/>=\s*20/);
    expect(PKG.bin).toEqual({ hybridcfg: 'dist/cli/main.js' });
  });

  it('says where the project lives, so `npm repo`, `npm bugs` and the registry page lead somewhere', () => {
    expect(PKG.repository).toEqual({ type: 'git', url: 'git+https://github.com/hybridcfg/hybridcfg.git' });
    expect(PKG.homepage).toBe('https://github.com/hybridcfg/hybridcfg#readme');
    expect(PKG.bugs).toEqual({ url: 'https://github.com/hybridcfg/hybridcfg/issues' });
    expect(PKG.keywords).toEqual(expect.arrayContaining(['exchange', 'oauth', 'microsoft-graph']));
  });

  it('names the tarball for its version and ships the changelog and the PowerShell module', () => {
    expect(tarball.endsWith(`hybridcfg-${PKG.version}.tgz`)).toBe(true);
    expect(files).toContain('CHANGELOG.md');
    expect(files).toEqual(expect.arrayContaining(['powershell/HybridCfg/HybridCfg.psd1', 'powershell/HybridCfg/HybridCfg.psm1']));
    // The changelog has the section the team fills and an entry for the version being packed.
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog).toMatch(new RegExp(`^## \\[${PKG.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  });

  it('installs with `npm install -g` into an empty prefix and runs the README quick start from there', () => {
    const prefix = join(work, 'global');
    const app = join(work, 'quickstart');
    mkdirSync(app);
    // Only the tarball comes from here; its dependencies come from the npm cache or registry, as for a user.
    execFileSync(npm, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { cwd: work, stdio: 'pipe' });
    const bin = process.platform === 'win32' ? join(prefix, 'hybridcfg.cmd') : join(prefix, 'bin', 'hybridcfg');
    expect(existsSync(bin)).toBe(true);
    // The installed package, not this clone: its schema sits beside its own dist/.
    const installed = process.platform === 'win32' ? join(prefix, 'node_modules', 'hybridcfg') : join(prefix, 'lib', 'node_modules', 'hybridcfg');
    expect(existsSync(join(installed, 'schemas', 'hybridcfg.schema.json'))).toBe(true);
    expect(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(PKG.version);

    writeFileSync(join(app, 'hybridcfg.yaml'), readFileSync(join(ROOT, 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8'));
    const steps = readmeQuickStart();
    expect(steps.map((s) => s.args.slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining(['lab init', 'validate hybridcfg.yaml', 'plan hybridcfg.yaml', 'apply hybridcfg.yaml']),
    );
    // PATH without this clone's node_modules/.bin: only the installed binary can answer.
    const env = { ...process.env, PATH: [join(prefix, 'bin'), ...(process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules'))].join(':') };
    const seen = steps.map((s) => {
      const r = spawnSync(bin, s.args, { cwd: app, encoding: 'utf8', env });
      return { line: s.line, exit: r.status, stderr: r.status === s.exit ? '' : r.stderr };
    });
    expect(seen).toEqual(steps.map((s) => ({ line: s.line, exit: s.exit, stderr: '' })));
    expect(steps.filter((s) => s.args[0] === 'plan').map((s) => s.exit)).toEqual([2, 0]);
    // The organisation moved to the dedicated hybrid app: the override exists, the auth server names the app.
    const org = JSON.parse(readFileSync(join(app, 'lab', 'organization.json'), 'utf8'));
    expect(JSON.stringify(org)).toContain('EnableExchangeHybrid3PAppFeature');
    expect(JSON.stringify(org)).toContain('66666666-7777-8888-9999-000000000000');
  }, 240_000);

  it('installs into an empty folder and runs the quick start there', () => {
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}\n');
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app, stdio: 'pipe' });
    const bin = join(app, 'node_modules', '.bin', 'hybridcfg');
    const version = spawnSync(bin, ['--version'], { cwd: app, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    expect(spawnSync(bin, ['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], { cwd: app, encoding: 'utf8' }).status).toBe(0);
    // A spec written on Windows: CRLF line endings and a backslash path.
    const spec = readFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), 'utf8')
      .replace('FrontEnd/HttpProxy/rest/web.config', 'FrontEnd\\HttpProxy\\rest\\web.config')
      .replace(/\n/g, '\r\n');
    writeFileSync(join(app, 'hybridcfg.yaml'), spec);
    const plan = spawnSync(bin, ['plan', '--detailed-exitcode'], { cwd: app, encoding: 'utf8' });
    expect(plan.stderr).not.toContain('Error');
    expect(plan.status).toBe(2);
    expect(plan.stdout).toContain('server["EX01"].webConfig["FrontEnd/HttpProxy/rest/web.config"]');
  }, 240_000);
});
