# hybridcfg: reads the organisation in one call: partner applications, client access servers, and the
# parameters Set-PartnerApplication exposes to this session (build and RBAC role entries both decide it).
param([string]$DataB64)
$apps = @()
foreach ($a in @(Get-PartnerApplication)) {
    $act = $null
    if ($null -ne $a.ActAsPermissions -and @($a.ActAsPermissions).Count -gt 0) { $act = [string[]]@($a.ActAsPermissions | ForEach-Object { [string]$_ }) }
    $only = $null
    if ($null -ne $a.AppOnlyPermissions -and @($a.AppOnlyPermissions).Count -gt 0) { $only = [string[]]@($a.AppOnlyPermissions | ForEach-Object { [string]$_ }) }
    $linked = $null
    if ($null -ne $a.LinkedAccount -and [string]$a.LinkedAccount -ne '') { $linked = [string]$a.LinkedAccount }
    $apps += @{
        Name                                = [string]$a.Name
        ApplicationIdentifier               = [string]$a.ApplicationIdentifier
        Enabled                             = [bool]$a.Enabled
        AcceptSecurityIdentifierInformation = [bool]$a.AcceptSecurityIdentifierInformation
        AccountType                         = [string]$a.AccountType
        ActAsPermissions                    = $act
        AppOnlyPermissions                  = $only
        AuthMetadataUrl                     = [string]$a.AuthMetadataUrl
        IssuerIdentifier                    = [string]$a.IssuerIdentifier
        LinkedAccount                       = $linked
        Realm                               = [string]$a.Realm
        UseAuthServer                       = [bool]$a.UseAuthServer
    }
}
$servers = @()
foreach ($s in @(Get-ExchangeServer)) {
    $role = [string]$s.ServerRole
    # Only servers with the client access front end serve web.config changes (not Edge).
    if ($role -match 'Mailbox|ClientAccess') {
        $servers += @{ Name = [string]$s.Name; Fqdn = [string]$s.Fqdn; AdminDisplayVersion = [string]$s.AdminDisplayVersion; ServerRole = $role }
    }
}
$parameters = @()
$cmd = Get-Command -Name Set-PartnerApplication -ErrorAction SilentlyContinue
if ($cmd) {
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $parameters = @($cmd.Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { [string]$_ })
}
ConvertTo-Json -InputObject @{ partnerApplications = $apps; servers = $servers; setPartnerApplicationParameters = $parameters } -Depth 6 -Compress
