# FakeExchange: the Exchange cmdlets hybridcfg uses, with their real names, parameters and object
# shapes, backed by a lab folder ($env:HYBRIDCFG_LAB) in the format of src/targets/lab. It writes the
# same events.jsonl and calls.jsonl lines as the TypeScript lab target (test/contract proves it).
# Windows PowerShell 5.1 compatible, like every script hybridcfg ships.

$script:CurrentServer = $null

function Get-LabRoot {
    $lab = $env:HYBRIDCFG_LAB
    if (-not $lab -or -not (Test-Path -LiteralPath (Join-Path $lab 'organization.json'))) {
        throw ('FakeExchange: HYBRIDCFG_LAB must name a lab folder with an organization.json (got "' + $lab + '").')
    }
    return $lab
}

# -ReadOnly: for callers that only look (the server stand-ins, the transport's faults), the parse of the
# file as it is now, kept while its write time and length stay the same (the lab target's own rule, LAB.md
# O4): a fan-out over many servers then parses it once, and a fault changed mid-run is still seen. The
# cmdlets that change the organisation parse their own copy.
$script:LabOrganizationCache = $null
function Read-LabOrganization([switch]$ReadOnly) {
    $path = Join-Path (Get-LabRoot) 'organization.json'
    if (-not $ReadOnly) { return [IO.File]::ReadAllText($path, [Text.Encoding]::UTF8) | ConvertFrom-Json }
    $info = New-Object IO.FileInfo($path)
    $written = $info.LastWriteTimeUtc.Ticks
    $stamp = $path + '|' + [string]$written + '|' + [string]$info.Length
    # A file written shortly before it was read may be written again with the same stamp: its parse is
    # trusted only once read 100 ms after its write time (2.5 s where times are whole seconds), git's
    # racy-index rule, as the lab target applies it (LAB.md R1).
    $margin = 1000000
    if ($written % 10000000 -eq 0) { $margin = 25000000 }
    $cache = $script:LabOrganizationCache
    if ($null -ne $cache -and $cache.stamp -eq $stamp -and ($cache.readAt - $written) -ge $margin) { return $cache.organization }
    $readAt = [DateTime]::UtcNow.Ticks
    $organization = [IO.File]::ReadAllText($path, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $script:LabOrganizationCache = @{ stamp = $stamp; readAt = $readAt; organization = $organization }
    return $organization
}

# Replaced atomically (temp file in the same folder, then renamed over it), as the lab target does (O3):
# shells serving server calls in parallel read organization.json while this one may write it.
function Write-LabOrganization($Organization) {
    $script:LabOrganizationCache = $null
    $path = Join-Path (Get-LabRoot) 'organization.json'
    $json = ConvertTo-Json -InputObject $Organization -Depth 20
    $temp = $path + '.' + [Guid]::NewGuid().ToString('N') + '.tmp'
    [IO.File]::WriteAllText($temp, ($json -replace "`r`n", "`n") + "`n", (New-Object Text.UTF8Encoding($false)))
    [IO.File]::Replace($temp, $path, [NullString]::Value)
}

function Get-LabTime {
    return [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

# Several shells may log at the same time (server calls run in parallel), and .NET appends by seeking to
# the end, not with O_APPEND: the file is opened exclusively (retried while another shell has it), so
# that lines never overwrite or interleave each other.
function Add-LabLine([string]$File, $Entry) {
    $line = ConvertTo-Json -InputObject $Entry -Depth 10 -Compress
    $bytes = (New-Object Text.UTF8Encoding($false)).GetBytes($line + "`n")
    $path = Join-Path (Get-LabRoot) $File
    $stream = $null
    for ($try = 0; $null -eq $stream; $try++) {
        try {
            $stream = [IO.File]::Open($path, [IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::None)
        } catch {
            if ($try -ge 1000) { throw }
            Start-Sleep -Milliseconds 5
        }
    }
    try { $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
}

function Add-LabEvent([System.Collections.Specialized.OrderedDictionary]$Fields) {
    $entry = [ordered]@{ time = (Get-LabTime) }
    foreach ($k in $Fields.Keys) { $entry[$k] = $Fields[$k] }
    Add-LabLine 'events.jsonl' $entry
}

function Get-LabFault($Object, [string]$Name) {
    if ($null -eq $Object.faults) { return $null }
    $p = $Object.faults.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    return $p.Value
}

function Get-LabProperty($Object, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    return $p.Value
}

# How the session reaches Exchange (connect.ps1): 'rbac' (the Exchange Management Shell or a remote session:
# RBAC trims every cmdlet to the caller's role entries) or 'snap-in' (the snap-in loaded directly, which
# bypasses RBAC and shows each cmdlet with all the parameters its build has).
$script:SessionMode = 'rbac'
function Set-FakeExchangeSession {
    [CmdletBinding()]
    param([ValidateSet('rbac', 'snap-in')][string]$Mode = 'rbac')
    $script:SessionMode = $Mode
}

$script:DomainController = 'DC01.contoso.lab'
function Get-LabNotFoundMessage([string]$Identity) {
    return ("The operation couldn't be performed because object '" + $Identity + "' couldn't be found on '" + $script:DomainController + "'.")
}

# An ADObjectId as it arrives: an object whose text is its name (Exchange prints Identity as the Name,
# LinkedAccount as the canonical name) and that carries its DistinguishedName and ObjectGuid (fixture E19
# GetPartnerApplication.xml [H]; docs/exchange-facts.md#partner-applications A4).
function New-LabAdObjectId([string]$Text, [string]$DistinguishedName, [string]$Guid, [string]$Name) {
    $o = [pscustomobject][ordered]@{ Name = $Name; DistinguishedName = $DistinguishedName; ObjectGuid = $Guid }
    $o.PSObject.TypeNames.Insert(0, 'Microsoft.Exchange.Data.Directory.ADObjectId')
    $o | Add-Member -MemberType ScriptMethod -Name ToString -Value ([scriptblock]::Create("'" + ($Text -replace "'", "''") + "'")) -Force
    return $o
}

function ConvertTo-PartnerApplicationObject($App) {
    $o = [ordered]@{}
    foreach ($p in $App.PSObject.Properties) {
        if ($p.Name -ne 'faults' -and $p.Name -ne 'LinkedAccountDistinguishedName' -and $p.Name -ne 'Guid' -and $p.Name -ne 'LinkedAccount') { $o[$p.Name] = $p.Value }
    }
    $o['Guid'] = [guid][string]$App.Guid
    $linked = $null
    if ($null -ne $App.LinkedAccount -and [string]$App.LinkedAccount -ne '') {
        $dn = [string](Get-LabProperty $App 'LinkedAccountDistinguishedName')
        $linked = New-LabAdObjectId ([string]$App.LinkedAccount) $dn '' (([string]$App.LinkedAccount) -split '/')[-1]
    }
    $o['LinkedAccount'] = $linked
    $o['Identity'] = New-LabAdObjectId ([string]$App.Name) ([string]$App.DistinguishedName) ([string]$App.Guid) ([string]$App.Name)
    $out = [pscustomobject]$o
    $out.PSObject.TypeNames.Insert(0, 'Microsoft.Exchange.Data.Directory.SystemConfiguration.PartnerApplication')
    return $out
}

# -Identity as PartnerApplicationIdParameter takes it: Name, ApplicationIdentifier, DistinguishedName or
# Guid (Set-PartnerApplication.md [H]), or an object that carries its Guid. Several matches are an error,
# as Exchange gives for an identity that is not unique [M].
function Find-LabPartnerApplication($Organization, $Identity) {
    $key = $null
    if ($null -ne $Identity -and $Identity -isnot [string]) {
        if ($null -ne $Identity.PSObject.Properties['Guid'] -and [string]$Identity.Guid) { $key = [string]$Identity.Guid }
        elseif ($null -ne $Identity.PSObject.Properties['ObjectGuid'] -and [string]$Identity.ObjectGuid) { $key = [string]$Identity.ObjectGuid }
    }
    if ($null -eq $key) { $key = [string]$Identity }
    $found = @(@($Organization.partnerApplications) | Where-Object {
        $_.Guid -eq $key -or $_.DistinguishedName -eq $key -or $_.ApplicationIdentifier -eq $key -or $_.Name -eq $key
    })
    if ($found.Count -eq 0) { throw (Get-LabNotFoundMessage $key) }
    if ($found.Count -gt 1) { throw ("The operation couldn't be performed because '" + $key + "' matches multiple entries.") }
    return $found[0]
}

function Get-PartnerApplication {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline = $true)]$Identity, [string]$DomainController)
    $org = Read-LabOrganization
    # $null as -Identity returns every object, as if it had not been given (Get-PartnerApplication.md [H]).
    if ($PSBoundParameters.ContainsKey('Identity') -and $null -ne $Identity) {
        return ConvertTo-PartnerApplicationObject (Find-LabPartnerApplication $org $Identity)
    }
    foreach ($a in @($org.partnerApplications)) { ConvertTo-PartnerApplicationObject $a }
}

# The parameters a cmdlet shows this session: its role entries' (RBAC), or with the snap-in loaded directly
# all that its build has (organization.json cmdlets.<name>.parameters and .all; LAB.md, "Builds").
function Get-LabCmdletParameters([string]$Cmdlet) {
    $lab = $env:HYBRIDCFG_LAB
    if (-not $lab -or -not (Test-Path -LiteralPath (Join-Path $lab 'organization.json'))) { return $null }
    $cmdlets = Get-LabProperty (Read-LabOrganization) 'cmdlets'
    if ($null -eq $cmdlets) { return $null }
    $entry = Get-LabProperty $cmdlets $Cmdlet
    if ($null -eq $entry) { return @() }
    if ($script:SessionMode -eq 'snap-in' -and $null -ne (Get-LabProperty $entry 'all')) { return @($entry.all) }
    return @($entry.parameters)
}

# Set-PartnerApplication's parameters, their types and parameter sets (Set-PartnerApplication.md [H]).
$script:SetPartnerApplicationTypes = @{
    Identity                            = [object]
    Name                                = [string]
    Enabled                             = [bool]
    AcceptSecurityIdentifierInformation = [bool]
    AccountType                         = [string]
    ActAsPermissions                    = [string[]]
    AppOnlyPermissions                  = [string[]]
    AuthMetadataUrl                     = [string]
    IssuerIdentifier                    = [string]
    LinkedAccount                       = [object]
    Realm                               = [string]
    ApplicationIdentifier               = [string]
    RefreshAuthMetadata                 = [switch]
    TrustAnySSLCertificate              = [switch]
    DomainController                    = [string]
}
$script:SetPartnerApplicationSets = @{
    ApplicationIdentifier  = 'ACSTrustApplication'
    Realm                  = 'ACSTrustApplication'
    AuthMetadataUrl        = 'AuthMetadataUrl'
    TrustAnySSLCertificate = 'AuthMetadataUrl'
    RefreshAuthMetadata    = 'RefreshAuthMetadata'
}
# The properties Set-PartnerApplication changes (the others, like DomainController, steer the call).
$script:SettableOrder = @('Name', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'AppOnlyPermissions', 'AuthMetadataUrl', 'IssuerIdentifier', 'LinkedAccount', 'Realm', 'ApplicationIdentifier')

function Resolve-LabAccount($Organization, $Value) {
    if ($null -eq $Value) { return $null }
    $key = [string]$Value
    if ($Value -isnot [string] -and $null -ne $Value.PSObject.Properties['DistinguishedName']) { $key = [string]$Value.DistinguishedName }
    foreach ($a in @(Get-LabProperty $Organization 'accounts')) {
        if ($null -ne $a -and ($a.DistinguishedName -eq $key -or $a.CanonicalName -eq $key)) { return $a }
    }
    throw (Get-LabNotFoundMessage $key)
}

function Set-PartnerApplication {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'ACSTrustApplication')]
    param()
    DynamicParam {
        $dict = New-Object System.Management.Automation.RuntimeDefinedParameterDictionary
        $names = Get-LabCmdletParameters 'Set-PartnerApplication'
        if ($null -eq $names) { $names = @($script:SetPartnerApplicationTypes.Keys) }
        foreach ($n in @('Identity') + @($names | Where-Object { $_ -ne 'Identity' })) {
            if (-not $script:SetPartnerApplicationTypes.ContainsKey($n) -or $dict.ContainsKey($n)) { continue }
            $type = $script:SetPartnerApplicationTypes[$n]
            $attributes = New-Object 'System.Collections.ObjectModel.Collection[System.Attribute]'
            $attr = New-Object System.Management.Automation.ParameterAttribute
            if ($script:SetPartnerApplicationSets.ContainsKey($n)) { $attr.ParameterSetName = $script:SetPartnerApplicationSets[$n] }
            if ($n -eq 'Identity') { $attr.Mandatory = $true; $attr.Position = 0; $attr.ValueFromPipeline = $true }
            $attributes.Add($attr)
            $attributes.Add((New-Object System.Management.Automation.AllowNullAttribute))
            if ($type -eq [string[]]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyCollectionAttribute)) }
            if ($type -eq [string]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyStringAttribute)) }
            if ($n -eq 'AccountType') { $attributes.Add((New-Object System.Management.Automation.ValidateSetAttribute('OrganizationalAccount', 'ConsumerAccount'))) }
            $dict.Add($n, (New-Object System.Management.Automation.RuntimeDefinedParameter($n, $type, $attributes)))
        }
        return $dict
    }
    end {
        $org = Read-LabOrganization
        $identity = $PSBoundParameters['Identity']
        $app = Find-LabPartnerApplication $org $identity
        if ((Get-LabFault $app 'set') -eq 'fail') {
            throw ("Active Directory operation failed on " + $script:DomainController + ". This error is not retriable. Additional information: The object '" + $app.Name + "' could not be updated.")
        }
        # [M] The 2013 cmdlet refuses a metadata URL on an application that trusts an auth server
        # (docs/exchange-facts.md#partner-applications); the wording is the lab's.
        if ($PSBoundParameters.ContainsKey('AuthMetadataUrl') -and [bool](Get-LabProperty $app 'UseAuthServer')) {
            throw ("The partner application '" + $app.Name + "' uses an authorization server; AuthMetadataUrl can't be set on it.")
        }
        if (-not $PSCmdlet.ShouldProcess([string]$app.Name, 'Set-PartnerApplication')) { return }
        $oldName = [string]$app.Name
        $changed = @()
        # In the order the parameters were given, as the lab target reports them.
        foreach ($n in @($PSBoundParameters.Keys)) {
            if ($script:SettableOrder -notcontains $n) { continue }
            $value = $PSBoundParameters[$n]
            if ($n -eq 'LinkedAccount') {
                $account = Resolve-LabAccount $org $value
                $canonical = $null; $dn = $null
                if ($null -ne $account) { $canonical = [string]$account.CanonicalName; $dn = [string]$account.DistinguishedName }
                if ([string](Get-LabProperty $app 'LinkedAccount') -ceq [string]$canonical -and [string](Get-LabProperty $app 'LinkedAccountDistinguishedName') -ceq [string]$dn) { continue }
                foreach ($pair in @(@('LinkedAccount', $canonical), @('LinkedAccountDistinguishedName', $dn))) {
                    if ($null -eq $app.PSObject.Properties[$pair[0]]) { $app | Add-Member -NotePropertyName $pair[0] -NotePropertyValue $pair[1] } else { $app.($pair[0]) = $pair[1] }
                }
                $changed += $n
                continue
            }
            if ($n -eq 'ActAsPermissions' -or $n -eq 'AppOnlyPermissions') {
                # [?] Exchange's MultiValuedProperty, once cleared, reads back as null (unconfirmed).
                if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
            }
            $old = Get-LabProperty $app $n
            if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -ceq (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { continue }
            if ($null -eq $app.PSObject.Properties[$n]) {
                $app | Add-Member -NotePropertyName $n -NotePropertyValue $value
            } else {
                $app.$n = $value
            }
            $changed += $n
        }
        # Exchange writes nothing when no setting differs [M].
        if ($changed.Count -eq 0) { return }
        $name = [string](Get-LabProperty $app 'Name')
        if ($changed -contains 'Name') { $name = $oldName }
        Write-LabOrganization $org
        Add-LabEvent ([ordered]@{ action = 'set-partnerapplication'; applicationIdentifier = [string]$app.ApplicationIdentifier; name = $name; properties = $changed })
    }
}

# Get-ManagementRoleEntry "<role>\<cmdlet>" [-Parameters ...]: the role entries of the lab's build
# (organization.json rbac.roleEntries). Wildcards in the role and the cmdlet; only entries that hold every
# parameter named; none is the error Exchange gives when "the cmdlet or parameters aren't available in
# your environment" (find-exchange-cmdlet-permissions.md [H]).
function Get-ManagementRoleEntry {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0)][string]$Identity, [string[]]$Parameters, [string]$DomainController)
    $org = Read-LabOrganization
    $rbac = Get-LabProperty $org 'rbac'
    $parts = $Identity -split '\\', 2
    if ($parts.Count -ne 2) { $parts = @('*', $Identity) }
    $found = @()
    foreach ($e in @(Get-LabProperty $rbac 'roleEntries')) {
        if ($null -eq $e) { continue }
        if (-not ([string]$e.role -like $parts[0]) -or -not ([string]$e.cmdlet -like $parts[1])) { continue }
        $missing = @(@($Parameters) | Where-Object { $_ -and @($e.parameters) -notcontains $_ })
        if ($missing.Count -gt 0) { continue }
        $found += [pscustomobject][ordered]@{ Identity = ([string]$e.role + '\' + [string]$e.cmdlet); Role = [string]$e.role; Name = [string]$e.cmdlet; Parameters = [string[]]@($e.parameters); Type = 'Cmdlet' }
    }
    if ($found.Count -eq 0) { throw (Get-LabNotFoundMessage $Identity) }
    $found
}

function Get-ExchangeServer {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Identity)
    $org = Read-LabOrganization
    foreach ($s in @($org.servers)) {
        if ($PSBoundParameters.ContainsKey('Identity') -and $s.Name -ne $Identity -and $s.Fqdn -ne $Identity) { continue }
        # AdminDisplayVersion is a ServerVersion whose text is `Version 15.2 (Build 1748.10)`, ServerRole an
        # enum whose text is `Mailbox` (fixture E19 GetExchangeServer.xml [H]).
        $version = [pscustomobject]@{ Major = 0; Minor = 0; Build = 0; Revision = 0 }
        if ([string]$s.AdminDisplayVersion -match 'Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)') {
            $version = [pscustomobject][ordered]@{ Major = [int]$Matches[1]; Minor = [int]$Matches[2]; Build = [int]$Matches[3]; Revision = [int]$Matches[4] }
        }
        $version | Add-Member -MemberType ScriptMethod -Name ToString -Value ([scriptblock]::Create("'" + ([string]$s.AdminDisplayVersion -replace "'", "''") + "'")) -Force
        $edge = $false
        if ($null -ne $s.PSObject.Properties['IsEdgeServer']) { $edge = [bool]$s.IsEdgeServer }
        [pscustomobject][ordered]@{
            Name = $s.Name; Fqdn = $s.Fqdn; AdminDisplayVersion = $version; ServerRole = $s.ServerRole; IsEdgeServer = $edge
            Identity = (New-LabAdObjectId ([string]$s.Name) ('CN=' + [string]$s.Name + ',CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=lab') '' ([string]$s.Name))
        }
    }
}

# The organisation-wide objects of the hybrid unit (organization.json authServers, settingOverrides,
# intraOrganizationConnectors, organizationRelationships; LAB.md O7): Get- returns them without the lab's
# fault knobs, Set-/New-/Remove- change them as the lab target does and log the same events.
function ConvertTo-LabObject($Object, [string]$TypeName) {
    $o = [ordered]@{}
    foreach ($p in $Object.PSObject.Properties) { if ($p.Name -ne 'faults') { $o[$p.Name] = $p.Value } }
    $o['Identity'] = [string]$Object.Name
    $out = [pscustomobject]$o
    $out.PSObject.TypeNames.Insert(0, $TypeName)
    return $out
}
function Get-LabObjects([string]$Collection, $Identity, [string]$TypeName) {
    $org = Read-LabOrganization
    $found = @()
    foreach ($o in @(Get-LabProperty $org $Collection)) {
        if ($null -eq $o) { continue }
        if ($null -ne $Identity -and [string]$Identity -ne '' -and [string]$o.Name -ne [string]$Identity) { continue }
        $found += $o
    }
    if ($null -ne $Identity -and [string]$Identity -ne '' -and $found.Count -eq 0) { throw (Get-LabNotFoundMessage ([string]$Identity)) }
    foreach ($o in $found) { ConvertTo-LabObject $o $TypeName }
}

# Dynamic parameters of a lab cmdlet: those organization.json cmdlets.<name>.parameters exposes to this
# session (build and RBAC), typed as the cmdlet's documentation types them.
function New-LabParameters([string]$Cmdlet, [hashtable]$Types) {
    $dict = New-Object System.Management.Automation.RuntimeDefinedParameterDictionary
    $names = Get-LabCmdletParameters $Cmdlet
    if ($null -eq $names) { $names = @($Types.Keys) }
    foreach ($n in @($names)) {
        if (-not $Types.ContainsKey($n) -or $dict.ContainsKey($n)) { continue }
        $attributes = New-Object 'System.Collections.ObjectModel.Collection[System.Attribute]'
        $attr = New-Object System.Management.Automation.ParameterAttribute
        if ($n -eq 'Identity' -or ($n -eq 'Name' -and $Cmdlet -like 'New-*')) { $attr.Mandatory = $true; $attr.Position = 0 }
        $attributes.Add($attr)
        $attributes.Add((New-Object System.Management.Automation.AllowNullAttribute))
        if ($Types[$n] -eq [string[]]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyCollectionAttribute)) }
        if ($Types[$n] -eq [string]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyStringAttribute)) }
        $dict.Add($n, (New-Object System.Management.Automation.RuntimeDefinedParameter($n, $Types[$n], $attributes)))
    }
    return $dict
}

$script:LabCommon = @{ DomainController = [string] }
function Join-LabTypes([hashtable]$Types) { $t = $script:LabCommon.Clone(); foreach ($k in $Types.Keys) { $t[$k] = $Types[$k] }; return $t }

# Set-<X> -Identity <Name> with the bound properties: only what differs is written (Exchange writes
# nothing when no setting differs [M]); the event lists the changed properties in the order given.
function Set-LabObject([string]$Collection, [string]$Event, $Bound, [string[]]$Settable) {
    $org = Read-LabOrganization
    $identity = [string]$Bound['Identity']
    $object = @(@(Get-LabProperty $org $Collection) | Where-Object { $null -ne $_ -and ([string]$_.Name).ToLowerInvariant() -eq $identity.ToLowerInvariant() })
    if ($object.Count -eq 0) { throw (Get-LabNotFoundMessage $identity) }
    $o = $object[0]
    if ((Get-LabFault $o 'set') -eq 'fail') {
        throw ('Active Directory operation failed on ' + $script:DomainController + ". This error is not retriable. Additional information: The object '" + [string]$o.Name + "' could not be updated.")
    }
    $changed = @()
    foreach ($n in @($Bound.Keys)) {
        if ($Settable -notcontains $n) { continue }
        $value = $Bound[$n]
        if ($value -is [array] -or $value -is [string[]]) { if (@($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) } }
        $old = Get-LabProperty $o $n
        if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -ceq (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { continue }
        if ($null -eq $o.PSObject.Properties[$n]) { $o | Add-Member -NotePropertyName $n -NotePropertyValue $value } else { $o.$n = $value }
        $changed += $n
    }
    if ($changed.Count -eq 0) { return }
    Write-LabOrganization $org
    Add-LabEvent ([ordered]@{ action = $Event; name = [string]$o.Name; properties = $changed })
}

$script:SetAuthServerTypes = Join-LabTypes @{
    Identity = [string]; Enabled = [bool]; Name = [string]; AuthMetadataUrl = [string]; TrustAnySSLCertificate = [switch]; RefreshAuthMetadata = [switch]
    IsDefaultAuthorizationEndpoint = [bool]; DomainName = [string[]]; ApplicationIdentifier = [string]
}
function Get-AuthServer {
    [CmdletBinding()]
    param([Parameter(Position = 0)]$Identity, [string]$DomainController)
    Get-LabObjects 'authServers' $Identity 'Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthServer'
}
# Set-AuthServer.md [H]: -ApplicationIdentifier from the April 2025 HU (the lab's build decides whether the
# session has it), in the AppSecret parameter set, which has no -AuthMetadataUrl.
function Set-AuthServer {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    DynamicParam { New-LabParameters 'Set-AuthServer' $script:SetAuthServerTypes }
    end {
        if ($PSBoundParameters.ContainsKey('ApplicationIdentifier') -and $PSBoundParameters.ContainsKey('AuthMetadataUrl')) { throw 'Parameter set cannot be resolved using the specified named parameters.' }
        Set-LabObject 'authServers' 'set-authserver' $PSBoundParameters @('Enabled', 'Name', 'AuthMetadataUrl', 'IsDefaultAuthorizationEndpoint', 'DomainName', 'ApplicationIdentifier')
    }
}

$script:SetIntraOrganizationConnectorTypes = Join-LabTypes @{ Identity = [string]; DiscoveryEndpoint = [string]; Enabled = [bool]; TargetAddressDomains = [string[]] }
function Get-IntraOrganizationConnector {
    [CmdletBinding()]
    param([Parameter(Position = 0)]$Identity, [string]$DomainController)
    Get-LabObjects 'intraOrganizationConnectors' $Identity 'Microsoft.Exchange.Data.Directory.SystemConfiguration.IntraOrganizationConnector'
}
function Set-IntraOrganizationConnector {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    DynamicParam { New-LabParameters 'Set-IntraOrganizationConnector' $script:SetIntraOrganizationConnectorTypes }
    end { Set-LabObject 'intraOrganizationConnectors' 'set-intraorganizationconnector' $PSBoundParameters @('DiscoveryEndpoint', 'Enabled', 'TargetAddressDomains') }
}

$script:SetOrganizationRelationshipTypes = Join-LabTypes @{
    Identity = [string]; ArchiveAccessEnabled = [bool]; DeliveryReportEnabled = [bool]; DomainNames = [string[]]; Enabled = [bool]; Force = [switch]
    FreeBusyAccessEnabled = [bool]; FreeBusyAccessLevel = [string]; FreeBusyAccessScope = [string]; MailboxMoveEnabled = [bool]; MailTipsAccessEnabled = [bool]
    MailTipsAccessLevel = [string]; MailTipsAccessScope = [string]; Name = [string]; OAuthApplicationId = [string]; OrganizationContact = [string]; PhotosEnabled = [bool]
    TargetApplicationUri = [string]; TargetAutodiscoverEpr = [string]; TargetOwaURL = [string]; TargetSharingEpr = [string]
}
function Get-OrganizationRelationship {
    [CmdletBinding()]
    param([Parameter(Position = 0)]$Identity, [string]$DomainController)
    Get-LabObjects 'organizationRelationships' $Identity 'Microsoft.Exchange.Data.Directory.Management.OrganizationRelationship'
}
function Set-OrganizationRelationship {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    DynamicParam { New-LabParameters 'Set-OrganizationRelationship' $script:SetOrganizationRelationshipTypes }
    end {
        $settable = @('ArchiveAccessEnabled', 'DeliveryReportEnabled', 'DomainNames', 'Enabled', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel', 'MailboxMoveEnabled', 'MailTipsAccessEnabled', 'MailTipsAccessLevel', 'Name', 'OAuthApplicationId', 'PhotosEnabled', 'TargetApplicationUri', 'TargetAutodiscoverEpr', 'TargetOwaURL', 'TargetSharingEpr')
        Set-LabObject 'organizationRelationships' 'set-organizationrelationship' $PSBoundParameters $settable
    }
}

# Setting overrides (New-/Set-/Remove-SettingOverride.md [H]; the shape of fixture E19 GetSettingOverride2.xml).
$script:NewSettingOverrideTypes = Join-LabTypes @{ Name = [string]; Component = [string]; Section = [string]; Parameters = [string[]]; Reason = [string]; Server = [string[]]; MinVersion = [string]; MaxVersion = [string]; FixVersion = [string]; Force = [switch] }
$script:SetSettingOverrideTypes = Join-LabTypes @{ Identity = [string]; Parameters = [string[]]; Reason = [string]; Server = [string[]]; MinVersion = [string]; MaxVersion = [string]; Force = [switch] }
$script:RemoveSettingOverrideTypes = Join-LabTypes @{ Identity = [string] }
function Get-SettingOverride {
    [CmdletBinding()]
    param([Parameter(Position = 0)]$Identity, [string]$DomainController)
    Get-LabObjects 'settingOverrides' $Identity 'Microsoft.Exchange.Data.Directory.SystemConfiguration.ConfigurationSettings.SettingOverride'
}
function New-SettingOverride {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    DynamicParam { New-LabParameters 'New-SettingOverride' $script:NewSettingOverrideTypes }
    end {
        foreach ($required in @('Component', 'Section', 'Parameters', 'Reason')) {
            if (-not $PSBoundParameters.ContainsKey($required)) { throw ("Cannot process command because of one or more missing mandatory parameters: " + $required + '.') }
        }
        $org = Read-LabOrganization
        $name = [string]$PSBoundParameters['Name']
        $list = @(@(Get-LabProperty $org 'settingOverrides') | Where-Object { $null -ne $_ })
        if (@($list | Where-Object { ([string]$_.Name).ToLowerInvariant() -eq $name.ToLowerInvariant() }).Count -gt 0) { throw ("An object named '" + $name + "' already exists.") }
        $server = $null
        if ($PSBoundParameters.ContainsKey('Server')) { $server = [string[]]@($PSBoundParameters['Server']) }
        $list += [pscustomobject][ordered]@{ Name = $name; ComponentName = [string]$PSBoundParameters['Component']; SectionName = [string]$PSBoundParameters['Section']; Parameters = [string[]]@($PSBoundParameters['Parameters']); Reason = [string]$PSBoundParameters['Reason']; Server = $server }
        if ($null -eq $org.PSObject.Properties['settingOverrides']) { $org | Add-Member -NotePropertyName settingOverrides -NotePropertyValue @() }
        $org.settingOverrides = [object[]]$list
        Write-LabOrganization $org
        Add-LabEvent ([ordered]@{ action = 'new-settingoverride'; name = $name })
    }
}
function Set-SettingOverride {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param()
    DynamicParam { New-LabParameters 'Set-SettingOverride' $script:SetSettingOverrideTypes }
    end { Set-LabObject 'settingOverrides' 'set-settingoverride' $PSBoundParameters @('Parameters', 'Reason', 'Server', 'MinVersion', 'MaxVersion') }
}
function Remove-SettingOverride {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param()
    DynamicParam { New-LabParameters 'Remove-SettingOverride' $script:RemoveSettingOverrideTypes }
    end {
        $org = Read-LabOrganization
        $identity = [string]$PSBoundParameters['Identity']
        $list = @(@(Get-LabProperty $org 'settingOverrides') | Where-Object { $null -ne $_ })
        $match = @($list | Where-Object { ([string]$_.Name).ToLowerInvariant() -eq $identity.ToLowerInvariant() })
        if ($match.Count -eq 0) { throw (Get-LabNotFoundMessage $identity) }
        $org.settingOverrides = [object[]]@($list | Where-Object { ([string]$_.Name).ToLowerInvariant() -ne $identity.ToLowerInvariant() })
        Write-LabOrganization $org
        Add-LabEvent ([ordered]@{ action = 'remove-settingoverride'; name = [string]$match[0].Name })
    }
}

# The refresh of the variant configuration (css@f88378b1 ConfigureExchangeHybridApplication.ps1:1284 [H]):
# the lab records it as an event; other diagnostics answer an empty document.
function Get-ExchangeDiagnosticInfo {
    [CmdletBinding()]
    param([string]$Server, [string]$Process, [string]$Component, [string]$Argument, [switch]$Unlimited)
    if ($Component -eq 'VariantConfiguration' -and $Argument -eq 'Refresh') {
        Add-LabEvent ([ordered]@{ action = 'refresh-variantconfiguration'; process = $Process })
    }
    return '<Diagnostics />'
}

# Get-OrganizationConfig, reduced to what hybridcfg reads: the organisation's Name (organization.json).
function Get-OrganizationConfig {
    [CmdletBinding()]
    param()
    $org = Read-LabOrganization
    $name = [string](Get-LabProperty (Get-LabProperty $org 'organization') 'Name')
    [pscustomobject][ordered]@{ Name = $name; Identity = $name }
}

function Get-AuthConfig {
    [CmdletBinding()]
    param()
    Get-LabProperty (Read-LabOrganization) 'authConfig'
}

# The IIS commands a server script calls, as seen inside Invoke-FakeExchangeCall only (not exported):
# they log the lab's events instead of restarting anything. WebAdministration is absent, as on the captured
# servers (fixture E19 OS/GetWindowsFeature.xml: no Web-Scripting-Tools [H]), so there is no
# Restart-WebAppPool here unless the lab says the module is installed (organization.json modules).
function iisreset {
    $server = Find-LabServer (Read-LabOrganization -ReadOnly) $script:CurrentServer
    $timeout = @($args | Where-Object { [string]$_ -like '/timeout:*' })
    if ((Get-LabFault $server 'restart') -eq 'fail') {
        $global:LASTEXITCODE = 1
        return 'Restart attempt failed. The IIS Admin Service or the World Wide Web Publishing Service, or a service dependent on them failed to start.'
    }
    Add-LabEvent ([ordered]@{ action = 'iisreset'; server = $script:CurrentServer })
    $global:LASTEXITCODE = 0
    'Attempting stop...', 'Internet services successfully stopped', 'Attempting start...', 'Internet services successfully restarted'
}

# %windir%\System32\inetsrv\appcmd.exe, called by its full path: an alias of that path stands for it during
# a call (Invoke-FakeExchangeCall), while the file itself (an empty stand-in lab init writes) says whether
# it is there. Its answer is appcmd's documented one: "<pool>" successfully recycled (F3 [H]); exit code 0 [?].
function Invoke-FakeAppcmd {
    $server = Find-LabServer (Read-LabOrganization -ReadOnly) $script:CurrentServer
    $words = @($args | ForEach-Object { [string]$_ })
    if ($words.Count -lt 3 -or $words[0] -ne 'recycle' -or $words[1] -ne 'apppool' -or $words[2] -notlike '/apppool.name:*') {
        $global:LASTEXITCODE = 1
        return ('ERROR ( message:The lab''s appcmd stand-in knows only "recycle apppool /apppool.name:<pool>", not: ' + ($words -join ' ') + ' )')
    }
    $pool = $words[2].Substring('/apppool.name:'.Length)
    $known = @()
    $config = [IO.Path]::Combine([string]$env:windir, 'System32', 'inetsrv', 'config', 'applicationHost.config')
    if ([IO.File]::Exists($config)) {
        $xml = New-Object Xml
        $xml.Load($config)
        $known = @(@($xml.configuration.'system.applicationHost'.applicationPools.add) | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.name })
    }
    if ($known -notcontains $pool) {
        $global:LASTEXITCODE = 1
        return ('ERROR ( message:Cannot find APPPOOL object with identifier "' + $pool + '". )')
    }
    if ((Get-LabFault $server 'restart') -eq 'fail') {
        $global:LASTEXITCODE = 1
        return ('ERROR ( hresult:80070425, message:Command execution failed. The service cannot accept control messages at this time. )')
    }
    Add-LabEvent ([ordered]@{ action = 'recycle-apppool'; server = $script:CurrentServer; appPool = $pool })
    $script:Recycled++
    $global:LASTEXITCODE = 0
    return ('"' + $pool + '" successfully recycled')
}

# The certificate provider's Cert:\LocalMachine\My\<thumbprint>, as seen inside Invoke-FakeExchangeCall only
# (an alias of Get-Item during a server call; every other path goes to the real Get-Item). pwsh off Windows
# has no Cert: drive: the lab keeps each server's store as Cert/LocalMachine/My/<THUMBPRINT>.json in the
# server's folder, with X509Certificate2's properties, and the server's fault authCertificate (missing,
# expiring: 20 days after the read, no-private-key) changes what is found, as in the lab target (LAB.md).
function Get-FakeItem {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Path, [string]$LiteralPath)
    $p = $LiteralPath
    if (-not $p) { $p = $Path }
    if ($p -notmatch '^Cert:\\LocalMachine\\My\\([0-9A-Fa-f]+)$') { return Microsoft.PowerShell.Management\Get-Item @PSBoundParameters }
    $thumbprint = $Matches[1].ToUpperInvariant()
    $server = Find-LabServer (Read-LabOrganization -ReadOnly) $script:CurrentServer
    $fault = Get-LabFault $server 'authCertificate'
    $file = [IO.Path]::Combine([string]$env:SystemDrive, 'Cert', 'LocalMachine', 'My', $thumbprint + '.json')
    if (-not [IO.File]::Exists($file) -or $fault -eq 'missing') {
        Write-Error -Message ("Cannot find path '" + $p + "' because it does not exist.") -Category ObjectNotFound
        return
    }
    $c = [IO.File]::ReadAllText($file) | ConvertFrom-Json
    $date = { param($v) if ($v -is [datetime]) { $v.ToUniversalTime() } else { [datetime]::Parse([string]$v, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime() } }
    $notAfter = & $date $c.NotAfter
    if ($fault -eq 'expiring') { $notAfter = [datetime]::UtcNow.AddDays(20) }
    $hasKey = [bool]$c.HasPrivateKey
    if ($fault -eq 'no-private-key') { $hasKey = $false }
    [pscustomobject][ordered]@{ Thumbprint = [string]$c.Thumbprint; Subject = [string]$c.Subject; NotBefore = (& $date $c.NotBefore); NotAfter = $notAfter; HasPrivateKey = $hasKey }
}

# W3SVC and WAS after an iisreset: running, unless the server has the restart fault.
function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name)
    $server = Find-LabServer (Read-LabOrganization -ReadOnly) $script:CurrentServer
    $status = 'Running'
    if ((Get-LabFault $server 'restart') -eq 'fail') { $status = 'Stopped' }
    foreach ($n in @($Name)) { [pscustomobject][ordered]@{ Name = $n; Status = $status } }
}

# The health gate's web requests, as seen inside Invoke-FakeExchangeCall only. Every path answers 200 and
# /api an anonymous request with 401 and a Bearer challenge (assumption health-probes), unless the server
# has the healthCheck fault or lists the path in unhealthyPaths: then 503. Non-2xx answers are thrown as
# Invoke-WebRequest throws them (the answer in Exception.Response), without waiting.
function Invoke-WebRequest {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Uri,
        [switch]$UseBasicParsing,
        [int]$TimeoutSec,
        [int]$MaximumRedirection,
        [switch]$SkipCertificateCheck
    )
    $server = Find-LabServer (Read-LabOrganization -ReadOnly) $script:CurrentServer
    $path = ([Uri]$Uri).AbsolutePath
    $unhealthy = (Get-LabFault $server 'healthCheck') -eq 'fail' -or @(@(Get-LabFault $server 'unhealthyPaths') | Where-Object { $_ -and [string]$_ -eq $path }).Count -gt 0
    $status = 200
    $auth = ''
    if ($unhealthy) { $status = 503 }
    elseif ($path -match '^/api(/|$)') { $status = 401; $auth = 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize", error="invalid_token"' }
    if ($status -eq 200) { return [pscustomobject]@{ StatusCode = 200; StatusDescription = 'OK'; Content = '' } }
    $ex = New-Object System.Net.WebException(('The remote server returned an error: (' + $status + ').'))
    $ex | Add-Member -NotePropertyName Response -NotePropertyValue ([pscustomobject]@{ StatusCode = $status; Headers = @{ 'WWW-Authenticate' = $auth } }) -Force
    throw $ex
}

function Find-LabServer($Organization, [string]$Name) {
    foreach ($s in @($Organization.servers)) {
        if ($s.Name -eq $Name) { return $s }
    }
    return $null
}

# Where hybridcfg's PowerShell runs in the lab (organization.json session, LAB.md "Session"): the computer
# it is on and whether that is a remote session ($PSSenderInfo on a real machine).
function Get-FakeExchangeSessionInfo {
    $org = Read-LabOrganization -ReadOnly
    $session = Get-LabProperty $org 'session'
    $computer = 'ADMIN01'
    $remote = $false
    if ($null -ne $session) {
        if ([string]$session.computer) { $computer = [string]$session.computer }
        $remote = [bool](Get-LabProperty $session 'remote')
    }
    $fqdn = $computer
    $s = Find-LabServer $org $computer
    if ($null -ne $s) { $fqdn = [string]$s.Fqdn }
    # The server whose IIS hosts the Exchange session: named, else this computer when it is a server
    # (labExchangeHost in src/targets/lab/format.ts).
    $exchangeHost = $null
    if ($null -ne $session -and [string](Get-LabProperty $session 'exchangeHost')) { $exchangeHost = [string](Get-LabProperty $session 'exchangeHost') }
    elseif ($null -ne $s) { $exchangeHost = [string]$s.Name }
    return @{ computer = $computer; fqdn = $fqdn; remote = $remote; exchangeHost = $exchangeHost }
}

# Stands in for the round trip to Exchange or to a server, by the call's transport:
# - winrm (Invoke-Command -ComputerName): applies the server's faults, maps ExchangeInstallPath and windir
#   to LAB/servers/<NAME>/, runs the script block there; from a remote session it fails as the Kerberos
#   double hop does;
# - session (this PowerShell, on the lab's session computer): runs on THAT computer's folder, whatever
#   server the call names, exactly as a real in-process call reads the local disk;
# - no server (organisation calls): ExchangeInstallPath at the lab folder itself, where the lab keeps the
#   organisation's run state (LAB/hybridcfg/), as a real organisation keeps it on its lock server.
# It logs the call (and the file writes it made) in the lab's own format; the answers of a server's
# backup check follow the lab's faults (F3), as the lab target's do.
function Invoke-FakeExchangeCall {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]$Route,
        [Parameter(Mandatory = $true)][scriptblock]$ScriptBlock,
        [object[]]$ArgumentList = @(),
        # One server of a fan-out (Invoke-FakeExchangeFanOut): the arguments are the fan-out's (script,
        # map of every server's request); the lab's latency was already scheduled there.
        [switch]$FanOut,
        # A fan-out reads these once for all its servers.
        $Organization = $null,
        $SessionInfo = $null
    )
    $Call = [string]$Route.call
    $Server = $null
    if ($null -ne $Route.server) { $Server = [string]$Route.server.name }
    $entry = [ordered]@{ time = (Get-LabTime) }
    foreach ($p in $Route.log.PSObject.Properties) { $entry[$p.Name] = $p.Value }
    $saved = @{ ExchangeInstallPath = $env:ExchangeInstallPath; windir = $env:windir; SystemDrive = $env:SystemDrive; COMPUTERNAME = $env:COMPUTERNAME }
    $code = $null
    $aliases = @()
    try {
        $s = $null
        if ($Server) {
            $org = $Organization
            if ($null -eq $org) { $org = Read-LabOrganization -ReadOnly }
            $here = $SessionInfo
            if ($null -eq $here) { $here = Get-FakeExchangeSessionInfo }
            if ([string]$Route.transport -eq 'winrm') {
                $s = Find-LabServer $org $Server
                $fqdn = $Server
                if ($null -ne $s) { $fqdn = $s.Fqdn }
                $latency = Get-LabFault $s 'latencyMs'
                if ($latency -and -not $FanOut) { Start-Sleep -Milliseconds ([int]$latency) }
                if ($null -eq $s -or (Get-LabFault $s 'unreachable') -eq $true) {
                    $code = 'target.unreachable'
                    throw (New-FakeTransportError ('Connecting to remote server ' + $fqdn + ' failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. By default, the WinRM firewall exception for public profiles limits access to remote computers within the same local subnet. For more information, see the about_Remote_Troubleshooting Help topic.') 'CannotConnect')
                }
                if ($here.remote) {
                    $code = 'target.double-hop'
                    throw (New-FakeTransportError ('Connecting to remote server ' + $fqdn + ' failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.') 'AccessDenied')
                }
            } else {
                # In-process: this machine's disk, whichever server the call meant.
                $s = Find-LabServer $org ([string]$here.computer)
                if ($null -eq $s) { throw ('FakeExchange: the lab session computer ' + [string]$here.computer + ' is not one of its servers.') }
            }
            $folder = (Join-Path (Join-Path (Get-LabRoot) 'servers') $s.Name)
            $env:ExchangeInstallPath = $folder + [IO.Path]::DirectorySeparatorChar
            $env:windir = Join-Path $folder 'Windows'
            $env:SystemDrive = $folder
            # The computer the script runs on, as $env:COMPUTERNAME tells it there: the server's name (S3).
            $env:COMPUTERNAME = [string]$s.Name
            $script:CurrentServer = $s.Name
            $appcmd = [IO.Path]::Combine($env:windir, 'System32', 'inetsrv', 'appcmd.exe')
            Set-Alias -Name $appcmd -Value Invoke-FakeAppcmd -Scope Script
            $aliases += $appcmd
            Set-Alias -Name Get-Item -Value Get-FakeItem -Scope Script
            $aliases += 'Get-Item'
        } else {
            $env:ExchangeInstallPath = [IO.Path]::GetFullPath((Get-LabRoot)).TrimEnd([IO.Path]::DirectorySeparatorChar) + [IO.Path]::DirectorySeparatorChar
        }
        # A health gate the lab knows will fail is not waited out: the call runs with a timeout of zero and
        # reports the spec's timeout, in restart.ps1's own words.
        $healthTimeout = $null
        if ($Call -eq 'restart' -and $null -ne $s) {
            $requestB64 = [string]$ArgumentList[0]
            if ($FanOut) { $requestB64 = Get-FakeFanOutRequest ([string]$ArgumentList[1]) $Server }
            $request = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($requestB64)) | ConvertFrom-Json
            if ($null -ne $request.healthCheck) {
                $checks = @(@($request.healthCheck.paths) + @(@($request.healthCheck.probes) | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.path }))
                $bad = @(Get-LabFault $s 'unhealthyPaths')
                if ((Get-LabFault $s 'healthCheck') -eq 'fail' -or @($checks | Where-Object { $bad -contains [string]$_ }).Count -gt 0) {
                    $healthTimeout = [string]$request.healthCheck.timeoutSeconds
                    $request.healthCheck.timeoutSeconds = 0
                    $rewritten = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $request -Depth 10 -Compress)))
                    if ($FanOut) { $ArgumentList = @($ArgumentList[0], (Set-FakeFanOutRequest ([string]$ArgumentList[1]) $Server $rewritten)) + @($ArgumentList | Select-Object -Skip 2) }
                    else { $ArgumentList = @($rewritten) + @($ArgumentList | Select-Object -Skip 1) }
                }
            }
        }
        $script:Recycled = 0
        $result = & $ScriptBlock @ArgumentList
        if ($null -ne $healthTimeout) { $result = ([string]$result).Replace(' within 0 s: ', ' within ' + $healthTimeout + ' s: ') }
        if ($Call -eq 'restart' -and $null -ne $s) {
            # The lab's modelled unavailability (LAB.md O5, modelledSeconds in lab-target.ts): the server's knob,
            # else the plan's figure in the request, else assumption restart-durations' defaults (60 s, 5 s a pool).
            $answer = [string]$result | ConvertFrom-Json
            $expected = $request.expectedUnavailableSeconds
            if ([string]$request.mode -eq 'iisreset') {
                $seconds = 60
                if ($null -ne (Get-LabFault $s 'iisresetSeconds')) { $seconds = [double](Get-LabFault $s 'iisresetSeconds') } elseif ($null -ne $expected) { $seconds = [double]$expected }
            } elseif ($null -ne (Get-LabFault $s 'recycleSeconds')) {
                $seconds = [double](Get-LabFault $s 'recycleSeconds') * $script:Recycled
            } elseif ($null -ne $expected) {
                $seconds = [double]$expected
            } else {
                $seconds = 5 * $script:Recycled
            }
            $answer | Add-Member -NotePropertyName unavailability -NotePropertyValue ([ordered]@{ ms = [long][Math]::Round($seconds * 1000); how = 'modelled' }) -Force
            $result = ConvertTo-Json -InputObject $answer -Depth 12 -Compress
        }
        if ($Call -eq 'readServer' -and (Get-LabFault $s 'backup') -eq 'fail') {
            $answer = [string]$result | ConvertFrom-Json
            $answer.backup = [ordered]@{ possible = $false; reason = ('lab fault backup=fail on ' + $s.Name) }
            $result = ConvertTo-Json -InputObject $answer -Depth 12 -Compress
        }
        if ($Call -eq 'writeFiles') {
            # A real server logs nothing: the lab's events are the emulator's record of what changed.
            foreach ($group in @(([string]$result | ConvertFrom-Json).results)) {
                foreach ($f in @($group.files)) {
                    Add-LabEvent ([ordered]@{ action = 'write-file'; server = $script:CurrentServer; file = (([string]$f.file -split '[\\/]') -join '/'); sha256Before = $f.sha256Before; sha256After = $f.sha256After; backup = $f.backupPath })
                }
            }
        }
        Add-LabLine 'calls.jsonl' $entry
        return $result
    } catch {
        if (-not $code) { $code = Get-FakeErrorCode ([string]$Route.failCode) $_ }
        $entry['error'] = $code
        Add-LabLine 'calls.jsonl' $entry
        throw
    } finally {
        foreach ($a in $aliases) { Remove-Item -LiteralPath ('Alias:' + $a) -ErrorAction SilentlyContinue }
        $env:ExchangeInstallPath = $saved.ExchangeInstallPath
        $env:windir = $saved.windir
        $env:SystemDrive = $saved.SystemDrive
        $env:COMPUTERNAME = $saved.COMPUTERNAME
        $script:CurrentServer = $null
    }
}

# What a connection that failed throws in PowerShell's remoting: a PSRemotingTransportException; the
# error record Invoke-Command writes for it has the FullyQualifiedErrorId <reason>,PSSessionStateBroken
# (docs/exchange-facts.md#powershell S3a).
function New-FakeTransportError([string]$Message, [string]$Reason) {
    $ex = New-Object Management.Automation.Remoting.PSRemotingTransportException($Message)
    $ex.Data['fqid'] = $Reason + ',PSSessionStateBroken'
    return $ex
}

# A fan-out's map (envelope.ps1): a line per server, "NAME DATA BLOB". The lab reads and rewrites the
# request of one server (a health gate it knows will fail, above).
function Get-FakeFanOutRequest([string]$Map, [string]$Name) {
    foreach ($line in ($Map -split "`n")) {
        $f = $line.Split(' ')
        if ($f.Count -ge 3 -and [string]::Equals($f[0], $Name, [StringComparison]::OrdinalIgnoreCase)) { return $f[1] }
    }
    return ''
}
function Set-FakeFanOutRequest([string]$Map, [string]$Name, [string]$RequestB64) {
    $lines = foreach ($line in ($Map -split "`n")) {
        $f = $line.Split(' ')
        if ($f.Count -ge 3 -and [string]::Equals($f[0], $Name, [StringComparison]::OrdinalIgnoreCase)) { $f[1] = $RequestB64; $f -join ' ' } else { $line }
    }
    return (@($lines) -join "`n")
}

# Stands in for a fan-out's Invoke-Command -ComputerName <list> -ThrottleLimit <n> (envelope.ps1), and
# for its in-process call on this machine, as PowerShell's own behaves (docs/exchange-facts.md#powershell
# S3, S3a): every computer runs the same script block with the same arguments; each output carries
# PSComputerName, the computer as it was addressed; a computer that cannot be reached gives a
# non-terminating error whose TargetObject names it (PSRemotingTransportException,
# <reason>,PSSessionStateBroken), and an error of the script on a computer a non-terminating
# RemotingErrorRecord whose OriginInfo names it; the other computers go on. At most ThrottleLimit
# computers are worked on at once: the lab's latency of each (fault latencyMs) is laid out over that many
# slots, in the order given, and each answer comes back when its slot would finish it.
function Invoke-FakeExchangeFanOut {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]$Route,
        [Parameter(Mandatory = $true)][scriptblock]$ScriptBlock,
        [object[]]$ArgumentList = @()
    )
    # Invoke-Command sends the script block to each computer as text, where it is created anew: here too,
    # so that it runs with the server's stand-ins (appcmd, the certificate store), not the caller's scope.
    $ScriptBlock = [ScriptBlock]::Create($ScriptBlock.ToString())
    $org = Read-LabOrganization -ReadOnly
    $here = Get-FakeExchangeSessionInfo
    $throttle = [Math]::Max(1, [int]$Route.throttle)
    $slots = New-Object 'double[]' $throttle
    $schedule = New-Object Collections.ArrayList
    $n = 0
    foreach ($t in @($Route.fanout)) {
        $latency = 0.0
        if ([string]$t.transport -eq 'winrm') {
            $l = Get-LabFault (Find-LabServer $org ([string]$t.name)) 'latencyMs'
            if ($l) { $latency = [double]$l }
        }
        $slot = 0
        for ($i = 1; $i -lt $throttle; $i++) { if ($slots[$i] -lt $slots[$slot]) { $slot = $i } }
        $slots[$slot] += $latency
        [void]$schedule.Add([pscustomobject]@{ target = $t; finish = $slots[$slot]; order = $n })
        $n++
    }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($p in @($schedule | Sort-Object -Property finish, order)) {
        $wait = $p.finish - $clock.Elapsed.TotalMilliseconds
        if ($wait -gt 0) { Start-Sleep -Milliseconds ([int][Math]::Ceiling($wait)) }
        $t = $p.target
        $one = [pscustomobject]@{ call = $Route.call; transport = [string]$t.transport; server = [pscustomobject]@{ name = [string]$t.name; fqdn = [string]$t.fqdn }; log = $t.log; failCode = [string]$t.failCode }
        # This machine's server is called in-process, naming itself (envelope.ps1); the others find themselves.
        $arguments = $ArgumentList
        if ([string]$t.transport -ne 'winrm') { $arguments = @($ArgumentList[0], $ArgumentList[1], [string]$t.name) }
        try {
            $out = Invoke-FakeExchangeCall -Route $one -ScriptBlock $ScriptBlock -ArgumentList $arguments -FanOut -Organization $org -SessionInfo $here
            [psobject]([string]$out) | Add-Member -NotePropertyName PSComputerName -NotePropertyValue ([string]$t.fqdn) -PassThru
        } catch {
            if ($_.Exception -is [Management.Automation.Remoting.PSRemotingTransportException]) {
                $record = New-Object Management.Automation.ErrorRecord($_.Exception, [string]$_.Exception.Data['fqid'], ([Management.Automation.ErrorCategory]::OpenError), [string]$t.fqdn)
            } else {
                $record = New-Object Management.Automation.Runspaces.RemotingErrorRecord($_, (New-Object Management.Automation.Remoting.OriginInfo([string]$t.fqdn, [Guid]::NewGuid())))
            }
            $PSCmdlet.WriteError($record)
        }
    }
}

function Get-FakeErrorCode([string]$FailCode, $ErrorRecord) {
    $message = [string]$ErrorRecord.Exception.Message
    if ($message -match '^\[(target\.[a-z-]+)\]') { return $Matches[1] }
    if ([string]$ErrorRecord.FullyQualifiedErrorId -like 'NamedParameterNotFound*' -or $message -match '^A parameter cannot be found that matches parameter name') { return 'target.parameter-missing' }
    if ($message -match "couldn't be found on") { return 'target.unknown-application' }
    if ($FailCode) { return $FailCode }
    return 'target.read-failed'
}

Export-ModuleMember -Function Get-PartnerApplication, Set-PartnerApplication, Get-ManagementRoleEntry, Get-ExchangeServer, Get-AuthServer, Set-AuthServer, Get-IntraOrganizationConnector, Set-IntraOrganizationConnector, Get-OrganizationRelationship, Set-OrganizationRelationship, Get-SettingOverride, New-SettingOverride, Set-SettingOverride, Remove-SettingOverride, Get-ExchangeDiagnosticInfo, Get-AuthConfig, Get-OrganizationConfig, Invoke-FakeExchangeCall, Invoke-FakeExchangeFanOut, Set-FakeExchangeSession, Get-FakeExchangeSessionInfo
