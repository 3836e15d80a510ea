# hybridcfg: helpers shared by the per-server scripts (prepended to each of them, so that each still
# travels to the server as one script block).
function Get-HcInstallPath {
    $install = $env:ExchangeInstallPath
    if (-not $install) {
        $key = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup' -Name MsiInstallPath -ErrorAction SilentlyContinue
        if ($key) { $install = [string]$key.MsiInstallPath }
    }
    if (-not $install) {
        throw ('[target.install-path-missing] ' + $env:COMPUTERNAME + ' has neither $env:ExchangeInstallPath nor the registry value HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup MsiInstallPath: is Exchange installed there?')
    }
    $sep = [IO.Path]::DirectorySeparatorChar
    if (-not $install.EndsWith([string]$sep)) { $install = $install + $sep }
    return $install
}
function Resolve-HcPath([string]$Install, [string]$Relative) {
    $segments = $Relative -split '[\\/]'
    if ($Relative -eq '' -or [IO.Path]::IsPathRooted($Relative) -or $Relative.Contains(':') -or $segments -contains '..') {
        throw ('[target.path-outside-install] ' + $Relative + ' is not a path inside ExchangeInstallPath.')
    }
    $full = [IO.Path]::GetFullPath((Join-Path $Install ($segments -join [IO.Path]::DirectorySeparatorChar)))
    if (-not $full.StartsWith([IO.Path]::GetFullPath($Install), [StringComparison]::OrdinalIgnoreCase)) {
        throw ('[target.path-outside-install] ' + $Relative + ' is not a path inside ExchangeInstallPath.')
    }
    return $full
}
function Get-HcSha256([byte[]]$Bytes) {
    $sha = [Security.Cryptography.SHA256]::Create()
    try { return ([BitConverter]::ToString($sha.ComputeHash($Bytes)) -replace '-', '').ToLowerInvariant() } finally { $sha.Dispose() }
}
# PowerShell 7 turns ISO-8601-looking strings into DateTime unless told not to (-DateKind String, 7.5+);
# Windows PowerShell 5.1 leaves them alone. Either way a string stays the string that was sent.
function ConvertFrom-HcJson([string]$Text) {
    if ((Get-Command -Name ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { return ($Text | ConvertFrom-Json -DateKind String) }
    return ($Text | ConvertFrom-Json)
}
# Writes bytes to a new temp file in $TempDir (same volume as $Path: the rename stays atomic), flushes
# it to disk, then swaps it in: a reader, or a kill at any moment, sees the old file or the new one.
function Write-HcFileAtomic([string]$Path, [byte[]]$Bytes, [string]$TempDir) {
    [void][IO.Directory]::CreateDirectory($TempDir)
    $temp = [IO.Path]::Combine($TempDir, '.' + [IO.Path]::GetFileName($Path) + '.' + [Guid]::NewGuid().ToString('N') + '.tmp')
    try {
        $stream = New-Object IO.FileStream($temp, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
        try { $stream.Write($Bytes, 0, $Bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
        if ([IO.File]::Exists($Path)) {
            # File.Replace keeps the target's ACL on NTFS.
            [IO.File]::Replace($temp, $Path, [NullString]::Value)
        } else {
            [IO.File]::Move($temp, $Path)
        }
    } finally {
        if ([IO.File]::Exists($temp)) { [IO.File]::Delete($temp) }
    }
}
