# hybridcfg: restarts what a change needs on one server, then, when asked, waits until the health gate
# passes or the time is up. Runs on that server.
# - appPools: recycles each pool with %windir%\System32\inetsrv\appcmd.exe (`recycle apppool
#   /apppool.name:<pool>`), checking its exit code; never WebAdministration, which real servers often lack
#   (docs/exchange-facts.md#files-iis F3). A recycle starts a new worker process before the old one stops.
# - iisreset: iisreset /noforce with a stop timeout long enough for Exchange's pools (the default 20 s is not,
#   F4), then W3SVC and WAS must be running again.
# An unhealthy server is a result ({health: {ok: false, failures}}), not an error of the call.
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$inetsrv = [IO.Path]::Combine([string]$env:windir, 'System32', 'inetsrv')
if ($d.mode -eq 'iisreset') {
    $timeout = [int]$d.iisresetTimeoutSeconds
    $output = (& iisreset /noforce ('/timeout:' + $timeout) 2>&1 | Out-String).Trim()
    if ($LASTEXITCODE -ne 0) {
        throw ('[target.restart-failed] iisreset /noforce /timeout:' + $timeout + ' failed (exit code ' + $LASTEXITCODE + '): ' + $output)
    }
    # iisreset's exit codes are not documented (F4): the services themselves say whether IIS is back.
    $wait = 60
    if ($null -ne $d.serviceWaitSeconds) { $wait = [int]$d.serviceWaitSeconds }
    $deadline = [DateTime]::UtcNow.AddSeconds($wait)
    do {
        $down = @(Get-Service -Name W3SVC, WAS | Where-Object { [string]$_.Status -ne 'Running' })
        if ($down.Count -eq 0) { break }
        Start-Sleep -Seconds 2
    } while ([DateTime]::UtcNow -lt $deadline)
    if ($down.Count -gt 0) {
        throw ('[target.restart-failed] After iisreset, ' + (($down | ForEach-Object { [string]$_.Name + ' is ' + [string]$_.Status }) -join ', ') + ' (' + $wait + ' s later). Start them (Start-Service W3SVC, WAS) and check the System event log.')
    }
} elseif ($d.mode -eq 'appPools') {
    $appcmd = [IO.Path]::Combine($inetsrv, 'appcmd.exe')
    if (-not [IO.File]::Exists($appcmd)) {
        throw ('[target.restart-failed] ' + $appcmd + ' is missing, so no application pool can be recycled. Use restart.mode: iisreset, or repair IIS.')
    }
    $pools = New-Object 'System.Collections.Generic.List[string]'
    foreach ($p in @($d.appPools)) { if ($null -ne $p -and -not $pools.Contains([string]$p)) { $pools.Add([string]$p) } }
    if ($d.allExchangePools) {
        # Every MSExchange* pool IIS has here, HealthChecker's filter (CSS-Exchange Get-ExchangeAppPoolsInformation.ps1 [H]).
        $xml = New-Object Xml
        $xml.Load([IO.Path]::Combine($inetsrv, 'config', 'applicationHost.config'))
        foreach ($a in @($xml.configuration.'system.applicationHost'.applicationPools.add)) {
            if ($null -ne $a -and [string]$a.name -like 'MSExchange*' -and -not $pools.Contains([string]$a.name)) { $pools.Add([string]$a.name) }
        }
    }
    if ($pools.Count -eq 0) { throw '[target.bad-request] No application pool to recycle.' }
    foreach ($pool in $pools) {
        $output = (& $appcmd recycle apppool ('/apppool.name:' + $pool) 2>&1 | Out-String).Trim()
        if ($LASTEXITCODE -ne 0) {
            throw ('[target.restart-failed] appcmd recycle apppool /apppool.name:' + $pool + ' failed (exit code ' + $LASTEXITCODE + '): ' + $output)
        }
    }
} else {
    throw ('[target.bad-request] Unknown restart mode ' + [string]$d.mode + '.')
}
if ($null -eq $d.healthCheck) { return '{}' }

$fqdn = [string]$d.fqdn
$timeout = [double]$d.healthCheck.timeoutSeconds
# The request goes to the server's own FQDN, and this script runs on that server (locally or through
# WinRM): the certificate it presents is the server's own, typically Exchange's self-signed one, so it
# is accepted for that host name only. PowerShell 7 skips the check per request; Windows PowerShell 5.1
# has no such switch and gets a validation callback that trusts just this host.
$web = @{ UseBasicParsing = $true; MaximumRedirection = 0 }

if ($PSVersionTable.PSVersion.Major -ge 6) {
    $web['SkipCertificateCheck'] = $true
} else {
    # Exchange servers often refuse TLS 1.0, the default of older .NET Framework set-ups.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    if (-not ('HybridcfgOwnCertificate' -as [type])) {
        # 5.1's Add-Type compiles C# 5 against mscorlib and "By default, Add-Type references System.dll and
        # System.Management.Automation.dll" (PowerShell-Docs, reference/5.1/Microsoft.PowerShell.Utility/
        # Add-Type.md, -ReferencedAssemblies): no System.Core, so no HashSet<T>. The host names are kept in a
        # Dictionary (mscorlib) rather than naming System.Core in -ReferencedAssemblies: the type then needs only
        # what 5.1 references on every server, and no assembly name has to be resolved there.
        # test/unit/powershell-ps51.test.ts compiles this block as 5.1 does.
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
public static class HybridcfgOwnCertificate {
    static readonly Dictionary<string, bool> Hosts = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
    public static void Trust(string host) {
        lock (Hosts) { Hosts[host] = true; }
        ServicePointManager.ServerCertificateValidationCallback = Check;
    }
    static bool Check(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors) {
        if (errors == SslPolicyErrors.None) return true;
        HttpWebRequest request = sender as HttpWebRequest;
        if (request == null) return false;
        lock (Hosts) { return Hosts.ContainsKey(request.RequestUri.Host); }
    }
}
'@
    }
    [HybridcfgOwnCertificate]::Trust($fqdn)
}
# What one request answered: its status and WWW-Authenticate, from the answer or from the error that
# Invoke-WebRequest throws for a status other than 2xx (5.1: WebException.Response, an HttpWebResponse;
# 7: HttpResponseException.Response, an HttpResponseMessage).
function Get-HcHttpAnswer([string]$Url, [int]$TimeoutSec) {
    try {
        $answer = Invoke-WebRequest -Uri $Url -TimeoutSec $TimeoutSec @web
        return @{ status = [int]$answer.StatusCode; auth = ''; error = $null }
    } catch {
        $r = $_.Exception.Response
        if ($null -eq $r) { return @{ status = 0; auth = ''; error = [string]$_.Exception.Message } }
        $auth = ''
        try { $auth = [string]$r.Headers['WWW-Authenticate'] } catch { $auth = '' }
        if (-not $auth) { try { $auth = (@($r.Headers.WwwAuthenticate) | ForEach-Object { [string]$_ }) -join ', ' } catch { $auth = '' } }
        return @{ status = [int]$r.StatusCode; auth = $auth; error = [string]$_.Exception.Message }
    }
}
# Each check: a path the spec lists (200), or a probe of a changed vdir (200, or 401 with a Bearer challenge).
$pending = New-Object 'System.Collections.Generic.List[object]'
foreach ($p in @($d.healthCheck.paths)) { $pending.Add(@{ path = [string]$p; expect = 'ok' }) }
foreach ($p in @($d.healthCheck.probes)) { if ($null -ne $p) { $pending.Add(@{ path = [string]$p.path; expect = [string]$p.expect }) } }
$last = @{}
$deadline = [DateTime]::UtcNow.AddSeconds($timeout)
while ($pending.Count -gt 0) {
    # A new list each round: List[object].Remove of a hashtable fails to bind in PowerShell ("Argument
    # types do not match").
    $round = $pending
    $pending = New-Object 'System.Collections.Generic.List[object]'
    foreach ($c in $round) {
        $url = 'https://' + $fqdn + '/' + ($c.path -replace '^/+', '')
        $left = [Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
        $a = Get-HcHttpAnswer $url ([int][Math]::Max(1, [Math]::Min(30, $left)))
        $passed = $false
        if ($c.expect -eq 'bearer-challenge') { $passed = ($a.status -eq 401 -and $a.auth -match '(^|,\s*)Bearer\b') } else { $passed = ($a.status -eq 200) }
        if ($passed) { continue }
        $pending.Add($c)
        if ($a.status -ne 0) { $last[$c.path] = 'it answered ' + $a.status + $(if ($a.auth) { ' (WWW-Authenticate: ' + $a.auth + ')' } else { '' }) }
        else { $last[$c.path] = $a.error }
    }
    if ($pending.Count -eq 0 -or [DateTime]::UtcNow -ge $deadline) { break }
    # IIS needs a few seconds to bring the app pools back after a restart.
    Start-Sleep -Seconds 2
}
$failures = @()
foreach ($c in $pending) {
    $url = 'https://' + $fqdn + '/' + ($c.path -replace '^/+', '')
    $want = '200 OK'
    if ($c.expect -eq 'bearer-challenge') { $want = '401 with a Bearer challenge' }
    $failures += [ordered]@{ path = $c.path; reason = ($url + ' did not answer ' + $want + ' within ' + [string]$d.healthCheck.timeoutSeconds + ' s: ' + [string]$last[$c.path]) }
}
ConvertTo-Json -InputObject @{ health = @{ ok = ($failures.Count -eq 0); failures = $failures } } -Depth 5 -Compress
