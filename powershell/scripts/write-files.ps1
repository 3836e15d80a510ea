# hybridcfg: writes all planned files of one server in one call. Every file is checked first (still the
# bytes the plan was made from), so a stale plan writes nothing; then each file is backed up
# (hybridcfg\backup\<stamp>\, and hybridcfg\original\ only if absent) and replaced atomically through
# a temp file in hybridcfg\tmp\.
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
if ([string]$d.stamp -notmatch '^[0-9A-Za-z-]+$') { throw '[target.bad-request] The backup stamp is malformed.' }
$install = Get-HcInstallPath
$sep = [IO.Path]::DirectorySeparatorChar
$checked = @()
foreach ($w in @($d.writes)) {
    $full = Resolve-HcPath $install ([string]$w.file)
    if (-not [IO.File]::Exists($full)) {
        throw ('[target.file-missing] ' + [string]$w.file + ' does not exist; hybridcfg never creates web.config files. Nothing was written.')
    }
    $before = Get-HcSha256 ([IO.File]::ReadAllBytes($full))
    if ($before -ne [string]$w.expectedSha256) {
        throw ('[target.file-changed] ' + [string]$w.file + ' changed since the plan was made (sha256 ' + $before + ', plan expected ' + [string]$w.expectedSha256 + '). Nothing was written.')
    }
    $checked += @{ write = $w; full = $full; before = $before }
}
# A backup folder is never reused: two writes within one millisecond get distinct folders.
$stamp = [string]$d.stamp
$n = 2
while ([IO.Directory]::Exists((Resolve-HcPath $install ('hybridcfg/backup/' + $stamp)))) { $stamp = [string]$d.stamp + '-' + $n; $n++ }
$results = @()
foreach ($c in $checked) {
    $rel = ([string]$c.write.file -split '[\\/]') -join '/'
    $backupRel = 'hybridcfg/backup/' + $stamp + '/' + $rel
    $backup = Resolve-HcPath $install $backupRel
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($backup))
    [IO.File]::Copy($c.full, $backup, $false)
    $original = Resolve-HcPath $install ('hybridcfg/original/' + $rel)
    if (-not [IO.File]::Exists($original)) {
        [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($original))
        [IO.File]::Copy($c.full, $original, $false)
    }
    $bytes = [Convert]::FromBase64String([string]$c.write.base64)
    # The temp file goes to hybridcfg\tmp, not beside the web.config: a run killed between write and
    # rename leaves nothing in a folder IIS reads. Same volume as the file, so the swap stays atomic.
    Write-HcFileAtomic $c.full $bytes (Resolve-HcPath $install 'hybridcfg/tmp')
    $results += @{ file = [string]$c.write.file; backupPath = $backupRel; backupFullPath = $backup; sha256Before = $c.before; sha256After = (Get-HcSha256 $bytes) }
}
ConvertTo-Json -InputObject @{ files = $results } -Depth 5 -Compress
