# hybridcfg: makes the Exchange cmdlets available in this session, once per PowerShell process.
param([string]$DataB64)
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
if ($d.mode -eq 'lab') {
    Import-Module -Name $d.modulePath -Global -Force -DisableNameChecking
} elseif ($d.mode -eq 'remote') {
    # The Exchange endpoint runs in RestrictedLanguage mode: import its cmdlets as local proxies and call
    # them with parameters only, never with script blocks.
    $session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $d.connectionUri -Authentication $d.authentication -ErrorAction Stop
    # The cmdlets the resource kinds of this run name (their drivers), and Get-ExchangeServer.
    $names = [string[]]@($d.cmdlets)
    Import-Module (Import-PSSession -Session $session -CommandName $names -DisableNameChecking -AllowClobber -ErrorAction Stop) -Global -DisableNameChecking
} elseif (-not (Get-Command -Name Get-ExchangeServer -ErrorAction SilentlyContinue)) {
    # On an Exchange server: what the Exchange Management Shell shortcut does (RemoteExchange.ps1 +
    # Connect-ExchangeServer -auto), which keeps RBAC in force, unlike loading the snap-in directly.
    $install = $env:ExchangeInstallPath
    if (-not $install) {
        throw '[target.exchange-missing] ExchangeInstallPath is not set: this machine has no Exchange Management Shell.'
    }
    . (Join-Path $install 'bin\RemoteExchange.ps1') | Out-Null
    Connect-ExchangeServer -auto -ClientApplication:ManagementShell | Out-Null
}
'{"connected":true}'
