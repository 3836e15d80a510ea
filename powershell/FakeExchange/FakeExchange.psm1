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

function Read-LabOrganization {
    $path = Join-Path (Get-LabRoot) 'organization.json'
    return [IO.File]::ReadAllText($path, [Text.Encoding]::UTF8) | ConvertFrom-Json
}

# Replaced atomically (temp file in the same folder, then renamed over it), as the lab target does (O3):
# shells serving server calls in parallel read organization.json while this one may write it.
function Write-LabOrganization($Organization) {
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

function ConvertTo-PartnerApplicationObject($App) {
    $o = [ordered]@{}
    foreach ($p in $App.PSObject.Properties) {
        if ($p.Name -ne 'faults') { $o[$p.Name] = $p.Value }
    }
    $o['Identity'] = $App.Name
    return [pscustomobject]$o
}

function Find-LabPartnerApplication($Organization, [string]$Identity) {
    foreach ($a in @($Organization.partnerApplications)) {
        if ($a.Name -eq $Identity -or $a.ApplicationIdentifier -eq $Identity) { return $a }
    }
    return $null
}

function Get-PartnerApplication {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline = $true)][string]$Identity)
    $org = Read-LabOrganization
    if ($PSBoundParameters.ContainsKey('Identity')) {
        $app = Find-LabPartnerApplication $org $Identity
        if ($null -eq $app) {
            throw ("The operation couldn't be performed because object '" + $Identity + "' couldn't be found on 'DC01.contoso.lab'.")
        }
        return ConvertTo-PartnerApplicationObject $app
    }
    foreach ($a in @($org.partnerApplications)) { ConvertTo-PartnerApplicationObject $a }
}

# The parameters this "build" exposes come from organization.json (cmdlets.Set-PartnerApplication.parameters),
# defined as dynamic parameters, so a missing one fails with PowerShell's own ParameterBindingException and
# Get-Command shows exactly what a real session would show.
$script:SetPartnerApplicationTypes = @{
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
    RefreshAuthMetadata                 = [switch]
    TrustAnySSLCertificate              = [switch]
    DomainController                    = [string]
}
# The properties Set-PartnerApplication changes (the others, like DomainController, steer the call).
$script:SettableOrder = @('Name', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'AppOnlyPermissions', 'AuthMetadataUrl', 'IssuerIdentifier', 'LinkedAccount', 'Realm')

function Get-LabSetPartnerApplicationParameters {
    $lab = $env:HYBRIDCFG_LAB
    if (-not $lab -or -not (Test-Path -LiteralPath (Join-Path $lab 'organization.json'))) { return @($script:SetPartnerApplicationTypes.Keys) }
    $org = Read-LabOrganization
    $cmdlets = Get-LabProperty $org 'cmdlets'
    if ($null -eq $cmdlets) { return @($script:SetPartnerApplicationTypes.Keys) }
    $entry = Get-LabProperty $cmdlets 'Set-PartnerApplication'
    if ($null -eq $entry) { return @($script:SetPartnerApplicationTypes.Keys) }
    return @($entry.parameters)
}

function Set-PartnerApplication {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param()
    DynamicParam {
        $dict = New-Object System.Management.Automation.RuntimeDefinedParameterDictionary
        $names = @('Identity') + @(Get-LabSetPartnerApplicationParameters | Where-Object { $_ -ne 'Identity' })
        foreach ($n in $names) {
            $type = [object]
            if ($n -ne 'Identity') {
                if (-not $script:SetPartnerApplicationTypes.ContainsKey($n)) { continue }
                $type = $script:SetPartnerApplicationTypes[$n]
            }
            $attributes = New-Object 'System.Collections.ObjectModel.Collection[System.Attribute]'
            $attr = New-Object System.Management.Automation.ParameterAttribute
            if ($n -eq 'Identity') { $attr.Mandatory = $true; $attr.Position = 0; $attr.ValueFromPipeline = $true }
            $attributes.Add($attr)
            $attributes.Add((New-Object System.Management.Automation.AllowNullAttribute))
            if ($type -eq [string[]]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyCollectionAttribute)) }
            if ($type -eq [string]) { $attributes.Add((New-Object System.Management.Automation.AllowEmptyStringAttribute)) }
            $dict.Add($n, (New-Object System.Management.Automation.RuntimeDefinedParameter($n, $type, $attributes)))
        }
        return $dict
    }
    end {
        $org = Read-LabOrganization
        $identity = [string]$PSBoundParameters['Identity']
        $app = Find-LabPartnerApplication $org $identity
        if ($null -eq $app) {
            throw ("The operation couldn't be performed because object '" + $identity + "' couldn't be found on 'DC01.contoso.lab'.")
        }
        if ((Get-LabFault $app 'set') -eq 'fail') {
            throw ("Active Directory operation failed on DC01.contoso.lab. This error is not retriable. Additional information: The object '" + $app.Name + "' could not be updated.")
        }
        if (-not $PSCmdlet.ShouldProcess($identity, 'Set-PartnerApplication')) { return }
        $oldName = [string]$app.Name
        $changed = @()
        # In the order the parameters were given, as the lab target reports them.
        foreach ($n in @($PSBoundParameters.Keys)) {
            if ($script:SettableOrder -notcontains $n) { continue }
            $value = $PSBoundParameters[$n]
            if ($n -eq 'ActAsPermissions' -or $n -eq 'AppOnlyPermissions') {
                # [?] Exchange's MultiValuedProperty, once cleared, reads back as null (unconfirmed).
                if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
            } elseif ($n -eq 'LinkedAccount') {
                if ($null -ne $value) { $value = [string]$value }
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

function Get-ExchangeServer {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Identity)
    $org = Read-LabOrganization
    foreach ($s in @($org.servers)) {
        if ($PSBoundParameters.ContainsKey('Identity') -and $s.Name -ne $Identity -and $s.Fqdn -ne $Identity) { continue }
        [pscustomobject][ordered]@{ Name = $s.Name; Fqdn = $s.Fqdn; AdminDisplayVersion = $s.AdminDisplayVersion; ServerRole = $s.ServerRole; Identity = $s.Name }
    }
}

function Get-AuthServer {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Identity)
    $org = Read-LabOrganization
    foreach ($a in @(Get-LabProperty $org 'authServers')) {
        if ($null -ne $a) { $a }
    }
}

function Get-AuthConfig {
    [CmdletBinding()]
    param()
    Get-LabProperty (Read-LabOrganization) 'authConfig'
}

# The IIS commands a server script calls, as seen inside Invoke-FakeExchangeCall only (not exported):
# they log the lab's events instead of restarting anything.
function iisreset {
    $server = Find-LabServer (Read-LabOrganization) $script:CurrentServer
    if ((Get-LabFault $server 'restart') -eq 'fail') {
        $global:LASTEXITCODE = 1
        return 'Restart attempt failed. The IIS Admin Service or the World Wide Web Publishing Service, or a service dependent on them failed to start.'
    }
    Add-LabEvent ([ordered]@{ action = 'iisreset'; server = $script:CurrentServer })
    $global:LASTEXITCODE = 0
    'Attempting stop...', 'Internet services successfully stopped', 'Attempting start...', 'Internet services successfully restarted'
}

function Restart-WebAppPool {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0)][string]$Name)
    $server = Find-LabServer (Read-LabOrganization) $script:CurrentServer
    if ((Get-LabFault $server 'restart') -eq 'fail') {
        throw ('The service cannot accept control messages at this time. (Exception from HRESULT: 0x80070425) [' + $Name + ']')
    }
    Add-LabEvent ([ordered]@{ action = 'recycle-apppool'; server = $script:CurrentServer; appPool = $Name })
}

# The health check's web request, as seen inside Invoke-FakeExchangeCall only: every lab server answers
# 200 OK; the healthCheck fault is applied to the call's result by Invoke-FakeExchangeCall, with the
# lab target's exact wording and without waiting out the timeout.
function Invoke-WebRequest {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Uri,
        [switch]$UseBasicParsing,
        [int]$TimeoutSec,
        [int]$MaximumRedirection,
        [switch]$SkipCertificateCheck
    )
    [pscustomobject]@{ StatusCode = 200; StatusDescription = 'OK'; Content = '' }
}

# What the lab target answers for a server with the healthCheck fault (LAB.md O6).
function Get-LabHealthFailures($Server, $HealthCheck) {
    $paths = @($HealthCheck.paths)
    if ($paths.Count -eq 0) { $paths = @('') }
    $failures = @()
    foreach ($p in $paths) {
        $url = 'https://' + [string]$Server.Fqdn + '/' + ([string]$p -replace '^/+', '')
        $failures += [ordered]@{ path = [string]$p; reason = ($url + ' did not answer 200 OK within ' + [string]$HealthCheck.timeoutSeconds + ' s (lab fault healthCheck=fail)') }
    }
    return , $failures
}

function Find-LabServer($Organization, [string]$Name) {
    foreach ($s in @($Organization.servers)) {
        if ($s.Name -eq $Name) { return $s }
    }
    return $null
}

# Stands in for the round trip to Exchange or to a server (Invoke-Command -ComputerName): applies the
# lab's server faults, maps ExchangeInstallPath to LAB/servers/<NAME>/, runs the script block there and
# logs the call (and the file writes it made) in the lab's own format. Calls that concern no server run
# with ExchangeInstallPath at the lab folder itself: the lab keeps the organisation's run state (lock,
# journal, partner application originals) in LAB/hybridcfg/, where a real organisation keeps it in
# <ExchangeInstallPath>hybridcfg\ of its lock server. The answers of a server's backup check and health
# check follow the lab's faults (F3, F7), as the lab target's do.
function Invoke-FakeExchangeCall {
    [CmdletBinding()]
    param(
        # The call's route (scripts.ts Route): its name, its server, the calls.jsonl line to write, and the
        # code of a failure nothing more specific explains.
        [Parameter(Mandatory = $true)]$Route,
        [Parameter(Mandatory = $true)][scriptblock]$ScriptBlock,
        [object[]]$ArgumentList = @()
    )
    $Call = [string]$Route.call
    $Server = $null
    if ($null -ne $Route.server) { $Server = [string]$Route.server.name }
    $entry = [ordered]@{ time = (Get-LabTime) }
    foreach ($p in $Route.log.PSObject.Properties) { $entry[$p.Name] = $p.Value }
    $savedInstall = $env:ExchangeInstallPath
    $code = $null
    try {
        if ($Server) {
            $org = Read-LabOrganization
            $s = Find-LabServer $org $Server
            $fqdn = $Server
            if ($null -ne $s) { $fqdn = $s.Fqdn }
            $latency = Get-LabFault $s 'latencyMs'
            if ($latency) { Start-Sleep -Milliseconds ([int]$latency) }
            if ($null -eq $s -or (Get-LabFault $s 'unreachable') -eq $true) {
                $code = 'target.unreachable'
                throw ('Connecting to remote server ' + $fqdn + ' failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. By default, the WinRM firewall exception for public profiles limits access to remote computers within the same local subnet. For more information, see the about_Remote_Troubleshooting Help topic.')
            }
            $env:ExchangeInstallPath = (Join-Path (Join-Path (Get-LabRoot) 'servers') $s.Name) + [IO.Path]::DirectorySeparatorChar
            $script:CurrentServer = $s.Name
        } else {
            $env:ExchangeInstallPath = [IO.Path]::GetFullPath((Get-LabRoot)).TrimEnd([IO.Path]::DirectorySeparatorChar) + [IO.Path]::DirectorySeparatorChar
        }
        $result = & $ScriptBlock @ArgumentList
        if ($Call -eq 'readServer' -and (Get-LabFault $s 'backup') -eq 'fail') {
            $answer = [string]$result | ConvertFrom-Json
            $answer.backup = [ordered]@{ possible = $false; reason = ('lab fault backup=fail on ' + $s.Name) }
            $result = ConvertTo-Json -InputObject $answer -Depth 12 -Compress
        }
        if ($Call -eq 'restart' -and (Get-LabFault $s 'healthCheck') -eq 'fail') {
            $request = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([string]$ArgumentList[0])) | ConvertFrom-Json
            if ($null -ne $request.healthCheck) {
                $result = ConvertTo-Json -InputObject @{ health = [ordered]@{ ok = $false; failures = (Get-LabHealthFailures $s $request.healthCheck) } } -Depth 10 -Compress
            }
        }
        if ($Call -eq 'writeFiles') {
            # A real server logs nothing: the lab's events are the emulator's record of what changed.
            foreach ($group in @(([string]$result | ConvertFrom-Json).results)) {
                foreach ($f in @($group.files)) {
                    Add-LabEvent ([ordered]@{ action = 'write-file'; server = $Server; file = (([string]$f.file -split '[\\/]') -join '/'); sha256Before = $f.sha256Before; sha256After = $f.sha256After; backup = $f.backupPath })
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
        $env:ExchangeInstallPath = $savedInstall
        $script:CurrentServer = $null
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

Export-ModuleMember -Function Get-PartnerApplication, Set-PartnerApplication, Get-ExchangeServer, Get-AuthServer, Get-AuthConfig, Invoke-FakeExchangeCall
