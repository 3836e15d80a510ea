/**
 * Write-HcFileAtomic (powershell/scripts/server-common.ps1), run on real pwsh: the web.config replace
 * that must never leave a vdir without its web.config, nor report a write it did not observe.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requirePwsh } from '../helpers/pwsh';

const pwsh = requirePwsh();
const COMMON = path.join(__dirname, '..', '..', 'powershell', 'scripts', 'server-common.ps1');

/** Runs a script with server-common.ps1 dot-sourced; returns its output lines (errors as "ERROR: ..."). */
function ps(script: string): string[] {
  const file = path.join(os.tmpdir(), `hybridcfg-atomic-${process.pid}-${Math.random().toString(16).slice(2)}.ps1`);
  writeFileSync(file, `$ErrorActionPreference = 'Stop'\n. '${COMMON}'\ntry {\n${script}\n} catch { 'ERROR: ' + $_.Exception.Message }\n`);
  try {
    const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-File', file], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`pwsh failed: ${r.stderr}`);
    return r.stdout.split(/\r?\n/).filter((l) => l !== '');
  } finally {
    rmSync(file, { force: true });
  }
}

const q = (p: string): string => `'${p.replace(/'/g, "''")}'`;

describe('Write-HcFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('replaces the file with the new bytes, then leaves nothing in its temp folder', () => {
    const file = path.join(dir, 'web.config');
    writeFileSync(file, 'old bytes');
    const tmp = path.join(dir, 'hybridcfg', 'tmp');
    expect(ps(`Write-HcFileAtomic ${q(file)} ([Text.Encoding]::UTF8.GetBytes('new bytes')) ${q(tmp)}; 'ok'`)).toEqual(['ok']);
    expect(readFileSync(file, 'utf8')).toBe('new bytes');
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('creates a file that does not exist yet (the originals file)', () => {
    const file = path.join(dir, 'originals.json');
    expect(ps(`Write-HcFileAtomic ${q(file)} ([Text.Encoding]::UTF8.GetBytes('{}')) ${q(dir)}; 'ok'`)).toEqual(['ok']);
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['originals.json']);
  });

  // /dev/shm is another volume than the test's folder: File.Replace fails there as it does on Windows
  // when the temp folder is not on the file's volume. The old bytes must stay, and the failure be named.
  test('a replace that fails keeps the old file, says so with its code, and cleans up', () => {
    const file = path.join(dir, 'web.config');
    writeFileSync(file, 'old bytes');
    const tmp = mkdtempSync('/dev/shm/hybridcfg-atomic-');
    try {
      const out = ps(`Write-HcFileAtomic ${q(file)} ([Text.Encoding]::UTF8.GetBytes('new bytes')) ${q(tmp)}; 'ok'`);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(/^ERROR: \[target\.write-failed\] Replacing .*web\.config failed \(.*\); the file is unchanged\.$/);
      expect(readFileSync(file, 'utf8')).toBe('old bytes');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a file left only under its backup name by a failed replace (ReplaceFile error 1177) is moved back', () => {
    const file = path.join(dir, 'web.config');
    const aside = path.join(dir, '.web.config.x.replaced');
    writeFileSync(aside, 'old bytes');
    expect(ps(`Restore-HcReplaced ${q(file)} ${q(aside)}`)).toEqual(['the file was found under its backup name and moved back']);
    expect(readFileSync(file, 'utf8')).toBe('old bytes');
    expect(existsSync(aside)).toBe(false);
    // Both names present (error 1176 with a backup name): nothing is moved.
    writeFileSync(aside, 'other');
    expect(ps(`Restore-HcReplaced ${q(file)} ${q(aside)}`)).toEqual(['the file is in place']);
    expect(readFileSync(file, 'utf8')).toBe('old bytes');
  });

  test('sharing violations (antivirus, IIS) are retried; other I/O errors are not; the retries are bounded', () => {
    const sharing = `New-Object IO.IOException('The process cannot access the file because it is being used by another process.', -2147024864)`;
    const denied = `New-Object IO.IOException('Access to the path is denied.', -2147024891)`;
    const script = `
$script:n = 0
function global:Start-Sleep { }
'retried: ' + (Invoke-HcIoRetry { $script:n++; if ($script:n -lt 3) { throw (${sharing}) }; 'written' }) + ' after ' + $script:n
$script:n = 0
try { Invoke-HcIoRetry { $script:n++; throw (${denied}) } } catch { 'denied after ' + $script:n }
$script:n = 0
try { Invoke-HcIoRetry { $script:n++; throw (${sharing}) } } catch { 'gave up after ' + $script:n }`;
    expect(ps(script)).toEqual(['retried: written after 3', 'denied after 1', 'gave up after 8']);
  });
});
