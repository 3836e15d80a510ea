# hybridcfg: reads the organisation in one call: the client access servers, the run state kept on the
# lock server (lock, last run, and the state files the kinds ask for), and what each resource kind reads
# organisation-wide (its Read-Hc* function, sent with this script). Runs where the Exchange cmdlets are.
param([string]$DataB64, [string]$BlobB64)
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$frontEnd = @()
$servers = @()
$excluded = @()
foreach ($s in @(Get-ExchangeServer)) {
    $why = Get-HcOutOfScopeReason $s
    if ($null -ne $why) { $excluded += @{ Name = [string]$s.Name; reason = $why }; continue }
    $frontEnd += $s
    $servers += @{ Name = [string]$s.Name; Fqdn = [string]$s.Fqdn; AdminDisplayVersion = [string]$s.AdminDisplayVersion; ServerRole = [string]$s.ServerRole }
}
# The organisation's name, for people (the plan and its report name it); a session that cannot run
# Get-OrganizationConfig still plans, without the name.
$organizationName = $null
try { $organizationName = [string](Get-OrganizationConfig -ErrorAction Stop).Name } catch { $organizationName = $null }
$state = $null
$stateFiles = @{}
if (@('winrm', 'auto') -notcontains [string]$d.state.transport -or $frontEnd.Count -gt 0) {
    $state = Invoke-HcState $d.state @{ op = 'read'; files = @($d.stateFiles) } $frontEnd
    if ($null -ne $state.files) { foreach ($p in $state.files.PSObject.Properties) { $stateFiles[$p.Name] = $p.Value } }
}
$resources = [ordered]@{}
foreach ($k in @($d.kinds)) { $resources[[string]$k.id] = & (Assert-HcFunction ([string]$k.fn)) $k.data $stateFiles }
$run = $null
if ($null -ne $state) { $run = @{ lock = $state.lock; lastRunStart = $state.lastRunStart; lastRunEnd = $state.lastRunEnd } }
ConvertTo-Json -InputObject @{ servers = $servers; excluded = $excluded; resources = $resources; state = $run; lockServer = $script:HcLockServer; organizationName = $organizationName } -Depth 12 -Compress
