# hybridcfg: reads one server in one call: its install path and the requested files (bytes + sha256).
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
$install = Get-HcInstallPath
$files = @()
foreach ($rel in @($d.files)) {
    $full = Resolve-HcPath $install ([string]$rel)
    if ([IO.File]::Exists($full)) {
        $bytes = [IO.File]::ReadAllBytes($full)
        $files += @{ file = [string]$rel; exists = $true; base64 = [Convert]::ToBase64String($bytes); sha256 = (Get-HcSha256 $bytes) }
    } else {
        $files += @{ file = [string]$rel; exists = $false }
    }
}
ConvertTo-Json -InputObject @{ installPath = $install; files = $files } -Depth 5 -Compress
