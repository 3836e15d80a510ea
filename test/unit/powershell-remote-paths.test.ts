/**
 * The paths of the shipped scripts that only real servers take (WinRM to the lock server, the health
 * check's web requests), run on real pwsh through the real envelope, with Get-ExchangeServer,
 * Invoke-Command, iisreset and Invoke-WebRequest replaced by stand-ins defined in the same shell.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyError } from '../../src/targets/powershell/errors';
import type { PsError } from '../../src/targets/powershell/errors';
import { commandLine, extractFrame, scriptText } from '../../src/targets/powershell/scripts';
import type { ScriptName } from '../../src/targets/powershell/scripts';
import { requirePwsh } from '../helpers/pwsh';

const pwsh = requirePwsh();

/**
 * Servers as Exchange lists them. Ordinal comparison puts EX-9 first ('-' sorts before the digits);
 * culture-aware comparison may not (Windows' word sort ignores the hyphen), and must not decide.
 */
const SERVERS = `
function global:Get-ExchangeServer {
    [pscustomobject]@{ Name = 'EX2'; Fqdn = 'ex2.contoso.lab'; ServerRole = 'Mailbox' }
    [pscustomobject]@{ Name = 'EDGE-0'; Fqdn = 'edge-0.contoso.lab'; ServerRole = 'Edge' }
    [pscustomobject]@{ Name = 'EX10'; Fqdn = 'ex10.contoso.lab'; ServerRole = 'ClientAccess' }
    [pscustomobject]@{ Name = 'EX-9'; Fqdn = 'ex-9.contoso.lab'; ServerRole = 'Mailbox' }
}`;

/** Invoke-Command that "reaches" each computer as a folder of the test's own: ROOT/<computer>/. */
const winrm = (root: string) => `
function global:Invoke-Command([string]$ComputerName, [scriptblock]$ScriptBlock, [object[]]$ArgumentList) {
    $env:ExchangeInstallPath = [IO.Path]::Combine('${root}', $ComputerName) + [IO.Path]::DirectorySeparatorChar
    & $ScriptBlock @ArgumentList
}`;

type Envelope = { ok: true; result: any } | { ok: false; error: PsError };

function run(prelude: string, script: ScriptName, data: unknown, call = 'acquireLock'): Envelope {
  const nonce = 'n' + Math.random().toString(16).slice(2);
  const line = commandLine(script, data, { nonce, call, transport: 'session', log: { call }, failCode: 'target.read-failed' });
  const file = path.join(os.tmpdir(), `hybridcfg-remote-${nonce}.ps1`);
  writeFileSync(file, `${prelude}\n${line}\n`);
  const r = spawnSync(pwsh, ['-NoProfile', '-NonInteractive', '-File', file], { encoding: 'utf8', timeout: 60_000 });
  rmSync(file, { force: true });
  const frame = extractFrame(r.stdout, nonce) as Envelope | undefined;
  if (!frame) throw new Error(`no result frame: ${r.stdout}\n${r.stderr}`);
  return frame;
}

const state = (transport: 'winrm' | 'local') => ({ transport, scriptB64: Buffer.from(scriptText('state'), 'utf8').toString('base64') });

describe('the run state on the lock server, through WinRM', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-remote-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  test('the lock goes to the first client access server by ordinal name, and the organisation read finds it there', async () => {
    const holder = { runId: 'r1', command: 'apply', host: 'admin01', user: 'alice', pid: 7, startedAt: '2026-01-01T00:00:00.000Z' };
    const text = JSON.stringify(holder, null, 2) + '\n';
    const taken = run(SERVERS + winrm(root), 'state-call', { state: state('winrm'), operation: { op: 'acquire', text } });
    // The call says which lock server it used, so that later calls of the run need not look it up again.
    expect(taken).toEqual({ ok: true, result: { result: { acquired: true }, lockServer: { Name: 'EX-9', Fqdn: 'ex-9.contoso.lab' } } });
    expect(await fs.readdir(root)).toEqual(['ex-9.contoso.lab']);
    expect(await fs.readFile(path.join(root, 'ex-9.contoso.lab', 'hybridcfg', 'lock.json'), 'utf8')).toBe(text);

    const again = run(SERVERS + winrm(root), 'state-call', { state: state('winrm'), operation: { op: 'acquire', text: '{}' } });
    expect(again).toMatchObject({ ok: true, result: { result: { acquired: false, holder: text } } });

    // Told the lock server, a call does not ask Get-ExchangeServer again (one lookup per run).
    const told = run(`function global:Get-ExchangeServer { throw 'Get-ExchangeServer called' }\n${winrm(root)}`, 'state-call', {
      state: { ...state('winrm'), lockServer: { name: 'EX-9', fqdn: 'ex-9.contoso.lab' } },
      operation: { op: 'release', runId: 'r1' },
    });
    expect(told).toEqual({ ok: true, result: { result: { released: true }, lockServer: { Name: 'EX-9', Fqdn: 'ex-9.contoso.lab' } } });

    await fs.writeFile(path.join(root, 'ex-9.contoso.lab', 'hybridcfg', 'lock.json'), text);
    const org = run(`${SERVERS}${winrm(root)}`, 'read-organization', { state: state('winrm'), stateFiles: [], kinds: [] }, 'readOrganization');
    expect(org).toMatchObject({ ok: true, result: { state: { lock: text, lastRunStart: null, lastRunEnd: null }, lockServer: { Name: 'EX-9' } } });
    if (org.ok) expect(org.result.servers.map((s: { Name: string }) => s.Name)).toEqual(['EX2', 'EX10', 'EX-9']);
  });

  test('an unreachable lock server is named, with what it keeps, and nothing is written', async () => {
    const down = `
function global:Invoke-Command([string]$ComputerName) {
    throw (New-Object System.Management.Automation.Remoting.PSRemotingTransportException(('Connecting to remote server ' + $ComputerName + ' failed with the following error message : WinRM cannot complete the operation.')))
}`;
    const r = run(SERVERS + down, 'state-call', { state: state('winrm'), operation: { op: 'append', line: '{}\n' } }, 'appendJournal');
    if (r.ok) throw new Error('expected a failure');
    const d = classifyError(r.error, { call: 'appendJournal' });
    expect(d.code).toBe('target.lock-server-unreachable');
    expect(d.summary).toContain('The lock server EX-9 (ex-9.contoso.lab) keeps the lock, the journal and the partner application originals');
    expect(d.summary).toContain('WinRM cannot reach it');
    expect(await fs.readdir(root)).toEqual([]);
  });
});

describe('the health check after a restart (real polling, stand-in web requests)', () => {
  const iis = `
function global:iisreset { $global:HcReset = @($args); $global:LASTEXITCODE = 0; 'Internet services successfully restarted' }
function global:Get-Service([string[]]$Name) { foreach ($n in $Name) { [pscustomobject]@{ Name = $n; Status = 'Running' } } }
$global:HcAsked = @()
function global:Invoke-WebRequest {
    param([string]$Uri, [switch]$UseBasicParsing, [int]$TimeoutSec, [int]$MaximumRedirection, [switch]$SkipCertificateCheck)
    if (-not $SkipCertificateCheck -or $MaximumRedirection -ne 0 -or -not $UseBasicParsing) { throw ('unexpected options for ' + $Uri) }
    if ($Uri -like '*/ews/*') { throw 'The remote server returned an error: (503) Server Unavailable.' }
    [pscustomobject]@{ StatusCode = 200 }
}`;

  test('paths that answer 200 pass; one that never does fails with the URL and the last answer, as a result', () => {
    const r = run(iis, 'restart', { mode: 'iisreset', appPools: [], fqdn: 'ex1.contoso.lab', healthCheck: { paths: ['/owa/healthcheck.htm', 'ews/healthcheck.htm'], timeoutSeconds: 1 } }, 'restart');
    expect(r).toEqual({
      ok: true,
      result: {
        health: {
          ok: false,
          failures: [
            {
              path: 'ews/healthcheck.htm',
              reason: 'https://ex1.contoso.lab/ews/healthcheck.htm did not answer 200 OK within 1 s: The remote server returned an error: (503) Server Unavailable.',
            },
          ],
        },
      },
    });
  });

  test('no health check asked: the restart answers without one', () => {
    expect(run(iis, 'restart', { mode: 'iisreset', appPools: [], fqdn: 'ex1.contoso.lab', healthCheck: null }, 'restart')).toEqual({ ok: true, result: {} });
  });

  test('/api passes only with 401 and a Bearer challenge, as Invoke-WebRequest throws it (5.1: WebException.Response)', () => {
    const api = (auth: string, status: number) => `
function global:iisreset { $global:LASTEXITCODE = 0 }
function global:Get-Service([string[]]$Name) { foreach ($n in $Name) { [pscustomobject]@{ Name = $n; Status = 'Running' } } }
function global:Invoke-WebRequest {
    param([string]$Uri, [switch]$UseBasicParsing, [int]$TimeoutSec, [int]$MaximumRedirection, [switch]$SkipCertificateCheck)
    $ex = New-Object System.Net.WebException('The remote server returned an error: (${status}).')
    $ex | Add-Member -NotePropertyName Response -NotePropertyValue ([pscustomobject]@{ StatusCode = ${status}; Headers = @{ 'WWW-Authenticate' = '${auth}' } }) -Force
    throw $ex
}`;
    const request = { mode: 'iisreset', appPools: [], fqdn: 'ex1.contoso.lab', healthCheck: { paths: [], probes: [{ path: '/api/', expect: 'bearer-challenge' }], timeoutSeconds: 1 } };
    expect(run(api('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"', 401), 'restart', request, 'restart')).toEqual({ ok: true, result: { health: { ok: true, failures: [] } } });
    expect(run(api('Negotiate', 401), 'restart', request, 'restart')).toMatchObject({
      ok: true,
      result: { health: { ok: false, failures: [{ path: '/api/', reason: 'https://ex1.contoso.lab/api/ did not answer 401 with a Bearer challenge within 1 s: it answered 401 (WWW-Authenticate: Negotiate)' }] } },
    });
    expect(run(api('', 503), 'restart', request, 'restart')).toMatchObject({ ok: true, result: { health: { ok: false, failures: [{ reason: expect.stringContaining('it answered 503') }] } } });
  });
});

describe('restarts as real servers take them', () => {
  const windir = (root: string) => `$env:windir = '${root}'\n`;
  const appcmd = (root: string, exit: number, output: string) => `
New-Item -ItemType Directory -Force -Path '${root}/System32/inetsrv' | Out-Null
Set-Content -LiteralPath '${root}/System32/inetsrv/appcmd.exe' -Value ''
function global:Invoke-StandInAppcmd { $global:HcAppcmd += ,@($args); $global:LASTEXITCODE = ${exit}; '${output}' }
$global:HcAppcmd = @()
Set-Alias -Name ([IO.Path]::Combine('${root}', 'System32', 'inetsrv', 'appcmd.exe')) -Value Invoke-StandInAppcmd -Scope Global
`;
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-restart-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  test('pools are recycled with appcmd, one call each, by name; never through WebAdministration', () => {
    const r = run(windir(root) + appcmd(root, 0, '"x" successfully recycled') + 'function global:Restart-WebAppPool { throw "WebAdministration used" }', 'restart', { mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool', 'MSExchangeOWAAppPool'], fqdn: 'ex1', healthCheck: null }, 'restart');
    expect(r).toEqual({ ok: true, result: {} });
  });

  test("appcmd's exit code decides: a failure names the pool, the code and what appcmd said", () => {
    const r = run(windir(root) + appcmd(root, 50, 'ERROR ( message:Cannot find APPPOOL object with identifier "Nope". )'), 'restart', { mode: 'appPools', appPools: ['Nope'], fqdn: 'ex1', healthCheck: null }, 'restart');
    if (r.ok) throw new Error('expected a failure');
    const d = classifyError(r.error, { call: 'restart', server: { Name: 'EX1', Fqdn: 'ex1' } });
    expect(d.code).toBe('target.restart-failed');
    expect(d.summary).toContain('appcmd recycle apppool /apppool.name:Nope failed (exit code 50): ERROR ( message:Cannot find APPPOOL object');
  });

  test('a missing appcmd.exe is named, with the way out', () => {
    const r = run(windir(root), 'restart', { mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool'], fqdn: 'ex1', healthCheck: null }, 'restart');
    if (r.ok) throw new Error('expected a failure');
    expect(r.error.message).toContain('appcmd.exe is missing, so no application pool can be recycled. Use restart.mode: iisreset');
  });

  test('iisreset gets a stop timeout long enough for Exchange, and W3SVC and WAS must run afterwards', () => {
    const stopped = `
function global:iisreset { $global:HcReset = @($args); $global:LASTEXITCODE = 0 }
function global:Get-Service([string[]]$Name) { foreach ($n in $Name) { [pscustomobject]@{ Name = $n; Status = $(if ($n -eq 'WAS') { 'Stopped' } else { 'Running' }) } } }
function global:Start-Sleep { }
`;
    // The wait for the services is cut to 1 s here (real servers get 60 s).
    const r = run(stopped, 'restart', { mode: 'iisreset', appPools: [], iisresetTimeoutSeconds: 300, serviceWaitSeconds: 1, fqdn: 'ex1', healthCheck: null }, 'restart');
    if (r.ok) throw new Error('expected a failure');
    expect(r.error.message).toContain('After iisreset, WAS is Stopped (1 s later)');
    const ok = run(iis_ok, 'restart', { mode: 'iisreset', appPools: [], iisresetTimeoutSeconds: 300, fqdn: 'ex1', healthCheck: null }, 'restart');
    expect(ok).toEqual({ ok: true, result: {} });
  });
});

const iis_ok = `
function global:iisreset { if (@($args) -notcontains '/timeout:300' -or @($args) -notcontains '/noforce') { throw ('iisreset ' + ($args -join ' ')) }; $global:LASTEXITCODE = 0 }
function global:Get-Service([string[]]$Name) { foreach ($n in $Name) { [pscustomobject]@{ Name = $n; Status = 'Running' } } }
`;

describe('connecting to a remote Exchange endpoint', () => {
  test('an AllSigned policy that refuses the module Import-PSSession writes is named as the cause, with its scope', () => {
    const prelude = `
function global:New-PSSession { [pscustomobject]@{ ComputerName = 'ex01.contoso.lab' } }
function global:Import-PSSession { throw 'File C:\\Users\\svc\\AppData\\Local\\Temp\\tmp_4f2a.psm1 cannot be loaded. The file is not digitally signed. You cannot run this script on the current system.' }
function global:Get-ExecutionPolicy([switch]$List) {
    if ($List) { [pscustomobject]@{ Scope = 'MachinePolicy'; ExecutionPolicy = 'AllSigned' }; [pscustomobject]@{ Scope = 'LocalMachine'; ExecutionPolicy = 'RemoteSigned' } } else { 'AllSigned' }
}`;
    const r = run(prelude, 'connect', { mode: 'remote', connectionUri: 'http://ex01.contoso.lab/PowerShell/', authentication: 'Kerberos', cmdlets: ['Get-ExchangeServer'] }, 'connect');
    if (r.ok) throw new Error('expected a failure');
    const d = classifyError(r.error, { call: 'connect' });
    expect(d.code).toBe('target.execution-policy');
    expect(d.summary).toContain('Import-PSSession failed because the execution policy is AllSigned (MachinePolicy)');
    expect(d.detail).toContain('RemoteSigned');
  });

  test('the same failure under another policy keeps its own words', () => {
    const prelude = `
function global:New-PSSession { [pscustomobject]@{ ComputerName = 'ex01.contoso.lab' } }
function global:Import-PSSession { throw 'Running the Get-Command command in a remote session reported the following error: Processing data for a remote command failed.' }
function global:Get-ExecutionPolicy([switch]$List) { 'RemoteSigned' }`;
    const r = run(prelude, 'connect', { mode: 'remote', connectionUri: 'http://ex01.contoso.lab/PowerShell/', authentication: 'Kerberos', cmdlets: ['Get-ExchangeServer'] }, 'connect');
    if (r.ok) throw new Error('expected a failure');
    expect(classifyError(r.error, { call: 'connect' }).code).not.toBe('target.execution-policy');
    expect(r.error.message).toContain('Processing data for a remote command failed');
  });
});
