# hybridcfg: partner applications (src/resources/partner-application). Defines the kind's functions; the
# target sends them with read-organization.ps1 and set-organization.ps1. Runs where the Exchange cmdlets
# are. Windows PowerShell 5.1 compatible.

# A partner application property as hybridcfg reads and records it: unset lists and linked accounts are
# null (Exchange serialises them as Nil), flags are booleans, the rest is text as Exchange prints it.
function ConvertTo-HcPartnerValue($App, [string]$Name) {
    $v = $App.$Name
    if ($Name -eq 'ActAsPermissions' -or $Name -eq 'AppOnlyPermissions') {
        if ($null -eq $v -or @($v).Count -eq 0) { return $null }
        return , [string[]]@($v | ForEach-Object { [string]$_ })
    }
    if ($Name -eq 'LinkedAccount') {
        if ($null -eq $v -or [string]$v -eq '') { return $null }
        return [string]$v
    }
    if ($Name -eq 'Enabled' -or $Name -eq 'AcceptSecurityIdentifierInformation' -or $Name -eq 'UseAuthServer') { return [bool]$v }
    return [string]$v
}

# Every partner application with the properties the data lists, the parameters Set-PartnerApplication
# exposes to this session (the build and the RBAC role entries decide them), and the originals file's
# text from the run state read in the same call.
function Read-HcPartnerApplication($Data, $StateFiles) {
    $apps = @()
    foreach ($a in @(Get-PartnerApplication)) {
        $app = [ordered]@{}
        foreach ($p in @($Data.properties)) { $app[[string]$p] = ConvertTo-HcPartnerValue $a ([string]$p) }
        $apps += $app
    }
    $parameters = @()
    $cmd = Get-Command -Name Set-PartnerApplication -ErrorAction SilentlyContinue
    if ($cmd) {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $parameters = @($cmd.Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { [string]$_ })
    }
    $originals = $null
    if ($null -ne $StateFiles) { $originals = $StateFiles[[string]$Data.originalsFile] }
    return @{ applications = $apps; parameters = $parameters; originals = $originals }
}

# One Set-PartnerApplication call. The parameters are built from decoded data and splatted, so no value
# is ever parsed as code, and a RestrictedLanguage endpoint receives plain parameters. Before the change,
# the current value of each property that changes is recorded in the run state (the first value is kept
# for ever) for rollback.
function Set-HcPartnerApplication($Data, $State) {
    $settable = @($Data.settable)
    $lists = @('ActAsPermissions', 'AppOnlyPermissions')
    # PowerShell binds parameters before a cmdlet runs, so a parameter this session lacks fails the call
    # before anything changes. Checked here first so that nothing is recorded for a call that cannot run.
    $cmd = Get-Command -Name Set-PartnerApplication -ErrorAction Stop
    foreach ($p in $Data.update.PSObject.Properties) {
        if ($settable -notcontains $p.Name) { throw ('[target.bad-request] ' + $p.Name + ' is not a property hybridcfg sets.') }
        if (-not $cmd.Parameters.ContainsKey($p.Name)) { throw ("A parameter cannot be found that matches parameter name '" + $p.Name + "'.") }
    }
    $app = @(Get-PartnerApplication | Where-Object { [string]$_.ApplicationIdentifier -eq [string]$Data.applicationIdentifier })
    if ($app.Count -ne 1) {
        throw ('[target.unknown-application] No partner application has ApplicationIdentifier ' + [string]$Data.applicationIdentifier + ' (found ' + $app.Count + ').')
    }
    # Ordered: the parameters reach the cmdlet in the order the plan lists them.
    $params = [ordered]@{ Identity = [string]$app[0].Identity; Confirm = $false }
    $originals = [ordered]@{}
    foreach ($p in $Data.update.PSObject.Properties) {
        $value = $p.Value
        if ($lists -contains $p.Name) {
            # [M] An empty list is sent as $null: Exchange stores an unset MultiValuedProperty as null
            # (docs/exchange-facts.md#partner-applications, assumption empty-permission-list-is-null).
            if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
        }
        $params[$p.Name] = $value
        $old = ConvertTo-HcPartnerValue $app[0] $p.Name
        if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -cne (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { $originals[$p.Name] = $old }
    }
    $recorded = $null
    if ($originals.Count -gt 0) {
        $recorded = Invoke-HcState $State ([ordered]@{ op = 'record-originals'; file = [string]$Data.originalsFile; key = [string]$app[0].ApplicationIdentifier; values = $originals }) $null
    }
    try {
        Set-PartnerApplication @params | Out-Null
    } catch {
        $failure = $_
        if ($null -ne $recorded -and $recorded.changed) {
            # Nothing changed in Exchange, so nothing may stay recorded: put the file back as it was. If even
            # that fails, the entry holds the value that is still live, which a rollback restores harmlessly.
            try { [void](Invoke-HcState $State @{ op = 'put-file'; file = [string]$Data.originalsFile; text = $recorded.previous } $null) } catch { }
        }
        throw $failure
    }
    return @{ set = $true }
}
