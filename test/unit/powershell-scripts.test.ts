/** Script generation, PS 5.1 compatibility, error classification and shell lookup: no PowerShell needed. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { classifyError } from '../../src/targets/powershell/errors';
import type { CallContext } from '../../src/targets/powershell/errors';
import { DATA_MAX_CHARS, DATA_MAX_DEPTH, POWERSHELL_DIR, PS51_CONVERTFROM_JSON_MAX_CHARS, PS51_CONVERTFROM_JSON_MAX_DEPTH, commandLine, jsonDepth, extractFrame, scriptText } from '../../src/targets/powershell/scripts';
import type { ScriptName } from '../../src/targets/powershell/scripts';
import { REGISTRY } from '../../src/resources/registry';
import { findShell } from '../../src/targets/powershell/shell';

export const HOSTILE = [
  '$(New-Item -ItemType File marker-from-hostile)',
  "it's",
  'say "hi"',
  'back`tick',
  'a; Remove-Item -Recurse /',
  'line1\nline2\r\n',
  ']]>',
  'a & b',
  '@{x=1}',
  "'; exit; '",
];

const SCRIPTS: readonly ScriptName[] = ['connect', 'read-organization', 'set-organization', 'state-call', 'read-server', 'set-server', 'restart', 'state'];

/** Every resource kind's script, as the target sends them with the generic scripts. */
const KIND_SCRIPTS = REGISTRY.kinds.flatMap((k) => (k.drivers.powershell ? [k.drivers.powershell.script] : []));

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

describe('command lines carry values as data only', () => {
  const data = {
    applicationIdentifier: HOSTILE[0],
    update: { Name: HOSTILE[1], Realm: HOSTILE[2], LinkedAccount: HOSTILE[3], ActAsPermissions: HOSTILE, AppOnlyPermissions: HOSTILE },
    files: HOSTILE,
    writes: [{ file: HOSTILE[4], base64: Buffer.from(HOSTILE.join('')).toString('base64'), expectedSha256: HOSTILE[5] }],
    appPools: HOSTILE,
    connectionUri: HOSTILE[6],
  };
  const route = { nonce: 'abc', call: 'readServer', transport: 'winrm' as const, server: { name: HOSTILE[7]!, fqdn: HOSTILE[8]! }, log: { call: 'x', applicationIdentifier: HOSTILE[9] }, failCode: 'target.read-failed' };
  const blob = Buffer.from(HOSTILE.join(''), 'utf8');

  test.each(SCRIPTS)('%s: no hostile value appears in the line or in the script it runs', (name) => {
    const line = commandLine(name, data, route, KIND_SCRIPTS, blob);
    for (const h of HOSTILE) {
      expect(line).not.toContain(h);
      expect(scriptText(name, KIND_SCRIPTS)).not.toContain(h);
    }
    // Outside the fixed prefix the line is quoted base64 only: nothing PowerShell could expand.
    const args = line.slice(line.indexOf(')))) ') + 5);
    expect(args).toMatch(/^'[A-Za-z0-9+/=]+' '[A-Za-z0-9+/=]+' '[A-Za-z0-9+/=]+' '[A-Za-z0-9+/=]*'$/);
    expect(line).not.toMatch(/[\r\n"`$]/);
  });

  test('the data, the route and the blob arrive intact', () => {
    const line = commandLine('set-organization', data, route, KIND_SCRIPTS, blob);
    const [script, d, r, b] = [...line.matchAll(/'([A-Za-z0-9+/=]*)'/g)].slice(1).map((m) => m[1]!);
    expect(decode(script!)).toBe(scriptText('set-organization', KIND_SCRIPTS));
    expect(JSON.parse(decode(d!))).toEqual(data);
    expect(JSON.parse(decode(r!))).toEqual(route);
    expect(Buffer.from(b!, 'base64')).toEqual(blob);
  });

  test("data Windows PowerShell 5.1's ConvertFrom-Json could refuse is not sent: the error says how many characters and what to do", () => {
    const journal = { op: 'append', line: 'x'.repeat(DATA_MAX_CHARS) };
    let thrown: unknown;
    try {
      commandLine('state-call', journal, route);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DiagnosticError);
    const d = (thrown as DiagnosticError).diagnostics[0]!;
    expect(d.code).toBe('powershell.data-too-large');
    expect(d.summary).toMatch(/^The data for state-call\.ps1 is 1,048,601 characters of JSON, more than the 1,048,576/);
    expect(d.detail).toContain('2,097,152');
    expect(d.detail).toContain('--servers');
    // One character under the bound goes through: the limit is the bound, not a round number near it.
    expect(() => commandLine('state-call', { ...journal, line: 'x'.repeat(DATA_MAX_CHARS - JSON.stringify({ op: 'append', line: '' }).length) }, route)).not.toThrow();
    expect(DATA_MAX_CHARS * 2).toBe(PS51_CONVERTFROM_JSON_MAX_CHARS);
  });

  test("data nested deeper than 5.1's ConvertFrom-Json could be given is not sent either", () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < DATA_MAX_DEPTH; i++) deep = [deep];
    expect(jsonDepth(deep)).toBe(DATA_MAX_DEPTH + 1);
    expect(() => commandLine('state-call', deep, route)).toThrow(/nests deeper than 20 levels/);
    expect(() => commandLine('state-call', (deep as unknown[])[0], route)).not.toThrow();
    // Depth as 5.1 counts it (test/helpers/ps51-json.ts pins the same rule against its source).
    expect([jsonDepth(1), jsonDepth([]), jsonDepth({}), jsonDepth([1]), jsonDepth({ a: [1, 2] })]).toEqual([1, 1, 1, 2, 3]);
    expect(DATA_MAX_DEPTH).toBeLessThan(PS51_CONVERTFROM_JSON_MAX_DEPTH);
  });

  test('server scripts carry their helpers after param()', () => {
    for (const name of ['read-server', 'set-server', 'restart', 'state'] as const) {
      const text = scriptText(name, KIND_SCRIPTS);
      expect(text).toMatch(/^(#.*\n)*param\(\[string\]\$DataB64(, \[string\]\$BlobB64)?\)\n/);
      expect(text).toContain('function Get-HcInstallPath');
    }
  });

  test('organisation scripts carry the lock server and state helpers after param()', () => {
    for (const name of ['read-organization', 'set-organization', 'state-call'] as const) {
      const text = scriptText(name);
      expect(text).toMatch(/^(#.*\n)*param\(\[string\]\$DataB64(, \[string\]\$BlobB64)?\)\n/);
      expect(text).toContain('function Invoke-HcState');
      expect(text).not.toContain('function Get-HcInstallPath');
    }
  });

  test('the result frame is found only with the call nonce', () => {
    const body = Buffer.from(JSON.stringify({ ok: true, result: { a: 1 } })).toString('base64');
    const out = `banner HYBRIDCFG-other-BEGINxxHYBRIDCFG-other-END\nHYBRIDCFG-n1-BEGIN${body}HYBRIDCFG-n1-END\n`;
    expect(extractFrame(out, 'n1')).toEqual({ ok: true, result: { a: 1 } });
    expect(extractFrame('no frame here', 'n1')).toBeUndefined();
  });
});

describe('every shipped script runs on Windows PowerShell 5.1', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ps(m|d)?1$/.test(e.name)) files.push(p);
    }
  };
  walk(POWERSHELL_DIR);
  // The resource kinds' scripts live beside their code.
  files.push(...KIND_SCRIPTS);

  /** Code only: comments removed, so that prose may mention anything. */
  const code = (text: string): string =>
    text
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .map((l) => l.replace(/\s#\s.*$/, ''))
      .join('\n');

  const PS7_ONLY: readonly [string, RegExp][] = [
    ['null-coalescing ??', /\?\?/],
    ['null-conditional ?. or ?[', /\?\.|\?\[/],
    ['ternary a ? b : c', /[\w)\]'"]\s+\?\s+[^\s{][^:\n]*\s:\s/],
    ['pipeline chain && or ||', /&&|\|\|/],
    ['ConvertFrom-Json -AsHashtable', /-AsHashtable/i],
    ['ForEach-Object -Parallel', /-Parallel/i],
    ['clean block', /^\s*clean\s*\{/m],
  ];

  test('the scan covers the scripts and the fake module', () => {
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining(['envelope.ps1', 'set-server.ps1', 'web-config.ps1', 'partner-application.ps1', 'FakeExchange.psm1', 'FakeExchange.psd1']));
  });

  test.each(PS7_ONLY)('no %s', (_what, pattern) => {
    const offenders = files.filter((f) => pattern.test(code(fs.readFileSync(f, 'utf8'))));
    expect(offenders).toEqual([]);
  });

  test('the scan catches PS7-only syntax', () => {
    const samples = ['$a = $b ?? 1', '$x?.Name', '$v = $ok ? 1 : 2', 'git pull && make', 'ConvertFrom-Json -AsHashtable'];
    for (const s of samples) expect(PS7_ONLY.some(([, p]) => p.test(code(s)))).toBe(true);
  });

  test('every ConvertTo-Json names its -Depth', () => {
    for (const f of files) {
      for (const line of code(fs.readFileSync(f, 'utf8')).split('\n')) {
        if (/ConvertTo-Json/.test(line)) expect(`${path.basename(f)}: ${line}`).toMatch(/-Depth \d+/);
      }
    }
  });
});

describe('PowerShell errors become diagnostics an administrator understands', () => {
  const ex02 = { Name: 'EX02', Fqdn: 'EX02.contoso.lab' };
  const TABLE: readonly [string, CallContext, string, string][] = [
    [
      'Connecting to remote server EX02.contoso.lab failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.',
      { call: 'readServer', server: ex02 },
      'target.unreachable',
      'EX02 (EX02.contoso.lab) is unreachable: WinRM cannot complete the operation',
    ],
    [
      'Connecting to remote server EX02.contoso.lab failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.',
      { call: 'writeFiles', server: ex02, what: 'Writing web.config', failCode: 'target.write-failed' },
      'target.access-denied',
      'Access denied on EX02 (EX02.contoso.lab)',
    ],
    [
      'The user "CONTOSO\\svc-hybridcfg" isn\'t assigned to any management roles.',
      { call: 'readOrganization' },
      'target.rbac',
      'Your account may not change this in Exchange',
    ],
    [
      "The term 'Get-PartnerApplication' is not recognized as the name of a cmdlet, function, script file, or operable program.",
      { call: 'readOrganization' },
      'target.cmdlet-missing',
      'Get-PartnerApplication is not available in the PowerShell session',
    ],
    [
      "A parameter cannot be found that matches parameter name 'AppOnlyPermissions'.",
      { call: 'setPartnerApplication', subject: 'partner application 00000003-0000-0000-c000-000000000000', what: 'Set-PartnerApplication', failCode: 'target.set-failed' },
      'target.parameter-missing',
      'Set-PartnerApplication in this session has no -AppOnlyPermissions parameter',
    ],
    [
      '[target.file-changed] FrontEnd/HttpProxy/rest/web.config changed since the plan was made (sha256 a, plan expected b). Nothing was written.',
      { call: 'writeFiles', server: ex02, what: 'Writing web.config', failCode: 'target.write-failed' },
      'target.file-changed',
      'FrontEnd/HttpProxy/rest/web.config changed since the plan was made',
    ],
    [
      'Active Directory operation failed on DC01.contoso.lab. This error is not retriable.',
      { call: 'setPartnerApplication', subject: 'partner application 00000003-0000-0000-c000-000000000000', what: 'Set-PartnerApplication', failCode: 'target.set-failed' },
      'target.set-failed',
      'Set-PartnerApplication failed on partner application 00000003-0000-0000-c000-000000000000',
    ],
  ];

  test.each(TABLE)('%s', (message, ctx, code, summary) => {
    const d = classifyError({ message, fqid: 'X' }, ctx);
    expect(d.code).toBe(code);
    expect(d.severity).toBe('error');
    expect(d.summary).toContain(summary);
    expect(d.detail).toBeTruthy();
  });

  test('RBAC and a missing snap-in point at the role group and the Exchange shell', () => {
    const d = classifyError({ message: "The term 'Set-PartnerApplication' is not recognized as a name of a cmdlet, function, script file, or executable program." }, { call: 'setPartnerApplication' });
    expect(d.detail).toMatch(/Organization Management/);
    expect(d.detail).toMatch(/exchange: local|connectionUri/);
  });
});

describe('finding PowerShell', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-noshell-'));
  const lookup = { env: { PATH: empty }, platform: 'linux' as const, home: empty };

  test('a missing shell is a diagnostic naming what was looked for', () => {
    let caught: unknown;
    try {
      findShell(undefined, lookup);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DiagnosticError);
    const d = (caught as DiagnosticError).diagnostics[0]!;
    expect(d.code).toBe('target.shell-missing');
    expect(d.summary).toContain('pwsh on PATH');
    expect(d.summary).toContain(path.join(empty, '.dotnet', 'tools', 'pwsh'));
    expect(d.detail).toMatch(/target\.powershell\.shell/);
  });

  test('a named path that does not exist is reported as that path', () => {
    expect(() => findShell('/nowhere/pwsh', lookup)).toThrow(/\/nowhere\/pwsh/);
  });

  test('HYBRIDCFG_PWSH, then PATH, then ~/.dotnet/tools/pwsh', () => {
    const bin = path.join(empty, 'bin');
    const tools = path.join(empty, '.dotnet', 'tools');
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(tools, { recursive: true });
    fs.writeFileSync(path.join(tools, 'pwsh'), '');
    expect(findShell(undefined, lookup)).toBe(path.join(tools, 'pwsh'));
    fs.writeFileSync(path.join(bin, 'pwsh'), '');
    expect(findShell(undefined, { ...lookup, env: { PATH: bin } })).toBe(path.join(bin, 'pwsh'));
    fs.writeFileSync(path.join(empty, 'custom'), '');
    expect(findShell(undefined, { ...lookup, env: { PATH: bin, HYBRIDCFG_PWSH: path.join(empty, 'custom') } })).toBe(path.join(empty, 'custom'));
  });
});
