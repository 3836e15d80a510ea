# hybridcfg: reads one server in one call: its install path, the requested files (bytes + sha256), and
# whether a backup could be taken before a write (backup folder creatable and writable, disk not full).
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$install = Get-HcInstallPath
$files = @()
[long]$total = 0
foreach ($rel in @($d.files)) {
    $full = Resolve-HcPath $install ([string]$rel)
    if ([IO.File]::Exists($full)) {
        $bytes = [IO.File]::ReadAllBytes($full)
        $total += $bytes.Length
        $files += @{ file = [string]$rel; exists = $true; base64 = [Convert]::ToBase64String($bytes); sha256 = (Get-HcSha256 $bytes) }
    } else {
        $files += @{ file = [string]$rel; exists = $false }
    }
}
# The same test a write would meet: create hybridcfg\backup, write a file there and remove it. A plan
# may leave the (empty) folder behind; an apply needs it anyway.
$backup = @{ possible = $true }
$folder = Resolve-HcPath $install 'hybridcfg/backup'
try {
    [void][IO.Directory]::CreateDirectory($folder)
    $probe = [IO.Path]::Combine($folder, '.probe-' + [Guid]::NewGuid().ToString('N') + '.tmp')
    $stream = New-Object IO.FileStream($probe, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
    try { $stream.WriteByte(0); $stream.Flush($true) } finally { $stream.Dispose(); [IO.File]::Delete($probe) }
} catch {
    $backup = @{ possible = $false; reason = ($folder + ' cannot be created or written: ' + $_.Exception.Message) }
}
if ($backup.possible) {
    # A write needs room for the backup, the first original and the temp file of each file, plus a margin
    # so that hybridcfg never takes the last bytes Exchange needs. The drive of the folder's root: on
    # Windows the drive letter; a folder on a mount point below it is not told apart.
    [long]$needed = 3 * $total + [long]$d.minFreeBytes
    $drive = New-Object IO.DriveInfo([IO.Path]::GetPathRoot($folder))
    if ($drive.AvailableFreeSpace -lt $needed) {
        $backup = @{ possible = $false; reason = ($drive.Name + ' has ' + [Math]::Floor($drive.AvailableFreeSpace / 1MB) + ' MB free; a backup of these files needs at least ' + [Math]::Ceiling($needed / 1MB) + ' MB.') }
    }
}
ConvertTo-Json -InputObject @{ installPath = $install; files = $files; backup = $backup } -Depth 5 -Compress
