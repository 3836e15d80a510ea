# hybridcfg: runs one call and prints ONE framed result document on stdout.
# Everything the call needs arrives as base64 (script text, data, route, and a blob of large bytes that
# must not go through ConvertFrom-Json): no value from a spec or from live state is ever part of the
# command line as code. The result is base64 of UTF-8 JSON, so that the
# console encoding of Windows PowerShell 5.1 cannot garble it and nothing printed by Exchange can fake it.
param([string]$ScriptB64, [string]$DataB64, [string]$RouteB64, [string]$BlobB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Windows PowerShell 5.1 serialises arrays as {"value":[..],"Count":n} while this type data is loaded.
Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
$route = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($RouteB64)) | ConvertFrom-Json
try {
    $sb = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ScriptB64)))
    if ($route.lab) {
        # Lab mode: the fake Exchange module stands in for this machine and for WinRM to each server.
        $json = Invoke-FakeExchangeCall -Route $route -ScriptBlock $sb -ArgumentList @($DataB64, $BlobB64)
    } elseif ($route.transport -eq 'winrm') {
        $json = Invoke-Command -ComputerName $route.server.fqdn -ScriptBlock $sb -ArgumentList $DataB64, $BlobB64 -ErrorAction Stop
    } else {
        $json = & $sb $DataB64 $BlobB64
    }
    $body = '{"ok":true,"result":' + [string]$json + '}'
} catch {
    $e = $_
    $err = @{
        message  = [string]$e.Exception.Message
        category = [string]$e.CategoryInfo.Category
        fqid     = [string]$e.FullyQualifiedErrorId
    }
    $body = ConvertTo-Json -InputObject @{ ok = $false; error = $err } -Depth 5 -Compress
}
$frame = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($body))
[Console]::Out.Write('HYBRIDCFG-' + $route.nonce + '-BEGIN' + $frame + 'HYBRIDCFG-' + $route.nonce + '-END')
[Console]::Out.Flush()
