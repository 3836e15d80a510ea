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
