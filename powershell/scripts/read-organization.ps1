# hybridcfg: reads the organisation in one call: partner applications, client access servers, the
# parameters Set-PartnerApplication exposes to this session (build and RBAC role entries both decide it),
# and the run state kept on the lock server (lock, last run, partner application originals).
param([string]$DataB64)
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
$properties = @('Name', 'ApplicationIdentifier', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'AppOnlyPermissions', 'AuthMetadataUrl', 'IssuerIdentifier', 'LinkedAccount', 'Realm', 'UseAuthServer')
$apps = @()
foreach ($a in @(Get-PartnerApplication)) {
    $app = [ordered]@{}
    foreach ($p in $properties) { $app[$p] = ConvertTo-HcPartnerValue $a $p }
    $apps += $app
}
$frontEnd = Get-HcFrontEndServers
$servers = @()
foreach ($s in $frontEnd) {
    $servers += @{ Name = [string]$s.Name; Fqdn = [string]$s.Fqdn; AdminDisplayVersion = [string]$s.AdminDisplayVersion; ServerRole = [string]$s.ServerRole }
}
$parameters = @()
$cmd = Get-Command -Name Set-PartnerApplication -ErrorAction SilentlyContinue
if ($cmd) {
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $parameters = @($cmd.Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { [string]$_ })
}
$state = $null
if ([string]$d.state.transport -ne 'winrm' -or $frontEnd.Count -gt 0) { $state = Invoke-HcState $d.state @{ op = 'read' } $frontEnd }
ConvertTo-Json -InputObject @{ partnerApplications = $apps; servers = $servers; setPartnerApplicationParameters = $parameters; state = $state } -Depth 6 -Compress
