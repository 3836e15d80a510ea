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
# A path in hybridcfg's own folder of the server (<ExchangeInstallPath>hybridcfg\): backups, originals,
# temp files, run state. Built here, never from a spec's path.
function Join-HcOwnPath([string]$Install, [string]$Relative) {
    $segments = @('hybridcfg') + @($Relative -split '[\\/]' | Where-Object { $_ -ne '' })
    if ($segments -contains '..') { throw ('[target.bad-request] ' + $Relative + ' is not a path in hybridcfg\.') }
    return [IO.Path]::Combine($Install, ($segments -join [IO.Path]::DirectorySeparatorChar))
}
# The backup folder of this call, hybridcfg/backup/<stamp>[-n] (relative, with /), created on first use:
# one per call, never reused, so a backup is never overwritten.
function Get-HcBackupFolder($Context) {
    if ($null -eq $Context.backupFolder) {
        $stamp = [string]$Context.stamp
        $n = 2
        while ([IO.Directory]::Exists((Join-HcOwnPath $Context.install ('backup/' + $stamp)))) { $stamp = [string]$Context.stamp + '-' + $n; $n++ }
        [void][IO.Directory]::CreateDirectory((Join-HcOwnPath $Context.install ('backup/' + $stamp)))
        $Context.backupFolder = 'hybridcfg/backup/' + $stamp
    }
    return $Context.backupFolder
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
