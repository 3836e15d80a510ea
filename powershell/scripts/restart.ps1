# hybridcfg: restarts IIS on one server (iisreset /noforce) or recycles the named app pools, then, when
# asked, waits until every health check path answers 200 OK on https://<fqdn><path> or the time is up.
# An unhealthy server is a result ({health: {ok: false, failures}}), not an error of the call.
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
if ($d.mode -eq 'iisreset') {
    $output = (& iisreset /noforce | Out-String).Trim()
    if ($LASTEXITCODE -ne 0) {
        throw ('[target.restart-failed] iisreset /noforce failed (exit code ' + $LASTEXITCODE + '): ' + $output)
    }
} elseif ($d.mode -eq 'appPools') {
    foreach ($pool in @($d.appPools)) {
        try {
            Restart-WebAppPool -Name ([string]$pool)
        } catch {
            throw ('[target.restart-failed] Restart-WebAppPool ' + [string]$pool + ' failed: ' + $_.Exception.Message)
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
$pending = New-Object 'System.Collections.Generic.List[string]'
foreach ($p in @($d.healthCheck.paths)) { $pending.Add([string]$p) }
$last = @{}
$deadline = [DateTime]::UtcNow.AddSeconds($timeout)
while ($pending.Count -gt 0) {
    foreach ($p in @($pending)) {
        $url = 'https://' + $fqdn + '/' + ($p -replace '^/+', '')
        $left = [Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
        try {
            $answer = Invoke-WebRequest -Uri $url -TimeoutSec ([int][Math]::Max(1, [Math]::Min(30, $left))) @web
            if ([int]$answer.StatusCode -eq 200) { [void]$pending.Remove($p) } else { $last[$p] = 'it answered ' + [int]$answer.StatusCode }
        } catch {
            $last[$p] = $_.Exception.Message
        }
    }
    if ($pending.Count -eq 0 -or [DateTime]::UtcNow -ge $deadline) { break }
    # IIS needs a few seconds to bring the app pools back after a restart.
    Start-Sleep -Seconds 2
}
$failures = @()
foreach ($p in $pending) {
    $url = 'https://' + $fqdn + '/' + ($p -replace '^/+', '')
    $failures += [ordered]@{ path = $p; reason = ($url + ' did not answer 200 OK within ' + [string]$d.healthCheck.timeoutSeconds + ' s: ' + [string]$last[$p]) }
}
ConvertTo-Json -InputObject @{ health = @{ ok = ($failures.Count -eq 0); failures = $failures } } -Depth 5 -Compress
