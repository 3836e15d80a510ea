/**
 * What Windows PowerShell 5.1 on an Exchange server refuses although pwsh 7, which runs every other test,
 * accepts it: C# in Add-Type that 5.1's compiler and default references cannot build (the health check's
 * certificate type once used HashSet<T> and would have failed on every server after IIS had restarted).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileAs51, describeFailure, locatePs51References, PS51_REFS_HINT, powershellSources, scanAddTypes } from '../helpers/ps51-addtype';
import type { AddTypeScan, CompileResult, PsSource } from '../helpers/ps51-addtype';
import { requirePwsh } from '../helpers/pwsh';

const pwsh = requirePwsh();

/** Samples that show what the check refuses and accepts, read and compiled together with the shipped scripts. */
const HASHSET = "@'\nusing System.Collections.Generic;\npublic static class Hosts { static readonly HashSet<string> S = new HashSet<string>(); public static bool Has(string h) { return S.Contains(h); } }\n'@";
const WARNING = "@'\npublic static class Warns { public static void F() { int unused; } }\n'@";
const COMPILED: Readonly<Record<string, string>> = {
  'hashset.ps1': `Add-Type -TypeDefinition ${HASHSET}`,
  'hashset-core.ps1': `Add-Type -ReferencedAssemblies System.Core -TypeDefinition ${HASHSET}`,
  'csharp6.ps1': "Add-Type -TypeDefinition @'\npublic static class Six { public static string Hi(string n) { return $\"hi {n}\"; } }\n'@",
  'warning.ps1': `Add-Type -TypeDefinition ${WARNING}`,
  'warning-ignored.ps1': `Add-Type -TypeDefinition ${WARNING} -IgnoreWarnings`,
};
const FORMS = [
  [
    "Add-Type -TypeDefinition @'",
    'public static class A { }',
    "'@",
    'if ($true) {',
    '    Add-Type -ReferencedAssemblies System.Core, \'System.Xml\' -TypeDef @"',
    'public static class B { public static string Q = "`"q`""; }',
    '"@ -IgnoreWarnings',
    '}',
    "Microsoft.PowerShell.Utility\\Add-Type @'",
    'public static class C { }',
    "'@",
    "# Add-Type -TypeDefinition $inAComment is prose, not code",
  ].join('\n'),
];
const UNREADABLE = [
  'Add-Type -TypeDefinition $source',
  'Add-Type @parameters',
  'Add-Type -TypeDefinition @"\npublic class D { string s = "$env:COMPUTERNAME"; }\n"@',
  'Add-Type -Path ./Helper.cs',
  'Add-Type -MemberDefinition $signature -Name Native',
  "Add-Type -ReferencedAssemblies $refs -TypeDefinition 'public class E { }'",
  "Add-Type -CompilerParameters $cp -TypeDefinition 'public class F { }'",
  "Add-Type -Language VisualBasic -TypeDefinition 'Public Class G : End Class'",
  'Invoke-Expression "Add-Type -TypeDefinition \'public class H { }\'"',
  "$code = @'\nAdd-Type -TypeDefinition \"public class I { }\"\n'@",
];

const shipped = powershellSources();
const samples: PsSource[] = [
  ...Object.entries(COMPILED).map(([file, text]) => ({ file: `sample/${file}`, text })),
  { file: 'sample/forms.ps1', text: FORMS[0]! },
  ...UNREADABLE.map((text, i) => ({ file: `sample/unreadable${i}.ps1`, text })),
];
let scan: AddTypeScan;
let results: CompileResult[];
let trusted: Record<string, boolean>;
const inFile = <T extends { file: string }>(items: readonly T[], prefix: string): T[] => items.filter((i) => i.file.startsWith(prefix));
const compiled = (file: string): CompileResult => {
  const found = results.filter((r) => r.block.file === `sample/${file}`);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/**
 * Loads the health check's certificate type, the very text restart.ps1 compiles, into pwsh 7 and asks its
 * callback about certificates that fail validation. pwsh 7 warns that ServicePointManager is obsolete in
 * .NET, hence -IgnoreWarnings here; restart.ps1 loads the type on 5.1 only, where nothing is obsolete.
 */
function askCertificateCallback(source: string): Promise<Record<string, boolean>> {
  const probe = `
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition ([Console]::In.ReadToEnd()) -IgnoreWarnings -WarningAction SilentlyContinue
[HybridcfgOwnCertificate]::Trust('EX01.contoso.lab')
$callback = [Net.ServicePointManager]::ServerCertificateValidationCallback
$mismatch = [Net.Security.SslPolicyErrors]::RemoteCertificateNameMismatch
$answers = [ordered]@{}
foreach ($url in 'https://ex01.contoso.lab/owa/healthcheck.htm', 'https://EX02.contoso.lab/owa/healthcheck.htm', 'https://ex01.contoso.lab.example/owa/healthcheck.htm') {
    $answers[$url] = $callback.Invoke([Net.WebRequest]::Create($url), $null, $null, $mismatch)
}
$answers['a sender that is not a web request'] = $callback.Invoke('EX01.contoso.lab', $null, $null, $mismatch)
$answers['a certificate with no errors'] = $callback.Invoke('anything', $null, $null, [Net.Security.SslPolicyErrors]::None)
[Console]::Out.Write((ConvertTo-Json -InputObject $answers -Compress))
`;
  return new Promise((resolve, reject) => {
    const child = execFile(pwsh, ['-NoProfile', '-NonInteractive', '-Command', probe], { encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`the certificate callback probe failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout) as Record<string, boolean>),
    );
    child.stdin!.end(source);
  });
}

beforeAll(async () => {
  // One pwsh reads every source; the compilers and the callback probe then run side by side.
  scan = await scanAddTypes([...shipped, ...samples], pwsh);
  const certificate = scan.blocks.find((b) => b.file === 'powershell/scripts/restart.ps1' && b.source.includes('class HybridcfgOwnCertificate'));
  [results, trusted] = await Promise.all([
    compileAs51(
      scan.blocks.filter((b) => !b.file.startsWith('sample/forms')),
      locatePs51References(),
    ),
    certificate ? askCertificateCallback(certificate.source) : Promise.resolve({}),
  ]);
});

describe('every Add-Type compiles as Windows PowerShell 5.1 compiles it', () => {
  test('the scan reads the scripts and the fake module, and finds the health check type of restart.ps1', () => {
    expect(shipped.map((s) => s.file)).toEqual(expect.arrayContaining(['powershell/scripts/restart.ps1', 'powershell/FakeExchange/FakeExchange.psm1']));
    expect(inFile(scan.blocks, 'powershell/').map((b) => `${b.file}: ${/public static class (\w+)/.exec(b.source)?.[1]}`)).toContain(
      'powershell/scripts/restart.ps1: HybridcfgOwnCertificate',
    );
  });

  test('no Add-Type in the shipped scripts is in a form the check cannot read', () => {
    expect(scan.problems.filter((p) => p.startsWith('powershell/'))).toEqual([]);
  });

  test('each block compiles with C# 5 against .NET Framework 4.8, mscorlib, System, System.Management.Automation and what it names', () => {
    const mine = results.filter((r) => r.block.file.startsWith('powershell/'));
    expect(mine.map((r) => r.block)).toEqual(inFile(scan.blocks, 'powershell/'));
    expect(mine.filter((r) => !r.ok).map(describeFailure)).toEqual([]);
  });

  test("the health check's certificate callback trusts a failing certificate only for the host names it was given", () => {
    expect(trusted).toEqual({
      'https://ex01.contoso.lab/owa/healthcheck.htm': true,
      'https://EX02.contoso.lab/owa/healthcheck.htm': false,
      'https://ex01.contoso.lab.example/owa/healthcheck.htm': false,
      'a sender that is not a web request': false,
      'a certificate with no errors': true,
    });
  });
});

describe('the 5.1 compile check itself', () => {
  test('finds C# in both here-string forms, positional or named, with its references and its line', () => {
    expect(scan.problems.filter((p) => p.startsWith('sample/forms'))).toEqual([]);
    expect(inFile(scan.blocks, 'sample/forms')).toEqual([
      { file: 'sample/forms.ps1', line: 1, firstLine: 2, source: 'public static class A { }', references: [], ignoreWarnings: false },
      // @"..."@ arrives as PowerShell passes it: backtick escapes applied.
      { file: 'sample/forms.ps1', line: 5, firstLine: 6, source: 'public static class B { public static string Q = ""q""; }', references: ['System.Core', 'System.Xml'], ignoreWarnings: true },
      { file: 'sample/forms.ps1', line: 9, firstLine: 10, source: 'public static class C { }', references: [], ignoreWarnings: false },
    ]);
  });

  test('an Add-Type it cannot read is reported with its line, never passed over', () => {
    expect(inFile(scan.blocks, 'sample/unreadable')).toEqual([]);
    // Every form is reported, each in its own file, at line 1 where it starts.
    expect(UNREADABLE.map((_f, i) => scan.problems.some((p) => p.startsWith(`sample/unreadable${i}.ps1:1: `)))).toEqual(UNREADABLE.map(() => true));
    expect(scan.problems.find((p) => p.startsWith('sample/unreadable2.ps1'))).toMatch(/expands at run time/);
    expect(scan.problems.find((p) => p.startsWith('sample/unreadable3.ps1'))).toMatch(/-Path is not checked/);
  });

  test('System.Core types fail without -ReferencedAssemblies System.Core, as on a 5.1 server, and compile with it', () => {
    const without = compiled('hashset.ps1');
    expect(without.ok).toBe(false);
    expect(describeFailure(without)).toMatch(/^sample\/hashset\.ps1:1: [^\n]*\n {2}sample\/hashset\.ps1\(3,\d+\): error CS0246: The type or namespace name 'HashSet<>' could not be found/);
    expect(compiled('hashset-core.ps1')).toMatchObject({ ok: true, references: ['mscorlib.dll', 'System.dll', 'System.Management.Automation.dll', 'System.Core.dll'] });
  });

  test('C# 6 syntax fails (5.1 compiles C# 5), and so does a warning unless -IgnoreWarnings', () => {
    expect(compiled('csharp6.ps1').ok).toBe(false);
    expect(compiled('csharp6.ps1').messages.join('\n')).toMatch(/sample\/csharp6\.ps1\(2,\d+\): error CS8026: Feature 'interpolated strings' is not available in C# 5/);
    expect(compiled('warning.ps1').ok).toBe(false);
    expect(compiled('warning.ps1').messages.join('\n')).toMatch(/error CS0168/);
    expect(compiled('warning-ignored.ps1').ok).toBe(true);
  });

  test('missing reference packages fail with the way to get them', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-norefs-'));
    try {
      expect(() => locatePs51References(empty)).toThrow(PS51_REFS_HINT);
      expect(() => locatePs51References(empty)).toThrow(/Microsoft\.NETFramework\.ReferenceAssemblies\.net48 1\.0\.3 and PowerShellStandard\.Library 5\.1\.1/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

