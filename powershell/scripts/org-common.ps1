# hybridcfg: helpers shared by the organisation scripts (prepended to each of them). They run where the
# Exchange cmdlets are; the run state (lock, journal, partner application originals) lives on the lock
# server and is reached from here.
# Why a server Get-ExchangeServer lists is not in scope, or $null when it is: Edge servers have no client
# access front end, and only Exchange 2016 (15.1) and later have FrontEnd\HttpProxy and the hybrid OAuth
# objects hybridcfg manages (docs/exchange-facts.md#powershell) [H].
function Get-HcOutOfScopeReason($Server) {
    if ([string]$Server.ServerRole -match 'Edge' -or ($null -ne $Server.PSObject.Properties['IsEdgeServer'] -and [bool]$Server.IsEdgeServer)) { return 'an Edge Transport server' }
    if ([string]$Server.ServerRole -notmatch 'Mailbox|ClientAccess') { return ('not a client access server (' + [string]$Server.ServerRole + ')') }
    if ([string]$Server.AdminDisplayVersion -match 'Version (\d+)\.(\d+)') {
        $major = [int]$Matches[1]; $minor = [int]$Matches[2]
        if ($major -lt 15 -or ($major -eq 15 -and $minor -lt 1)) { return ('older than Exchange 2016 (' + [string]$Server.AdminDisplayVersion + ')') }
    }
    return $null
}
function Get-HcFrontEndServers {
    return @(Get-ExchangeServer | Where-Object { $null -eq (Get-HcOutOfScopeReason $_) })
}
# The lock server: the first client access server by name, compared ordinally so that every operator's
# machine picks the same one whatever its culture.
function Get-HcLockServer($Servers) {
    $names = [string[]]@($Servers | ForEach-Object { [string]$_.Name })
    if ($names.Count -eq 0) { return $null }
    [Array]::Sort($names, [StringComparer]::OrdinalIgnoreCase)
    return @($Servers | Where-Object { [string]$_.Name -eq $names[0] })[0]
}
# The lock server of this call: the one hybridcfg found earlier in the run (handed back in $State.lockServer,
# so Get-ExchangeServer runs once per run), or the first client access server of $Servers or of
# Get-ExchangeServer. $script:HcLockServer keeps what was used, for the call's answer.
$script:HcLockServer = $null
function Resolve-HcLockServer($State, $Servers) {
    if ($null -ne $State.lockServer -and [string]$State.lockServer.name) { return @{ Name = [string]$State.lockServer.name; Fqdn = [string]$State.lockServer.fqdn } }
    if ($null -eq $Servers) { $Servers = Get-HcFrontEndServers }
    $lock = Get-HcLockServer $Servers
    if ($null -eq $lock) {
        throw '[target.lock-server-missing] Get-ExchangeServer lists no client access server, so there is no lock server to keep the lock, the journal and the partner application originals on.'
    }
    return @{ Name = [string]$lock.Name; Fqdn = [string]$lock.Fqdn }
}
# Runs one operation of state.ps1 where the state lives: on the lock server, through WinRM unless the lock
# server is this machine (transport auto; winrm always goes through WinRM), or in this session (local: files
# on this machine; the lab, whose fake Exchange module points ExchangeInstallPath at the lab folder).
function Invoke-HcState($State, $Operation, $Servers) {
    $sb = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([string]$State.scriptB64)))
    $arg = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $Operation -Depth 10 -Compress)))
    $transport = [string]$State.transport
    if ($transport -eq 'winrm' -or $transport -eq 'auto') {
        $lock = Resolve-HcLockServer $State $Servers
        $script:HcLockServer = $lock
        $here = $transport -eq 'auto' -and ([string]$lock.Name -eq [string]$env:COMPUTERNAME)
        if ($here) {
            $json = & $sb $arg
        } else {
            try {
                $json = Invoke-Command -ComputerName ([string]$lock.Fqdn) -ScriptBlock $sb -ArgumentList $arg -ErrorAction Stop
            } catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
                throw ('[target.lock-server-unreachable] The lock server ' + [string]$lock.Name + ' (' + [string]$lock.Fqdn + ') keeps the lock, the journal and the partner application originals, and WinRM cannot reach it: ' + $_.Exception.Message)
            }
        }
    } else {
        $json = & $sb $arg
    }
    return ([string]$json | ConvertFrom-Json)
}
