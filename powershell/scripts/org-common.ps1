# hybridcfg: helpers shared by the organisation scripts (prepended to each of them). They run where the
# Exchange cmdlets are; the run state (lock, journal, partner application originals) lives on the lock
# server and is reached from here.
function Get-HcFrontEndServers {
    # Only servers with the client access front end serve web.config changes (not Edge).
    return @(Get-ExchangeServer | Where-Object { ([string]$_.ServerRole) -match 'Mailbox|ClientAccess' -and ([string]$_.ServerRole) -notmatch 'Edge' })
}
# The lock server: the first client access server by name, compared ordinally so that every operator's
# machine picks the same one whatever its culture.
function Get-HcLockServer($Servers) {
    $names = [string[]]@($Servers | ForEach-Object { [string]$_.Name })
    if ($names.Count -eq 0) { return $null }
    [Array]::Sort($names, [StringComparer]::OrdinalIgnoreCase)
    return @($Servers | Where-Object { [string]$_.Name -eq $names[0] })[0]
}
# Runs one operation of state.ps1 where the state lives: on the lock server through WinRM, or in this
# session (files: local, and the lab, whose fake Exchange module points ExchangeInstallPath at the lab).
function Invoke-HcState($State, $Operation, $Servers) {
    $sb = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([string]$State.scriptB64)))
    $arg = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $Operation -Depth 10 -Compress)))
    if ([string]$State.transport -eq 'winrm') {
        if ($null -eq $Servers) { $Servers = Get-HcFrontEndServers }
        $lock = Get-HcLockServer $Servers
        if ($null -eq $lock) {
            throw '[target.lock-server-missing] Get-ExchangeServer lists no client access server, so there is no lock server to keep the lock, the journal and the partner application originals on.'
        }
        try {
            $json = Invoke-Command -ComputerName ([string]$lock.Fqdn) -ScriptBlock $sb -ArgumentList $arg -ErrorAction Stop
        } catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
            throw ('[target.lock-server-unreachable] The lock server ' + [string]$lock.Name + ' (' + [string]$lock.Fqdn + ') keeps the lock, the journal and the partner application originals, and WinRM cannot reach it: ' + $_.Exception.Message)
        }
    } else {
        $json = & $sb $arg
    }
    return ([string]$json | ConvertFrom-Json)
}
