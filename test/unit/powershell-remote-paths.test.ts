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
    expect(taken).toEqual({ ok: true, result: { acquired: true } });
    expect(await fs.readdir(root)).toEqual(['ex-9.contoso.lab']);
    expect(await fs.readFile(path.join(root, 'ex-9.contoso.lab', 'hybridcfg', 'lock.json'), 'utf8')).toBe(text);

    const again = run(SERVERS + winrm(root), 'state-call', { state: state('winrm'), operation: { op: 'acquire', text: '{}' } });
    expect(again).toEqual({ ok: true, result: { acquired: false, holder: text } });

    const org = run(`${SERVERS}${winrm(root)}`, 'read-organization', { state: state('winrm'), stateFiles: [], kinds: [] }, 'readOrganization');
    expect(org).toMatchObject({ ok: true, result: { state: { lock: text, lastRunStart: null, lastRunEnd: null } } });
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
function global:iisreset { $global:LASTEXITCODE = 0; 'Internet services successfully restarted' }
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
});
