/**
 * What Windows PowerShell 5.1 on an Exchange server refuses although pwsh 7, which runs every other test,
 * accepts it: C# in Add-Type that 5.1's compiler and default references cannot build (the health check's
 * certificate type once used HashSet<T> and would have failed on every server after IIS had restarted).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileAs51, DEFAULT_CACHE_DIR, describeFailure, locatePs51References, PS51_REFS_HINT, powershellSources, scanAddTypes } from '../helpers/ps51-addtype';
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
/** What ships: everything the scan read that is not one of this file's samples. */
const isShipped = (i: { file: string }): boolean => !i.file.startsWith('sample/');
const compiled = (file: string): CompileResult => {
  const found = results.filter((r) => r.block.file === `sample/${file}`);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/**
 * Loads the health check's certificate type, the very text restart.ps1 compiles, into pwsh 7 and asks its
 * callback about certificates that fail validation. pwsh 7 warns that ServicePointManager is obsolete in
 * .NET, hence -IgnoreWarnings here; restart.ps1 loads the type on 5.1 only, where nothing is obsolete.
 * pwsh starts at once and waits for the C# on stdin, so that its start-up overlaps the scan's.
 */
function startCertificateProbe(): { ask(source: string): Promise<Record<string, boolean>>; cancel(): void } {
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
  const child = spawn(pwsh, ['-NoProfile', '-NonInteractive', '-Command', probe], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Record<string, boolean>>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`the certificate callback probe did not start: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, boolean>) : reject(new Error(`the certificate callback probe failed (exit ${code}): ${stderr}`))));
  });
  return {
    ask: (source) => {
      child.stdin.end(source);
      return done;
    },
    cancel: () => {
      done.catch(() => undefined);
      child.kill();
    },
  };
}

beforeAll(async () => {
  // The probe's pwsh and the scan's start side by side; the compilers and the probe's question then run
  // side by side too.
  const probe = startCertificateProbe();
  scan = await scanAddTypes([...shipped, ...samples], pwsh);
  const certificate = scan.blocks.find((b) => isShipped(b) && b.source.includes('class HybridcfgOwnCertificate'));
  if (!certificate) probe.cancel();
  [results, trusted] = await Promise.all([
    compileAs51(
      scan.blocks.filter((b) => !b.file.startsWith('sample/forms')),
      locatePs51References(),
    ),
    certificate ? probe.ask(certificate.source) : Promise.resolve({}),
  ]);
});

describe('every Add-Type compiles as Windows PowerShell 5.1 compiles it', () => {
  test('the scan reads the scripts and the fake module, and finds the health check type of restart.ps1', () => {
    expect(shipped.map((s) => s.file)).toEqual(expect.arrayContaining([expect.stringMatching(/(^|\/)restart\.ps1$/), expect.stringMatching(/(^|\/)FakeExchange\.psm1$/)]));
    expect(scan.blocks.filter(isShipped).map((b) => `${path.basename(b.file)}: ${/public static class (\w+)/.exec(b.source)?.[1]}`)).toContain('restart.ps1: HybridcfgOwnCertificate');
  });

  test('no Add-Type in the shipped scripts is in a form the check cannot read', () => {
    expect(scan.problems.filter((p) => !p.startsWith('sample/'))).toEqual([]);
  });

  test('each block compiles with C# 5 against .NET Framework 4.8, mscorlib, System, System.Management.Automation and what it names', () => {
    const mine = results.filter((r) => isShipped(r.block));
    expect(mine.map((r) => r.block)).toEqual(scan.blocks.filter(isShipped));
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

  test('searches every *.ps1 and *.psm1 under powershell/ and src/, not installed packages or build output', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-ps-roots-'));
    const put = (file: string, text = 'Write-Output 1'): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    try {
      put('powershell/scripts/restart.ps1', '\uFEFFparam()');
      put('powershell/FakeExchange/FakeExchange.psm1');
      put('src/resources/web-config/web-config.ps1');
      put('src/resources/partner-application/Helpers.PSM1');
      put('src/resources/web-config/web-config.ts', 'export {};');
      put('src/node_modules/some-package/install.ps1');
      put('powershell/dist/restart.ps1');
      put('dist/resources/web-config/web-config.ps1');
      put('scripts/elsewhere.ps1');
      expect(powershellSources(root)).toEqual([
        { file: 'powershell/FakeExchange/FakeExchange.psm1', text: 'Write-Output 1' },
        // The byte-order mark PowerShell ignores is not part of the text either.
        { file: 'powershell/scripts/restart.ps1', text: 'param()' },
        { file: 'src/resources/partner-application/Helpers.PSM1', text: 'Write-Output 1' },
        { file: 'src/resources/web-config/web-config.ps1', text: 'Write-Output 1' },
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('what pwsh found in a source is kept for the next run, and a source that changes is read again', async () => {
    // beforeAll's scan left every source in the cache: reading them again needs no pwsh at all.
    const noPwsh = path.join(os.tmpdir(), 'hybridcfg-no-such-pwsh');
    await expect(scanAddTypes([...shipped, ...samples], noPwsh)).resolves.toEqual(scan);
    const changed = { ...samples[0]!, text: `${samples[0]!.text}\n# changed` };
    await expect(scanAddTypes([changed], noPwsh, { cacheDir: null })).rejects.toThrow(/read-addtype\.ps1 failed/);
    await expect(scanAddTypes([changed], noPwsh)).rejects.toThrow(/read-addtype\.ps1 failed/);
  });

  test('a verdict is kept for the next run, and a block that changes is compiled again', async () => {
    // A copy of what this run kept (beforeAll compiled the samples), so that the block changed below leaves
    // nothing behind in the real cache.
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-ps51-cache-'));
    try {
      fs.cpSync(DEFAULT_CACHE_DIR, cacheDir, { recursive: true });
      const warning = compiled('warning.ps1');
      // The same C#, now with -IgnoreWarnings: another verdict, so the compiler runs.
      const blocks = [warning.block, { ...warning.block, ignoreWarnings: true }];
      const refs = locatePs51References();
      const first = await compileAs51(blocks, refs, { cacheDir });
      expect(first.map((r) => [r.ok, r.cached])).toEqual([[false, true], [true, false]]);
      // The messages name the script, never a run's temp folder, so a kept verdict reads as a fresh one.
      expect(first[0]!.messages).toEqual(warning.messages);
      const again = await compileAs51(blocks, refs, { cacheDir });
      expect(again.map((r) => [r.ok, r.cached])).toEqual([[false, true], [true, true]]);
      expect(again.map((r) => r.messages)).toEqual(first.map((r) => r.messages));
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
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

