# hybridcfg: restarts IIS on one server (iisreset /noforce) or recycles the named app pools.
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
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
'{"restarted":true}'
