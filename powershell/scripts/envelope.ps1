# hybridcfg: runs one call and prints ONE framed result document on stdout.
# Everything the call needs arrives as base64 (script text, data, route, and a blob of large bytes that
# must not go through ConvertFrom-Json): no value from a spec or from live state is ever part of the
# command line as code. The result is base64 of UTF-8 JSON, so that the
# console encoding of Windows PowerShell 5.1 cannot garble it and nothing printed by Exchange can fake it.
#
# A fan-out (the route names several servers) runs the same script on every server of one phase in this
# one call: PowerShell's own parallel remoting, Invoke-Command -ComputerName <list> -ThrottleLimit <n>
# (docs/exchange-facts.md#powershell S3, S3a), in-process for this machine. Each server's answer is
# printed as its own ITEM frame the moment it arrives, so that one server's failure stays its own and
# progress is seen; the final frame only closes the call.
param([string]$ScriptB64, [string]$DataB64, [string]$RouteB64, [string]$BlobB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Windows PowerShell 5.1 serialises arrays as {"value":[..],"Count":n} while this type data is loaded.
Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
$route = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($RouteB64)) | ConvertFrom-Json
function ConvertTo-HcFrame([string]$Body) { return [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Body)) }
function Get-HcErrorBody($ErrorRecord) {
    $err = @{
        message  = [string]$ErrorRecord.Exception.Message
        category = [string]$ErrorRecord.CategoryInfo.Category
        fqid     = [string]$ErrorRecord.FullyQualifiedErrorId
    }
    return (ConvertTo-Json -InputObject @{ ok = $false; error = $err } -Depth 5 -Compress)
}
# The part of a fan-out that runs on each server. Invoke-Command sends every computer the same
# arguments, so the requests travel as one map, a line per server ("NAME DATA BLOB", base64 fields):
# the server takes the line of its own computer name (an Exchange server's Name is its computer's short
# name, S3) and runs the call's script with it. The map is split as text, never given to ConvertFrom-Json,
# so that the servers' blobs stay out of 5.1's JSON limit (S8).
$onServer = {
    param([string]$ScriptB64, [string]$Map, [string]$Name)
    # In this process the caller names the server (this machine); on a remote server it is its own name.
    if (-not $Name) { $Name = [string]$env:COMPUTERNAME }
    $mine = $null
    $names = @()
    foreach ($line in ($Map -split "`n")) {
        $f = $line.Split(' ')
        if ($f.Count -lt 3) { continue }
        $names += $f[0]
        if ([string]::Equals($f[0], $Name, [StringComparison]::OrdinalIgnoreCase)) { $mine = $f }
    }
    if ($null -eq $mine) {
        throw ('[target.fan-out-unmatched] This computer calls itself ' + $Name + ', and the call was for ' + ($names -join ', ') + ': nothing was read or changed here.')
    }
    $sb = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ScriptB64)))
    & $sb $mine[1] $mine[2]
}
try {
    $sb = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ScriptB64)))
    if ($null -ne $route.fanout) {
        # Who answered: results carry PSComputerName, errors of a server's own script OriginInfo, and a
        # connection that failed names the computer as its TargetObject (S3a); each as it was addressed.
        # Returns how many servers of the phase answered with a result (not an error).
        function Invoke-HcFanOutPhase($Phase, [int]$Number, [string]$PhaseScriptB64, [string]$Map) {
            $byAddress = @{}
            foreach ($t in @($Phase.fanout)) { $byAddress[([string]$t.fqdn).ToUpperInvariant()] = [string]$t.name }
            $answered = @{}
            $state = @{ ok = 0 }
            $emit = {
                param($Answer, [string]$Local)
                $who = $Local
                if (-not $who) {
                    $address = ''
                    if ($Answer -is [Management.Automation.ErrorRecord]) {
                        if ($Answer -is [Management.Automation.Runspaces.RemotingErrorRecord]) { $address = [string]$Answer.OriginInfo.PSComputerName } else { $address = [string]$Answer.TargetObject }
                    } else { $address = [string]$Answer.PSComputerName }
                    $who = $byAddress[$address.ToUpperInvariant()]
                }
                $isError = $Answer -is [Management.Automation.ErrorRecord]
                if ($isError) { $body = Get-HcErrorBody $Answer } else { $body = '{"ok":true,"result":' + [string]$Answer + '}' }
                if (-not $who -or $answered.ContainsKey($who)) { [void]$stray.Add($body); return }
                $answered[$who] = $true
                if (-not $isError) { $state.ok++ }
                [Console]::Out.Write('HYBRIDCFG-' + $route.nonce + '-ITEM' + (ConvertTo-HcFrame ('{"server":' + (ConvertTo-Json -InputObject $who -Depth 1 -Compress) + ',"phase":' + $Number + ',"answer":' + $body + '}')) + 'HYBRIDCFG-' + $route.nonce + '-ITEMEND')
                [Console]::Out.Flush()
            }
            if ($route.lab) {
                # Lab mode: the fake Exchange module stands in for Invoke-Command -ComputerName, with its outputs and errors.
                Invoke-FakeExchangeFanOut -Route $Phase -ScriptBlock $onServer -ArgumentList @($PhaseScriptB64, $Map) -ErrorAction Continue 2>&1 | ForEach-Object { & $emit $_ '' }
            } else {
                $remote = @(@($Phase.fanout) | Where-Object { [string]$_.transport -eq 'winrm' } | ForEach-Object { [string]$_.fqdn })
                foreach ($t in @(@($Phase.fanout) | Where-Object { [string]$_.transport -ne 'winrm' })) {
                    # This machine: in this process, as Microsoft's own scripts do (S3).
                    try { & $emit (& $onServer $PhaseScriptB64 $Map ([string]$t.name)) ([string]$t.name) } catch { & $emit $_ ([string]$t.name) }
                }
                if ($remote.Count -gt 0) {
                    Invoke-Command -ComputerName $remote -ScriptBlock $onServer -ArgumentList $PhaseScriptB64, $Map -ThrottleLimit ([int]$Phase.throttle) -ErrorAction Continue 2>&1 | ForEach-Object { & $emit $_ '' }
                }
            }
            return $state.ok
        }
        $stray = New-Object Collections.ArrayList
        $map = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64))
        $ok = Invoke-HcFanOutPhase $route 1 $ScriptB64 $map
        # A second phase (the restarts after a batch's writes) runs only when every server of the first
        # answered with a result: a batch whose writes did not all succeed restarts nothing, as the apply
        # engine's own rolling rule says; its servers' restarts are then reported as not run.
        $then = 'none'
        if ($null -ne $route.then) {
            $then = 'skipped'
            if ($ok -eq @($route.fanout).Count) {
                [void](Invoke-HcFanOutPhase $route.then 2 ([string]$route.then.scriptB64) ([string]$route.then.map))
                $then = 'ran'
            }
        }
        $body = ConvertTo-Json -InputObject @{ ok = $true; result = @{ then = $then; stray = @($stray.ToArray()) } } -Depth 5 -Compress
    } else {
        if ($route.lab) {
            # Lab mode: the fake Exchange module stands in for this machine.
            $json = Invoke-FakeExchangeCall -Route $route -ScriptBlock $sb -ArgumentList @($DataB64, $BlobB64)
        } else {
            $json = & $sb $DataB64 $BlobB64
        }
        $body = '{"ok":true,"result":' + [string]$json + '}'
    }
} catch {
    $body = Get-HcErrorBody $_
}
[Console]::Out.Write('HYBRIDCFG-' + $route.nonce + '-BEGIN' + (ConvertTo-HcFrame $body) + 'HYBRIDCFG-' + $route.nonce + '-END')
[Console]::Out.Flush()
