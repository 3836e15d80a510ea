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
# A spec's path under ExchangeInstallPath (src/domain/paths.ts is the same rule): refused when it would
# leave it, when it lands in hybridcfg's own folder (any case: backups and the originals a rollback
# restores live there), or when Windows would open another name than the one written (a device name, an
# 8.3 short name, a trailing dot or space, a character Windows forbids).
function Resolve-HcPath([string]$Install, [string]$Relative) {
    $refuse = { param($why) throw ('[target.path-outside-install] ' + $Relative + ' is not a path hybridcfg may change in ExchangeInstallPath: it ' + $why + '. Nothing was read or written.') }
    $segments = $Relative -split '[\\/]'
    if ($Relative -eq '' -or [IO.Path]::IsPathRooted($Relative) -or $Relative.Contains(':') -or $segments -contains '..') {
        & $refuse 'would leave ExchangeInstallPath'
    }
    if ($Relative.IndexOfAny([char[]]'<>"|?*') -ge 0 -or $Relative -match '[\x00-\x1f]') { & $refuse 'contains a character Windows file names may not' }
    $kept = @($segments | Where-Object { $_ -ne '' -and $_ -ne '.' })
    foreach ($s in $kept) {
        if ($s -match '[. ]$') { & $refuse ('has the segment "' + $s + '" ending in a dot or a space, which Windows drops') }
        if (($s -replace '[. ]+$', '') -match '^(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$|CLOCK\$)(\..*)?$') { & $refuse ('has the segment "' + $s + '", a Windows device name') }
        if ($s -match '~[0-9]') { & $refuse ('has the segment "' + $s + '", which Windows may read as an 8.3 short name') }
    }
    # Any folding that makes the first segment "hybridcfg" is refused (OrdinalIgnoreCase, invariant upper
    # case, compatibility forms): NTFS's own upcase table may fold what one of them does not.
    if ($kept.Count -gt 0) {
        # dotless i and long s fold to i and s in some tables (JavaScript's, older Windows ones) and not in others.
        $first = (([string]$kept[0]) -replace '[. ]+$', '') -replace ([string][char]0x131), 'i' -replace ([string][char]0x17f), 's'
        $forms = @($first, $first.Normalize([Text.NormalizationForm]::FormKC))
        foreach ($f in $forms) {
            if ([string]::Equals($f, 'hybridcfg', [StringComparison]::OrdinalIgnoreCase) -or $f.ToUpperInvariant() -ceq 'HYBRIDCFG' -or $f.ToLowerInvariant() -ceq 'hybridcfg') { & $refuse "is inside hybridcfg's own folder" }
        }
    }
    $full = [IO.Path]::GetFullPath((Join-Path $Install ($segments -join [IO.Path]::DirectorySeparatorChar)))
    $root = [IO.Path]::GetFullPath($Install)
    if (-not $full.StartsWith($root, [StringComparison]::OrdinalIgnoreCase)) { & $refuse 'would leave ExchangeInstallPath' }
    $own = [IO.Path]::GetFullPath((Join-HcOwnPath $Install '')).TrimEnd([IO.Path]::DirectorySeparatorChar) + [IO.Path]::DirectorySeparatorChar
    if (($full + [IO.Path]::DirectorySeparatorChar).StartsWith($own, [StringComparison]::OrdinalIgnoreCase)) { & $refuse "is inside hybridcfg's own folder" }
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
# Sharing and lock violations (Win32 32 and 33) are what antivirus scanners and IIS's change
# notifications cause for a moment: retried, up to $HcIoAttempts times, waiting a little longer each time.
$script:HcIoAttempts = 8
function Test-HcTransientIoError($Exception) {
    $e = $Exception
    while ($null -ne $e) {
        if ($e -is [IO.IOException]) {
            $win32 = $e.HResult -band 0xFFFF
            if ($win32 -eq 32 -or $win32 -eq 33) { return $true }
        }
        $e = $e.InnerException
    }
    return $false
}
function Invoke-HcIoRetry([scriptblock]$Action) {
    for ($i = 1; ; $i++) {
        try { return (& $Action) } catch {
            if ($i -ge $script:HcIoAttempts -or -not (Test-HcTransientIoError $_.Exception)) { throw }
            Start-Sleep -Milliseconds (100 * $i)
        }
    }
}
# After a failed File.Replace: puts the file back under its own name when the replace left it only under
# the backup name. ReplaceFile (learn.microsoft.com, winbase.h ReplaceFileA/W, "Return value"): with a
# backup name, ERROR_UNABLE_TO_MOVE_REPLACEMENT (1176) leaves both files under their own names, and
# ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 (1177) leaves "the file to be replaced ... with a different name",
# the backup name. Returns what it found, for the error message.
function Restore-HcReplaced([string]$Path, [string]$Aside) {
    if ([IO.File]::Exists($Path)) { return 'the file is in place' }
    if ([IO.File]::Exists($Aside)) {
        Invoke-HcIoRetry { [IO.File]::Move($Aside, $Path) } | Out-Null
        return 'the file was found under its backup name and moved back'
    }
    return 'the file is missing'
}
# Writes bytes over $Path so that a reader, or a kill at any moment, sees the old file or the new one,
# and never reports a write it did not observe (docs/safety.md, "Replacing a file"):
# 1. the bytes go to a new temp file in $TempDir (hybridcfg's own folder, on the same volume as $Path so
#    that the swap is a rename), flushed to disk;
# 2. File.Replace swaps it in with a backup name on that volume (the old file is renamed aside, never
#    deleted first); a failed replace is recovered from either name (Restore-HcReplaced);
# 3. the file is read back and decides: the new bytes -> done, and only then are the temp file and the
#    aside copy deleted; the old bytes -> nothing changed, the call fails and cleans up; anything else ->
#    the call fails and keeps both files in $TempDir, named in the error.
# Sharing violations are retried at each step (Invoke-HcIoRetry).
function Write-HcFileAtomic([string]$Path, [byte[]]$Bytes, [string]$TempDir) {
    [void][IO.Directory]::CreateDirectory($TempDir)
    $id = [Guid]::NewGuid().ToString('N')
    $name = [IO.Path]::GetFileName($Path)
    $temp = [IO.Path]::Combine($TempDir, '.' + $name + '.' + $id + '.tmp')
    $aside = [IO.Path]::Combine($TempDir, '.' + $name + '.' + $id + '.replaced')
    $want = Get-HcSha256 $Bytes
    $before = $null
    if ([IO.File]::Exists($Path)) { $before = Get-HcSha256 (Invoke-HcIoRetry { , [IO.File]::ReadAllBytes($Path) }) }
    $stream = New-Object IO.FileStream($temp, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
    try { $stream.Write($Bytes, 0, $Bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
    $failure = $null
    $state = ''
    try {
        # File.Replace keeps the target's ACL and attributes on NTFS; off Windows (the lab mode of the
        # PowerShell target) the Unix mode is what the user set, and is kept the same way.
        if ($null -ne $before -and ($IsLinux -or $IsMacOS)) { [IO.File]::SetUnixFileMode($temp, [IO.File]::GetUnixFileMode($Path)) }
        if ($null -ne $before) { Invoke-HcIoRetry { [IO.File]::Replace($temp, $Path, $aside) } | Out-Null }
        else { Invoke-HcIoRetry { [IO.File]::Move($temp, $Path) } | Out-Null }
    } catch {
        $failure = $_.Exception.Message
        $state = Restore-HcReplaced $Path $aside
    }
    $got = $null
    if ([IO.File]::Exists($Path)) { $got = Get-HcSha256 (Invoke-HcIoRetry { , [IO.File]::ReadAllBytes($Path) }) }
    $why = $failure
    if ($null -eq $why) { $why = 'the file does not hold the bytes written (sha256 ' + $got + ', written ' + $want + ')' }
    if ($got -eq $want) {
        # Observed: the file holds the new bytes. Only now is the old file's aside copy let go.
        foreach ($f in @($aside, $temp)) { if ([IO.File]::Exists($f)) { Invoke-HcIoRetry { [IO.File]::Delete($f) } | Out-Null } }
        return
    }
    if ($null -ne $got -and $got -eq $before) {
        foreach ($f in @($aside, $temp)) { if ([IO.File]::Exists($f)) { Invoke-HcIoRetry { [IO.File]::Delete($f) } | Out-Null } }
        throw ('[target.write-failed] Replacing ' + $Path + ' failed (' + $why + '); the file is unchanged.')
    }
    $kept = @(@($aside, $temp) | Where-Object { [IO.File]::Exists($_) })
    throw ('[target.write-failed] Replacing ' + $Path + ' failed (' + $why + '); ' + $(if ($state) { $state } else { 'the file holds neither the old nor the new bytes' }) + '. Kept for recovery: ' + $(if ($kept.Count -gt 0) { $kept -join ', ' } else { 'nothing' }) + ' (the bytes from before the write are also in the backup folder).')
}
# Creates $Path with $Bytes only if it does not exist, whole or not at all: a temp file in $TempDir (same
# volume), flushed, then moved into place; File.Move fails if the name exists. Returns whether it created it.
function New-HcFileAtomic([string]$Path, [byte[]]$Bytes, [string]$TempDir) {
    if ([IO.File]::Exists($Path)) { return $false }
    [void][IO.Directory]::CreateDirectory($TempDir)
    $temp = [IO.Path]::Combine($TempDir, '.' + [IO.Path]::GetFileName($Path) + '.' + [Guid]::NewGuid().ToString('N') + '.tmp')
    try {
        $stream = New-Object IO.FileStream($temp, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
        try { $stream.Write($Bytes, 0, $Bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
        try { [IO.File]::Move($temp, $Path) } catch [IO.IOException] { if ([IO.File]::Exists($Path)) { return $false }; throw }
        return $true
    } finally {
        if ([IO.File]::Exists($temp)) { [IO.File]::Delete($temp) }
    }
}
