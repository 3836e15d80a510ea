# hybridcfg: organisation-wide objects of the hybrid unit (src/resources/common/object-kind.ts): auth
# servers, setting overrides, intra-organisation connectors, organisation relationships. Defines the
# functions the kinds' drivers name; the target sends them with read-organization.ps1 and
# set-organization.ps1. Runs where the Exchange cmdlets are. Windows PowerShell 5.1 compatible.

# A property as hybridcfg reads and records it: lists are string arrays or null (an empty
# MultiValuedProperty), flags booleans, the rest text as Exchange prints it (a Uri, a SmtpDomain) or null.
function ConvertTo-HcObjectValue($Object, [string]$Name, [string]$Type) {
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    $v = $p.Value
    if ($Type -eq 'list') {
        if ($null -eq $v -or @($v).Count -eq 0) { return $null }
        return , [string[]]@($v | ForEach-Object { [string]$_ })
    }
    if ($Type -eq 'boolean') { return [bool]$v }
    if ($null -eq $v) { return $null }
    return [string]$v
}

# Every object of the kind with the properties the data lists, the parameters its Set- cmdlet shows this
# session (build and RBAC decide them), and the originals file's text from the run state.
function Read-HcObject($Data, $StateFiles) {
    $objects = @()
    foreach ($o in @(& ([string]$Data.get))) {
        if ($null -eq $o) { continue }
        $out = [ordered]@{}
        foreach ($p in @($Data.properties)) { $out[[string]$p.name] = ConvertTo-HcObjectValue $o ([string]$p.name) ([string]$p.type) }
        $objects += $out
    }
    $parameters = $null
    $cmd = Get-Command -Name ([string]$Data.set) -ErrorAction SilentlyContinue
    if ($cmd) {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $parameters = @($cmd.Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { [string]$_ })
    }
    $originals = $null
    if ($null -ne $StateFiles) { $originals = $StateFiles[[string]$Data.originalsFile] }
    return @{ objects = $objects; parameters = $parameters; originals = $originals }
}

# One Set-, New- or Remove- call, its parameters splatted from decoded data (never parsed as code). The
# value of each property that changes is recorded in the run state first (the first one is kept for ever;
# `$created` marks an object hybridcfg made), and put back when the call fails.
function Set-HcObject($Data, $State) {
    $cmdlet = [string]$Data.cmdlet
    $cmd = Get-Command -Name $cmdlet -ErrorAction Stop
    $given = $null
    if ([string]$Data.action -eq 'create') { $given = $Data.create } elseif ([string]$Data.action -eq 'update') { $given = $Data.update }
    if ($null -ne $given) {
        foreach ($p in $given.PSObject.Properties) {
            if (-not $cmd.Parameters.ContainsKey($p.Name)) { throw ("A parameter cannot be found that matches parameter name '" + $p.Name + "'.") }
        }
    }
    $name = [string]$Data.name
    $current = @(@(& ([string]$Data.get)) | Where-Object { $null -ne $_ -and ([string]$_.Name).ToLowerInvariant() -eq $name.ToLowerInvariant() })
    if ([string]$Data.action -eq 'create') {
        if ($current.Count -gt 0) { throw ('[target.object-exists] An object named ''' + $name + ''' already exists. Nothing was changed; run plan again.') }
    } elseif ($current.Count -ne 1) {
        throw ('[target.unknown-object] ' + $cmdlet + ': no object named ''' + $name + ''' exists any more. Nothing was changed; run plan again.')
    }
    $params = [ordered]@{}
    $originals = [ordered]@{}
    $lists = @($Data.lists)
    if ([string]$Data.action -eq 'create') {
        foreach ($p in $Data.create.PSObject.Properties) {
            $value = $p.Value
            if ($lists -contains $p.Name -and $null -ne $value) { $value = [string[]]@($value) }
            $params[$p.Name] = $value
        }
        $originals['$created'] = $true
    } else {
        $params['Identity'] = [string]$current[0].Name
        if ([string]$Data.action -eq 'update') {
            foreach ($p in $Data.update.PSObject.Properties) {
                $value = $p.Value
                $type = 'string'
                if ($lists -contains $p.Name) {
                    $type = 'list'
                    if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
                } elseif ($value -is [bool]) { $type = 'boolean' }
                $params[$p.Name] = $value
                $old = ConvertTo-HcObjectValue $current[0] $p.Name $type
                if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -cne (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { $originals[$p.Name] = $old }
            }
        }
    }
    $params['Confirm'] = $false
    $recorded = $null
    if ($originals.Count -gt 0) {
        $recorded = Invoke-HcState $State ([ordered]@{ op = 'record-originals'; file = [string]$Data.originalsFile; key = $name; values = $originals }) $null
    }
    try {
        & $cmdlet @params | Out-Null
    } catch {
        $failure = $_
        if ($null -ne $recorded -and $recorded.changed) {
            try { [void](Invoke-HcState $State @{ op = 'put-file'; file = [string]$Data.originalsFile; text = $recorded.previous } $null) } catch { }
        }
        throw $failure
    }
    if ($null -ne $Data.followUpCommand) {
        $follow = @{}
        foreach ($p in $Data.followUpCommand.parameters.PSObject.Properties) { $follow[$p.Name] = [string]$p.Value }
        & ([string]$Data.followUpCommand.cmdlet) @follow | Out-Null
    }
    return @{ set = $true }
}
