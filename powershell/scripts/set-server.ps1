# hybridcfg: every change of one server in one call, on that server, kind by kind through each kind's
# Set-Hc* function (sent with this script). Large bytes arrive as a separate base64 blob, never inside
# the JSON data (Windows PowerShell 5.1's ConvertFrom-Json limit, docs/exchange-facts.md#powershell-51).
param([string]$DataB64, [string]$BlobB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
if ([string]$d.stamp -notmatch '^[0-9A-Za-z-]+$') { throw '[target.bad-request] The backup stamp is malformed.' }
$install = Get-HcInstallPath
$blob = [Convert]::FromBase64String([string]$BlobB64)
$context = @{ install = $install; stamp = [string]$d.stamp; backupFolder = $null }
$results = @()
foreach ($g in @($d.groups)) {
    $mine = New-Object byte[] ([int]$g.blobLength)
    [Array]::Copy($blob, [int]$g.blobOffset, $mine, 0, [int]$g.blobLength)
    $results += , (& (Assert-HcFunction ([string]$g.fn)) $g.data $mine $context)
}
ConvertTo-Json -InputObject @{ results = $results } -Depth 12 -Compress
