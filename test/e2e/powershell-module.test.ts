/**
 * The HybridCfg PowerShell module (powershell/HybridCfg) through real pwsh, as an admin uses it:
 * Invoke-HybridCfg runs the CLI on a lab and returns its JSON results as objects, with the exit code as
 * a property; exit 1 is a terminating error carrying the CLI's diagnostics; the CLI is found on PATH or
 * through -HybridCfgPath. No Pester: each case is one pwsh -Command whose output is JSON for jest.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { requirePwsh } from '../helpers/pwsh';

const ROOT = join(__dirname, '..', '..');
const MODULE = join(ROOT, 'powershell', 'HybridCfg', 'HybridCfg.psd1');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const pwsh = requirePwsh();

let dir: string;
/** PATH without any hybridcfg, so that each case chooses how the CLI is found. */
const basePath = (process.env.PATH ?? '').split(delimiter).filter((p) => !existsSync(join(p, 'hybridcfg'))).join(delimiter);

/** A PowerShell single-quoted literal. */
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Runs script in pwsh in the lab folder; the script's last output is JSON. */
function ps(script: string, opts: { path?: string; module?: string } = {}): { json: unknown; stderr: string; status: number | null } {
  const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', `$ErrorActionPreference = 'Stop'; Import-Module ${lit(opts.module ?? MODULE)}; ${script}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: opts.path ?? basePath },
    timeout: 60_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pwsh printed no JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { json, stderr: r.stderr, status: r.status };
}

beforeAll(() => {
  expect(existsSync(MAIN)).toBe(true); // `npm ci` builds dist/ (the prepare script)
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-psmodule-'));
  const init = spawnSync(process.execPath, [MAIN, 'lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: dir, encoding: 'utf8' });
  expect(init.status).toBe(0);
  copyFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
  // A spec path with a space and a quote shows any quoting problem on the way to the CLI.
  writeFileSync(join(dir, "bad 'spec'.yaml"), readFileSync(join(dir, 'hybridcfg.yaml'), 'utf8').replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnIy]'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('plan, apply, plan: objects from the JSON, the exit code as a property, on a two-server lab', () => {
  const { json } = ps(`
    $before = Invoke-HybridCfg plan -Spec hybridcfg.yaml -DetailedExitCode
    $b = $LASTEXITCODE
    $apply = Invoke-HybridCfg apply -Spec hybridcfg.yaml -Yes
    $after = Invoke-HybridCfg plan hybridcfg.yaml -DetailedExitCode
    [pscustomobject]@{
      beforeCode = $before.ExitCode; lastExitCode = $b
      beforeChanges = @($before.changes | ForEach-Object { $_.address })
      servers = @($before.servers)
      applyCode = $apply.ExitCode
      applyKeys = @($apply.PSObject.Properties | ForEach-Object { $_.Name })
      afterCode = $after.ExitCode; afterChanges = @($after.changes).Count
    } | ConvertTo-Json -Depth 5`);
  expect(json).toEqual({
    beforeCode: 2,
    lastExitCode: 2,
    beforeChanges: [
      'partnerApplication["00000003-0000-0000-c000-000000000000"]',
      'server["EX01"].webConfig["FrontEnd/HttpProxy/rest/web.config"]',
      'server["EX02"].webConfig["FrontEnd/HttpProxy/rest/web.config"]',
    ],
    servers: ['EX01', 'EX02'],
    applyCode: 0,
    // Whatever document the CLI prints: apply --json is {kind, formatVersion, plan, result}.
    applyKeys: expect.arrayContaining(['kind', 'formatVersion', 'plan', 'result', 'ExitCode']),
    afterCode: 0,
    afterChanges: 0,
  });
  expect(readFileSync(join(dir, 'lab', 'servers', 'EX02', 'FrontEnd', 'HttpProxy', 'rest', 'web.config'), 'utf8')).toContain('V1S2SAppOnly');
}, 120_000);

test("exit 1 is a terminating error with the CLI's diagnostics, the JSON document as its target, and a path with a space and a quote", () => {
  const { json } = ps(`
    try { Invoke-HybridCfg validate -Spec "bad 'spec'.yaml"; [pscustomobject]@{ thrown = $false } | ConvertTo-Json }
    catch {
      [pscustomobject]@{
        thrown = $true; id = $_.FullyQualifiedErrorId; message = $_.Exception.Message
        exitCode = $_.Exception.Data['ExitCode']; valid = $_.TargetObject.valid; lastExitCode = $LASTEXITCODE
      } | ConvertTo-Json -Depth 5
    }`);
  expect(json).toMatchObject({
    thrown: true,
    id: 'HybridCfg.ExitCode1,Invoke-HybridCfg',
    exitCode: 1,
    valid: false,
    lastExitCode: 1,
    message: expect.stringContaining('`V1S2SAppOnIy` is not a profile name Exchange knows: did you mean `V1S2SAppOnly`?'),
  });
  expect((json as { message: string }).message).toMatch(/at .*bad 'spec'\.yaml:\d+:\d+/);
});

test('plan without -DetailedExitCode exits 0 with changes pending; apply without -Yes cannot prompt and says why', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'hybridcfg-psmodule-noyes-'));
  try {
    spawnSync(process.execPath, [MAIN, 'lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], { cwd: fresh });
    copyFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), join(fresh, 'hybridcfg.yaml'));
    const { json } = ps(`
      Set-Location ${lit(fresh)}
      $p = Invoke-HybridCfg plan
      try { Invoke-HybridCfg apply; $m = 'no error' } catch { $m = $_.Exception.Message }
      [pscustomobject]@{ code = $p.ExitCode; changes = @($p.changes).Count; apply = $m } | ConvertTo-Json`);
    expect(json).toMatchObject({ code: 0, changes: 2, apply: expect.stringMatching(/--yes/) });
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

describe('finding the CLI', () => {
  test('on PATH, from a copy of the module outside the package', () => {
    const bin = join(dir, 'bin');
    const moduleCopy = join(dir, 'modules', 'HybridCfg');
    mkdirSync(bin, { recursive: true });
    mkdirSync(moduleCopy, { recursive: true });
    for (const f of ['HybridCfg.psd1', 'HybridCfg.psm1']) copyFileSync(join(ROOT, 'powershell', 'HybridCfg', f), join(moduleCopy, f));
    writeFileSync(join(bin, 'hybridcfg'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`);
    chmodSync(join(bin, 'hybridcfg'), 0o755);
    const { json } = ps(`(Invoke-HybridCfg validate -Spec hybridcfg.yaml) | ConvertTo-Json`, { path: `${bin}${delimiter}${basePath}`, module: join(moduleCopy, 'HybridCfg.psd1') });
    expect(json).toMatchObject({ valid: true, ExitCode: 0 });
  });

  test('through -HybridCfgPath (the CLI entry point, run with node)', () => {
    const { json } = ps(`(Invoke-HybridCfg validate -Spec hybridcfg.yaml -HybridCfgPath ${lit(MAIN)}) | ConvertTo-Json`, { module: join(dir, 'modules', 'HybridCfg', 'HybridCfg.psd1') });
    expect(json).toMatchObject({ valid: true, ExitCode: 0 });
  });

  test('nowhere: a terminating error that says how to install it or where to point', () => {
    const { json } = ps(`try { Invoke-HybridCfg plan } catch { [pscustomobject]@{ id = $_.FullyQualifiedErrorId; message = $_.Exception.Message } | ConvertTo-Json }`, {
      module: join(dir, 'modules', 'HybridCfg', 'HybridCfg.psd1'),
    });
    expect(json).toMatchObject({ id: 'HybridCfg.CliNotFound,Invoke-HybridCfg', message: expect.stringContaining('npm install -g hybridcfg@<version>') });
    expect((json as { message: string }).message).toContain('-HybridCfgPath');
  });

  test('a -HybridCfgPath that does not exist is named', () => {
    const { json } = ps(`try { Invoke-HybridCfg plan -HybridCfgPath ./nope/hybridcfg } catch { [pscustomobject]@{ message = $_.Exception.Message } | ConvertTo-Json }`);
    expect(json).toEqual({ message: expect.stringContaining("HybridCfgPath './nope/hybridcfg' does not exist") });
  });
});

test('the manifest exports only Invoke-HybridCfg and loads on Windows PowerShell 5.1 and PowerShell 7', () => {
  const { json } = ps(`$m = Test-ModuleManifest ${lit(MODULE)}; [pscustomobject]@{ version = $m.Version.ToString(); fns = @($m.ExportedFunctions.Keys); ps = $m.PowerShellVersion.ToString(); editions = @($m.CompatiblePSEditions) } | ConvertTo-Json`);
  expect(json).toEqual({ version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, fns: ['Invoke-HybridCfg'], ps: '5.1', editions: ['Desktop', 'Core'] });
});

test("non-ASCII text arrives intact: the CLI's output is read as UTF-8, not through the console's code page", () => {
  copyFileSync(join(dir, 'hybridcfg.yaml'), join(dir, 'Zürich – Ström.yaml'));
  const plan = ps(`(Invoke-HybridCfg plan -Spec 'Zürich – Ström.yaml').spec.path | ConvertTo-Json`);
  expect(plan.json).toBe(join(dir, 'Zürich – Ström.yaml'));
});
