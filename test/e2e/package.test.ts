/**
 * The npm package: `npm pack` gives a tarball that installs into an empty folder and runs `hybridcfg`,
 * ships only what it needs, and declares its Node.js engine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toMatch(/>=\s*20/);
    expect(pkg.bin).toEqual({ hybridcfg: 'dist/cli/main.js' });
  });

  it('installs into an empty folder and runs the quick start there', () => {
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}\n');
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app, stdio: 'pipe' });
    const bin = join(app, 'node_modules', '.bin', 'hybridcfg');
    const version = spawnSync(bin, ['--version'], { cwd: app, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    expect(spawnSync(bin, ['lab', 'init', './lab', '--servers', 'EX01'], { cwd: app, encoding: 'utf8' }).status).toBe(0);
    // A spec written on Windows: CRLF line endings and a backslash path.
    const spec = readFileSync(join(ROOT, 'examples', 'specs', 'quickstart.yaml'), 'utf8')
      .replace('FrontEnd/HttpProxy/rest/web.config', 'FrontEnd\\HttpProxy\\rest\\web.config')
      .replace(/\n/g, '\r\n');
    writeFileSync(join(app, 'hybridcfg.yaml'), spec);
    const plan = spawnSync(bin, ['plan', '--detailed-exitcode'], { cwd: app, encoding: 'utf8' });
    expect(plan.stderr).not.toContain('Error');
    expect(plan.status).toBe(2);
    expect(plan.stdout).toContain('server["EX01"].webConfig["FrontEnd/HttpProxy/rest/web.config"]');
  }, 240_000);
});
