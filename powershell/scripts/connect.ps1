# hybridcfg: makes the Exchange cmdlets available in this session, once per PowerShell process, and says
# where the session runs and how it reached Exchange (the target decides from it which server is this
# machine, whether WinRM may be used, and what the plan must say).
param([string]$DataB64)
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
$snapIn = 'Microsoft.Exchange.Management.PowerShell.SnapIn'
$via = 'none'
$exchangeHost = $null
if ($d.mode -eq 'lab') {
    Import-Module -Name $d.modulePath -Global -Force -DisableNameChecking
    if ($d.snapIn) { Set-FakeExchangeSession -Mode 'snap-in' }
    $via = 'lab'
} elseif ($d.mode -eq 'remote') {
    # The Exchange endpoint runs in RestrictedLanguage mode: import its cmdlets as local proxies and call
    # them with parameters only, never with script blocks.
    $session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $d.connectionUri -Authentication $d.authentication -ErrorAction Stop
    $exchangeHost = [string]$session.ComputerName
    # The cmdlets the resource kinds of this run name (their drivers), and Get-ExchangeServer.
    $names = [string[]]@($d.cmdlets)
    try {
        $module = Import-PSSession -Session $session -CommandName $names -DisableNameChecking -AllowClobber -ErrorAction Stop
    } catch {
        # Import-PSSession writes a temporary, unsigned module; an AllSigned policy refuses to load it
        # (docs/exchange-facts.md#powershell) [H]. Name that cause instead of the loader's words.
        $policy = [string](Get-ExecutionPolicy)
        if ($policy -eq 'AllSigned') {
            throw ('[target.execution-policy] Import-PSSession failed because the execution policy is AllSigned (' + (@(Get-ExecutionPolicy -List | Where-Object { [string]$_.ExecutionPolicy -eq 'AllSigned' } | ForEach-Object { [string]$_.Scope }) -join ', ') + '): the module it writes for the remote cmdlets is not signed. ' + $_.Exception.Message)
        }
        throw
    }
    Import-Module $module -Global -DisableNameChecking
    $via = 'remote'
} elseif ($d.mode -eq 'snap-in') {
    # Opt-in and unsupported: the snap-in loaded directly bypasses RBAC (every parameter of the build).
    if (-not (Get-PSSnapin -Name $snapIn -ErrorAction SilentlyContinue)) { Add-PSSnapin -Name $snapIn -ErrorAction Stop }
    $via = 'snap-in'
    $exchangeHost = [string]$env:COMPUTERNAME
} else {
    $existing = Get-Command -Name Get-ExchangeServer -ErrorAction SilentlyContinue
    if ($existing) {
        # Already there: from the Exchange Management Shell's session (RBAC applies) or from the snap-in
        # loaded directly (RBAC does not): the plan must say which.
        if ($existing.PSSnapIn -or (Get-PSSnapin -Name $snapIn -ErrorAction SilentlyContinue)) { $via = 'existing-snap-in' } else { $via = 'existing' }
    } else {
        # On an Exchange server: what the Exchange Management Shell shortcut does (RemoteExchange.ps1 +
        # Connect-ExchangeServer -auto), which keeps RBAC in force, unlike loading the snap-in directly.
        $install = $env:ExchangeInstallPath
        if (-not $install) {
            throw '[target.exchange-missing] ExchangeInstallPath is not set: this machine has no Exchange Management Shell.'
        }
        . (Join-Path $install 'bin\RemoteExchange.ps1') | Out-Null
        Connect-ExchangeServer -auto -ClientApplication:ManagementShell | Out-Null
        $via = 'shell'
    }
    # The server that serves the session: Connect-ExchangeServer opens a remote session to some server's
    # /PowerShell, which on a management host is not this computer.
    $exchangeHost = [string]$env:COMPUTERNAME
    $served = @(Get-PSSession -ErrorAction SilentlyContinue | Where-Object { [string]$_.ConfigurationName -eq 'Microsoft.Exchange' -and [string]$_.State -eq 'Opened' })
    if ($served.Count -gt 0) { $exchangeHost = [string]$served[0].ComputerName }
}
# Where this session runs. Inside a remote session ($PSSenderInfo) WinRM to a second server fails
# (Kerberos double hop) [M]; the target refuses before trying.
$info = @{ computer = [string]$env:COMPUTERNAME; fqdn = ''; remoteSession = ($null -ne $PSSenderInfo); via = $via; exchangeHost = $exchangeHost }
if ($d.mode -eq 'lab') {
    $lab = Get-FakeExchangeSessionInfo
    $info.computer = $lab.computer; $info.fqdn = $lab.fqdn; $info.remoteSession = $lab.remote; $info.exchangeHost = $lab.exchangeHost
} else {
    # The machine's own DNS name from its configuration, without a lookup that could wait on the network.
    try {
        $domain = [string][Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().DomainName
        if ($domain) { $info.fqdn = [string]$env:COMPUTERNAME + '.' + $domain }
    } catch { $info.fqdn = '' }
}
ConvertTo-Json -InputObject @{ connected = $true; session = $info } -Depth 4 -Compress
