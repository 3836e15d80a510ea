/**
 * Issue 13 #13: numbers in the spec stay within what the code can honour (a timer longer than Node's
 * 2^31-1 ms fires at once), and names from the live state with terminal control characters are shown
 * escaped by every text view, never sent raw to the terminal.
 */
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { renderApplyResult } from '../../src/views/apply-text';
import { renderDiagnostic } from '../../src/views/diagnostics';
import { renderPlanText } from '../../src/views/plan-text';
import { parseSpec } from '../helpers/spec';
import { plan } from '../helpers/plans';

const FILE = path.join(tmpdir(), 'bounds.yaml');
function codes(text: string): string[] {
  try {
    parseSpec(text, FILE);
    return [];
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => d.code);
    throw err;
  }
}
const labSpec = (restart: string) =>
  `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nrestart:\n${restart}webConfigs:\n  - file: FrontEnd/HttpProxy/rest/web.config\n    appSettings:\n      Custom.Key: v\n`;
const psSpec = (timeout: string) =>
  `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  powershell:\n    exchange: local\n    timeoutSeconds: ${timeout}\nservers: all\nwebConfigs:\n  - file: FrontEnd/HttpProxy/rest/web.config\n    appSettings:\n      Custom.Key: v\n`;
const health = (t: string) => `  rolling:\n    healthCheck:\n      paths: [/owa/healthcheck.htm]\n      timeoutSeconds: ${t}\n`;

describe('numbers the code can honour', () => {
  test.each(['3601', '1e10', '2147484', '.inf', '.nan'])('healthCheck.timeoutSeconds %s is refused', (t) => {
    expect(codes(labSpec(health(t))).length).toBeGreaterThan(0);
  });
  test.each(['86401', '1e10', '.inf', '.nan'])('target.powershell.timeoutSeconds %s is refused', (t) => {
    expect(codes(psSpec(t)).length).toBeGreaterThan(0);
  });
  test.each(['10001', '1e300', '.inf'])('maxUnavailable %s is refused', (n) => {
    expect(codes(labSpec(`  rolling:\n    maxUnavailable: ${n}\n`)).length).toBeGreaterThan(0);
  });
  test('the largest accepted values keep every timer of one call within 2^31-1 ms', () => {
    expect(codes(labSpec(health('3600')))).toEqual([]);
    expect(codes(psSpec('86400'))).toEqual([]);
    // One PowerShell call waits its own timeout, the health check and iisreset's (src/targets/powershell).
    expect((86400 + 3600 + 300 + 60) * 1000).toBeLessThan(2 ** 31 - 1);
  });
});

describe('control characters from the live state never reach the terminal raw', () => {
  const EVIL = ['EX01\u001b]0;pwned\u0007', 'EX02\u001b[2J\u001b[H', 'EX03\r\u009b31m', 'EX04\u202e1cod.exe', 'EX05\nApply complete.'];
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  test('the plan view', () => {
    const p = plan([], {
      servers: EVIL,
      builds: Object.fromEntries(EVIL.map((s) => [s, '15.2.1748.43\u001b[31m'])),
      restarts: EVIL.map((server) => ({ server, mode: 'appPools' as const, appPools: ['Pool\u001b[8m'], reasons: ['web.config changed: a\u001bb'] })),
    });
    const text = renderPlanText(p, { color: false });
    expect(text).not.toMatch(raw);
    expect(text).toContain('EX01\\u001b]0;pwned\\u0007');
    // A name cannot forge a line of its own.
    expect(text.split('\n').some((l) => l.startsWith('Apply complete.'))).toBe(false);
  });
  test('the apply result and the diagnostics', () => {
    const result = {
      status: 'failed' as const,
      organization: [{ kind: 'partnerApplication', address: 'a', title: 'App\u001b[2J', done: true, state: 'done' as const }],
      servers: EVIL.map((server) => ({ server, outcome: 'failed' as const, written: ['x\u001b'], backups: [], restarted: false, message: 'boom\u0007' })),
      rollback: { complete: false, notes: ['EX01\u001b[2J: could NOT restore'] },
      diagnostics: [],
    };
    const text = renderApplyResult(result, plan([]));
    expect(text).not.toMatch(raw);
    expect(text.split('\n').some((l) => l.startsWith('Apply complete.'))).toBe(false);
    const d = renderDiagnostic({ severity: 'error', code: 'x', summary: 'EX01\u001b]0;t\u0007 is unreachable', detail: 'line one\u001b[2J\nline two' }, { color: false });
    expect(d).not.toMatch(raw);
    expect(d).toContain('line one\\u001b[2J\n');
  });
});
