# hybridcfg: web.config files (src/resources/web-config). Defines the kind's functions; the target sends
# them with read-server.ps1 and set-server.ps1, which run on the server itself (in this session for the
# local server, through WinRM for the others). Windows PowerShell 5.1 compatible.

# The requested files (bytes as base64, sha256), and for a rollback their first originals. Adds the bytes
# read to $Context.backupBytes: a write needs room for a backup, an original and a temp copy of each.
function Read-HcWebConfig($Data, $Context) {
    $install = $Context.install
    $files = @()
    $originals = @()
    foreach ($rel in @($Data.files)) {
        $full = Resolve-HcPath $install ([string]$rel)
        if ([IO.File]::Exists($full)) {
            $bytes = [IO.File]::ReadAllBytes($full)
            $Context.backupBytes += $bytes.Length
            $files += @{ file = [string]$rel; exists = $true; base64 = [Convert]::ToBase64String($bytes); sha256 = (Get-HcSha256 $bytes) }
        } else {
            $files += @{ file = [string]$rel; exists = $false }
        }
        if ($Data.originals) {
            $original = Join-HcOwnPath $install ('original/' + (([string]$rel -split '[\\/]') -join '/'))
            if ([IO.File]::Exists($original)) {
                $bytes = [IO.File]::ReadAllBytes($original)
                $recorded = $null
                if ([IO.File]::Exists($original + '.sha256')) { $recorded = ([IO.File]::ReadAllText($original + '.sha256')).Trim() }
                $originals += @{ file = [string]$rel; exists = $true; base64 = [Convert]::ToBase64String($bytes); sha256 = (Get-HcSha256 $bytes); recordedSha256 = $recorded }
            } else {
                $originals += @{ file = [string]$rel; exists = $false }
            }
        }
    }
    return @{ files = $files; originals = $originals }
}

# Writes all planned files of the server. Every file is checked first (still the bytes the plan was made
# from), so a stale plan writes nothing; then each file is backed up (the call's backup folder, and
# hybridcfg\original\ only if absent) and replaced atomically through a temp file in hybridcfg\tmp\. The
# new bytes arrive in $Blob (offset and length per file), not in the JSON data: Windows PowerShell 5.1's
# ConvertFrom-Json refuses more than 2,097,152 characters (docs/exchange-facts.md#powershell-51).
function Set-HcWebConfig($Data, $Blob, $Context) {
    $install = $Context.install
    $checked = @()
    foreach ($w in @($Data.writes)) {
        $full = Resolve-HcPath $install ([string]$w.file)
        if (-not [IO.File]::Exists($full)) {
            throw ('[target.file-missing] ' + [string]$w.file + ' does not exist; hybridcfg never creates web.config files. Nothing was written.')
        }
        $before = Get-HcSha256 ([IO.File]::ReadAllBytes($full))
        if ($before -ne [string]$w.expectedSha256) {
            throw ('[target.file-changed] ' + [string]$w.file + ' changed since the plan was made (sha256 ' + $before + ', plan expected ' + [string]$w.expectedSha256 + '). Nothing was written.')
        }
        # Replacing the file keeps what was set on it (File.Replace keeps its ACL and owner), or nothing is
        # written: a link would become a plain file, and a read-only file was made so on purpose.
        $attributes = [IO.File]::GetAttributes($full)
        if (($attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) {
            throw ('[target.file-symlink] ' + [string]$w.file + ' is a symbolic link (a reparse point): hybridcfg would turn it into a file. Nothing was written.')
        }
        if (($attributes -band [IO.FileAttributes]::ReadOnly) -ne 0) {
            throw ('[target.file-readonly] ' + [string]$w.file + ' is read-only: clear the flag if hybridcfg may change it. Nothing was written.')
        }
        $checked += @{ write = $w; full = $full; before = $before }
    }
    $results = @()
    $tmp = Join-HcOwnPath $install 'tmp'
    foreach ($c in $checked) {
        $rel = ([string]$c.write.file -split '[\\/]') -join '/'
        $folder = Get-HcBackupFolder $Context
        $backupRel = $folder + '/' + $rel
        $backup = Join-HcOwnPath $install ($backupRel.Substring('hybridcfg/'.Length))
        $beforeBytes = [IO.File]::ReadAllBytes($c.full)
        if ((Get-HcSha256 $beforeBytes) -ne $c.before) { throw ('[target.file-changed] ' + [string]$c.write.file + ' changed while it was being written. Nothing more was written.') }
        [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($backup))
        # Backups and originals are written whole or not at all (temp file, flush, then a move that fails
        # if the name exists): a kill or a full disk never leaves a short copy that a rollback would trust.
        if (-not (New-HcFileAtomic $backup $beforeBytes $tmp)) { throw ('[target.write-failed] the backup ' + $backupRel + ' already exists. Nothing was written.') }
        $original = Join-HcOwnPath $install ('original/' + $rel)
        $originalSha256 = $null
        $recorded = $null
        if ([IO.File]::Exists($original + '.sha256')) { $recorded = ([IO.File]::ReadAllText($original + '.sha256')).Trim() }
        if (-not [IO.File]::Exists($original) -and ($null -eq $recorded -or $recorded -eq $c.before)) {
            [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($original))
            # The hash first, from the bytes in memory: an original that does not hash to it is never restored.
            if ($null -eq $recorded) { [void](New-HcFileAtomic ($original + '.sha256') ([Text.Encoding]::ASCII.GetBytes($c.before + "`n")) $tmp) }
            if (New-HcFileAtomic $original $beforeBytes $tmp) { $originalSha256 = $c.before }
        }
        $bytes = New-Object byte[] ([int]$c.write.length)
        [Array]::Copy($Blob, [int]$c.write.offset, $bytes, 0, [int]$c.write.length)
        # The temp file goes to hybridcfg\tmp, not beside the web.config: a run killed between write and
        # rename leaves nothing in a folder IIS reads. Same volume as the file, so the swap stays atomic.
        Write-HcFileAtomic $c.full $bytes $tmp
        $results += @{ file = [string]$c.write.file; backupPath = $backupRel; backupFullPath = $backup; backupSha256 = $c.before; originalSha256 = $originalSha256; sha256Before = $c.before; sha256After = (Get-HcSha256 ([IO.File]::ReadAllBytes($c.full))) }
    }
    return @{ files = $results }
}
