/**
 * Issue 13 #3: a spec may not write into hybridcfg's own folder (backups, the originals a rollback
 * restores, run state) in any spelling Windows takes for it, nor name a file Windows would read as
 * another (device names, 8.3 short names, trailing dots and spaces, <>"|?*). Refused by the loader, by
 * the lab target, by the PowerShell target before any call, and by Resolve-HcPath on the server itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { checkRelativePath } from '../../src/targets/powershell/paths';
import { SCRIPTS_DIR } from '../../src/targets/powershell/scripts';
import { parseSpec } from '../helpers/spec';
import { initLab, kindCalls, labTarget } from '../helpers/targets';
import { REST } from '../helpers/live';
import { requirePwsh } from '../helpers/pwsh';

const OWN = [
  'hybridcfg/original/FrontEnd/HttpProxy/rest/web.config',
  'HybridCfg\\original\\FrontEnd\\HttpProxy\\rest\\web.config',
  './HYBRIDCFG/backup/x/web.config',
  'hybridcfg/lock.json',
  'hybridcfg./original/web.config',
  'hybrıdcfg/original/web.config',
  '.\\.\\hybridcfg\\journal.jsonl',
];
const WINDOWS = ['FrontEnd/CON/web.config', 'FrontEnd/HttpProxy/nul.config', 'COM1', 'HYBRID~1/original/web.config', 'FRONTE~1/HttpProxy/rest/web.config', 'a<b/web.config', 'a>b', 'a|b', 'a?b', 'a*b', 'a"b', 'FrontEnd /web.config', 'FrontEnd./web.config', 'a\u0007b'];

const spec = (file: string) =>
  `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nwebConfigs:\n  - file: ${JSON.stringify(file)}\n    appSettings:\n      Custom.Key: v\n`;

function codesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => d.code);
    throw err;
  }
  return [];
}

describe('the spec loader', () => {
  test.each(OWN)('%s is refused: spec.path-own-folder', (file) => {
    expect(codesOf(() => parseSpec(spec(file), path.join(tmpdir(), 'own.yaml')))).toEqual(['spec.path-own-folder']);
  });
  test.each(WINDOWS)('%s is refused: spec.path-windows-name', (file) => {
    expect(codesOf(() => parseSpec(spec(file), path.join(tmpdir(), 'own.yaml')))).toEqual(['spec.path-windows-name']);
  });
  test.each(['FrontEnd/HttpProxy/rest/web.config', 'hybridcfgx/web.config', 'FrontEnd/hybridcfg/web.config', 'a~b/web.config'])('%s is accepted', (file) => {
    expect(codesOf(() => parseSpec(spec(file), path.join(tmpdir(), 'own.yaml')))).toEqual([]);
  });
});

describe('the PowerShell target, before any call', () => {
  test.each([...OWN, ...WINDOWS])('%s: target.path-outside-install', (file) => {
    expect(codesOf(() => checkRelativePath(file, undefined))).toEqual(['target.path-outside-install']);
  });
});

describe('the lab target', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'hybridcfg-own-')), 'lab');
    await initLab(dir, { servers: ['EX01'] });
  });
  afterAll(() => rmSync(path.join(dir, '..'), { recursive: true, force: true }));

  test.each([...OWN, ...WINDOWS])('%s: refused on read and write, nothing written', async (file) => {
    const target = kindCalls(labTarget(dir));
    const server = (await target.readOrganization()).servers[0]!;
    const folder = path.join(dir, 'servers', 'EX01');
    const before = readdirSync(folder, { recursive: true }).map(String).sort();
    await expect(target.writeFiles(server, [{ file, bytes: Buffer.from('x'), expectedSha256: 'x' }])).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: 'target.path-outside-install' })],
    });
    await expect(target.readServer(server, [file, REST])).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: 'target.path-outside-install' })],
    });
    expect(readdirSync(folder, { recursive: true }).map(String).sort()).toEqual(before);
  });
});

describe("Resolve-HcPath on the server (server-common.ps1)", () => {
  const pwsh = requirePwsh();
  test('refuses every own-folder and Windows-name path, resolves the good ones', () => {
    const install = path.join(tmpdir(), 'Exchange Server', 'V15') + path.sep;
    const good = ['FrontEnd/HttpProxy/rest/web.config', 'hybridcfgx/web.config', 'FrontEnd/hybridcfg/web.config'];
    const script =
      `. '${path.join(SCRIPTS_DIR, 'server-common.ps1').replace(/'/g, "''")}'\n` +
      `$paths = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(JSON.stringify([...OWN, ...WINDOWS, ...good])).toString('base64')}')) | ConvertFrom-Json\n` +
      `foreach ($p in $paths) { try { $r = Resolve-HcPath '${install.replace(/'/g, "''")}' $p; 'OK ' + $r } catch { 'NO ' + $_.Exception.Message.Substring(0, 30) } }`;
    const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8' });
    const lines = r.stdout.trim().split(/\r?\n/);
    expect(r.stderr).toBe('');
    expect(lines).toHaveLength(OWN.length + WINDOWS.length + good.length);
    lines.slice(0, OWN.length + WINDOWS.length).forEach((l) => expect(l).toMatch(/^NO \[target\.path-outside-install\]/));
    lines.slice(OWN.length + WINDOWS.length).forEach((l, i) => expect(l).toBe(`OK ${path.join(install, ...good[i]!.split('/'))}`));
  });
});
