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
    if ($Name -eq 'LinkedAccountDistinguishedName') {
        # The ADObjectId's own DistinguishedName (deserialised or not, it is a property of the object).
        $linked = $App.LinkedAccount
        if ($null -eq $linked -or $null -eq $linked.PSObject.Properties['DistinguishedName']) { return $null }
        $dn = [string]$linked.DistinguishedName
        if ($dn -eq '') { return $null }
        return $dn
    }
    if ($Name -eq 'Guid') { return ([string]$v).ToLowerInvariant() }
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
    # Why -AppOnlyPermissions is missing, when it is: the documented probe (find-exchange-cmdlet-permissions.md
    # [H]) finds the role entries that expose it; "couldn't be found" means none does in this organisation.
    $probe = @{ roles = $null; error = $null }
    if ($parameters -notcontains 'AppOnlyPermissions') {
        if (-not (Get-Command -Name Get-ManagementRoleEntry -ErrorAction SilentlyContinue)) {
            $probe.error = 'Get-ManagementRoleEntry is not available to this account'
        } else {
            try {
                $entries = @(Get-ManagementRoleEntry -Identity '*\Set-PartnerApplication' -Parameters AppOnlyPermissions -ErrorAction Stop)
                $probe.roles = [string[]]@($entries | ForEach-Object { [string]$_.Role } | Select-Object -Unique)
            } catch {
                if ([string]$_.Exception.Message -match "couldn't be found") { $probe.roles = [string[]]@() } else { $probe.error = [string]$_.Exception.Message }
            }
        }
    }
    $originals = $null
    if ($null -ne $StateFiles) { $originals = $StateFiles[[string]$Data.originalsFile] }
    return @{ applications = $apps; parameters = $parameters; probe = $probe; originals = $originals }
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
    # The object by its Guid, and the planner's rule once more: it must be the one object with this
    # ApplicationIdentifier and Realm (empty and unset Realms are the same, [string]::IsNullOrEmpty).
    $all = @(Get-PartnerApplication)
    $app = @($all | Where-Object { ([string]$_.Guid).ToLowerInvariant() -eq ([string]$Data.guid).ToLowerInvariant() })
    if ($app.Count -ne 1) {
        throw ('[target.unknown-application] No partner application has the Guid ' + [string]$Data.guid + ' any more (planned as ApplicationIdentifier ' + [string]$Data.applicationIdentifier + '). Nothing was changed; run plan again.')
    }
    $realm = [string]$Data.realm
    $twins = @($all | Where-Object { [string]$_.ApplicationIdentifier -eq [string]$Data.applicationIdentifier -and ([string]$_.Realm).ToLowerInvariant() -eq $realm.ToLowerInvariant() })
    if ($twins.Count -ne 1) {
        throw ('[target.ambiguous-application] ' + $twins.Count + ' partner applications have ApplicationIdentifier ' + [string]$Data.applicationIdentifier + ' and Realm "' + $realm + '". Nothing was changed; run plan again.')
    }
    # Ordered: the parameters reach the cmdlet in the order the plan lists them. -Identity is the Guid,
    # never the Name ("$app.Identity" is the Name) nor the ApplicationIdentifier, which others may share.
    $params = [ordered]@{ Identity = [string]$app[0].Guid; Confirm = $false }
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
        # The linked account is recorded by DistinguishedName, which -LinkedAccount takes back for certain.
        if ($p.Name -eq 'LinkedAccount') {
            $dn = ConvertTo-HcPartnerValue $app[0] 'LinkedAccountDistinguishedName'
            $same = ($null -eq $value -and $null -eq $old) -or ($null -ne $value -and (([string]$value -eq [string]$old) -or ([string]$value -eq [string]$dn)))
            if (-not $same) { if ($null -ne $dn) { $originals[$p.Name] = $dn } else { $originals[$p.Name] = $old } }
            continue
        }
        if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -cne (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { $originals[$p.Name] = $old }
    }
    $recorded = $null
    if ($originals.Count -gt 0) {
        $recorded = Invoke-HcState $State ([ordered]@{ op = 'record-originals'; file = [string]$Data.originalsFile; key = [string]$Data.key; values = $originals }) $null
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
