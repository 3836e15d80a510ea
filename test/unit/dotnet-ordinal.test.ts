/**
 * Issue 13 #12: appSetting keys are compared as .NET compares them (StringComparison.OrdinalIgnoreCase),
 * not with JavaScript's case folding; two spec keys that are one key to ASP.NET are a validation error.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { equalsOrdinalIgnoreCase, ordinalIgnoreCaseKey } from '../../src/domain/dotnet';
import { readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';
import { parseSpec } from '../helpers/spec';
import { requirePwsh } from '../helpers/pwsh';

const spec = (keys: readonly string[], assumptions = '') =>
  `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\n${assumptions}webConfigs:\n  - file: FrontEnd/HttpProxy/rest/web.config\n    appSettings:\n` +
  keys.map((k, i) => `      ${JSON.stringify(k)}: "v${i}"\n`).join('');
const FILE = path.join(tmpdir(), 'keys.yaml');
function codes(text: string): string[] {
  try {
    parseSpec(text, FILE);
    return [];
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => d.code);
    throw err;
  }
}

describe('two spec keys that are one key to ASP.NET', () => {
  test.each([
    ['Custom.Key', 'custom.KEY'],
    ['Straße', 'STRAßE'],
    ['ÉCOLE', 'école'],
  ])('%s and %s: spec.duplicate-app-setting at the second key', (a, b) => {
    expect(codes(spec([a, b]))).toEqual(['spec.duplicate-app-setting']);
  });
  test.each([
    // JavaScript folds these together; .NET does not: two keys, both written.
    ['Straße', 'STRASSE'],
    ['ıd', 'ID'],
    ['ſet', 'SET'],
  ])('%s and %s are distinct keys, as .NET sees them', (a, b) => {
    expect(codes(spec([a, b]))).toEqual([]);
    const text = '<configuration><appSettings></appSettings></configuration>';
    const both = setAppSetting(setAppSetting(text, a, '1', 'f'), b, '2', 'f');
    expect(readAppSettings(both, 'f').map((s) => [s.key, s.value])).toEqual([[a, '1'], [b, '2']]);
  });
  test('with the assumption switched off, keys that differ in case are distinct', () => {
    expect(codes(spec(['Custom.Key', 'custom.KEY'], 'assumptions:\n  app-setting-keys-case-insensitive: false\n'))).toEqual([]);
  });
  test('a web.config with Straße and STRASSE is not a duplicate-key file', () => {
    const text = '<configuration><appSettings><add key="Straße" value="1"/><add key="STRASSE" value="2"/></appSettings></configuration>';
    expect(readAppSettings(text, 'f')).toHaveLength(2);
    const again = '<configuration><appSettings><add key="Ab" value="1"/><add key="aB" value="2"/></appSettings></configuration>';
    expect(() => readAppSettings(again, 'f')).toThrow(/twice/);
  });
});

describe('ordinalIgnoreCaseKey against .NET itself', () => {
  test('every BMP code unit upper-cases as [string]::Equals(..., OrdinalIgnoreCase) says', () => {
    const pwsh = requirePwsh();
    // For each unit, the unit .NET's ToUpperInvariant gives when OrdinalIgnoreCase calls the two equal.
    const script =
      '$sb = New-Object Text.StringBuilder; for ($i = 0; $i -lt 0x10000; $i++) { if ($i -ge 0xD800 -and $i -le 0xDFFF) { continue }; ' +
      '$c = [string][char]$i; $u = $c.ToUpperInvariant(); if ($u -cne $c -and [string]::Equals($c, $u, [StringComparison]::OrdinalIgnoreCase)) { [void]$sb.Append(("{0:X4}>{1:X4} " -f $i, [int][char]$u[0])) } }; $sb.ToString()';
    const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(r.stderr).toBe('');
    const net = new Map(r.stdout.trim().split(/\s+/).map((p) => p.split('>').map((h) => parseInt(h, 16)) as [number, number]));
    expect(net.size).toBeGreaterThan(1000);
    const wrong: string[] = [];
    for (let i = 0; i < 0x10000; i++) {
      if (i >= 0xd800 && i <= 0xdfff) continue;
      const got = ordinalIgnoreCaseKey(String.fromCharCode(i)).charCodeAt(0);
      if (got !== (net.get(i) ?? i)) wrong.push(`U+${i.toString(16)}`);
    }
    expect(wrong).toEqual([]);
    expect(equalsOrdinalIgnoreCase('MSExchangeOWAAppPool', 'msexchangeowaapppool')).toBe(true);
    expect(equalsOrdinalIgnoreCase('ß', 'SS')).toBe(false);
  });
});
