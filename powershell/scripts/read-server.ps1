# hybridcfg: reads one server in one call, on that server: its install path, what each resource kind
# reads there (its Read-Hc* function, sent with this script), and whether a backup could be taken before
# a write (backup folder creatable and writable, disk not full).
param([string]$DataB64, [string]$BlobB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$install = Get-HcInstallPath
$context = @{ install = $install; backupBytes = [long]0 }
$resources = [ordered]@{}
foreach ($k in @($d.kinds)) { $resources[[string]$k.id] = & (Assert-HcFunction ([string]$k.fn)) $k.data $context }
# The same test a write would meet: create hybridcfg\backup, write a file there and remove it. A plan
# may leave the (empty) folder behind; an apply needs it anyway.
$backup = @{ possible = $true }
$folder = Join-HcOwnPath $install 'backup'
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
    [long]$needed = 3 * $context.backupBytes + [long]$d.minFreeBytes
    $drive = New-Object IO.DriveInfo([IO.Path]::GetPathRoot($folder))
    if ($drive.AvailableFreeSpace -lt $needed) {
        $backup = @{ possible = $false; reason = ($drive.Name + ' has ' + [Math]::Floor($drive.AvailableFreeSpace / 1MB) + ' MB free; a backup of these files needs at least ' + [Math]::Ceiling($needed / 1MB) + ' MB.') }
    }
}
# The build: ExSetup.exe's FileVersion, as Microsoft's own scripts read it (CSS-Exchange
# Shared/Get-ExSetupFileVersionInfo.ps1 [H]); AdminDisplayVersion shows the cumulative update only.
$build = $null
try {
    $exsetup = [IO.Path]::Combine($install, 'bin', 'ExSetup.exe')
    if ([IO.File]::Exists($exsetup)) { $build = [string][Diagnostics.FileVersionInfo]::GetVersionInfo($exsetup).FileVersion }
} catch { $build = $null }
# Which application pool serves which folder: IIS's own configuration, read as XML as HealthChecker reads
# it (CSS-Exchange Get-ExchangeServerIISSettings.ps1 [H]); physical paths with their %variables% expanded
# here, where they mean something. No WebAdministration: real servers often lack it.
$iis = $null
try {
    $file = [IO.Path]::Combine([string]$env:windir, 'System32', 'inetsrv', 'config', 'applicationHost.config')
    if ([IO.File]::Exists($file)) {
        $xml = New-Object Xml
        $xml.Load($file)
        # XPath and GetAttribute rather than PowerShell's XML adapter: the same nodes, at a fraction of the
        # cost (the adapter made this a 20 ms part of every server's read).
        $hostNode = $xml.SelectSingleNode('/configuration/system.applicationHost')
        $globalDefault = 'DefaultAppPool'
        $defaults = $hostNode.SelectSingleNode('sites/applicationDefaults')
        if ($null -ne $defaults -and $defaults.GetAttribute('applicationPool')) { $globalDefault = $defaults.GetAttribute('applicationPool') }
        $apps = New-Object Collections.ArrayList
        foreach ($site in $hostNode.SelectNodes('sites/site')) {
            $siteDefault = $globalDefault
            $defaults = $site.SelectSingleNode('applicationDefaults')
            if ($null -ne $defaults -and $defaults.GetAttribute('applicationPool')) { $siteDefault = $defaults.GetAttribute('applicationPool') }
            foreach ($app in $site.SelectNodes('application')) {
                $root = $app.SelectSingleNode("virtualDirectory[@path='/']")
                if ($null -eq $root) { continue }
                $pool = $app.GetAttribute('applicationPool')
                if (-not $pool) { $pool = $siteDefault }
                [void]$apps.Add([ordered]@{ site = $site.GetAttribute('name'); path = $app.GetAttribute('path'); pool = $pool; physicalPath = [Environment]::ExpandEnvironmentVariables($root.GetAttribute('physicalPath')) })
            }
        }
        $pools = @(foreach ($p in $hostNode.SelectNodes('applicationPools/add')) { $p.GetAttribute('name') })
        $iis = [ordered]@{ applications = @($apps.ToArray()); pools = $pools }
    }
} catch { $iis = $null }
ConvertTo-Json -InputObject @{ installPath = $install; resources = $resources; backup = $backup; build = $build; iis = $iis } -Depth 12 -Compress
