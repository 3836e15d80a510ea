# hybridcfg: one Set-PartnerApplication call. The parameters are built from decoded data and splatted,
# so no value is ever parsed as code, and a RestrictedLanguage endpoint receives plain parameters.
# Before the change, the current value of each property that changes is recorded on the lock server
# (hybridcfg\original\partner-applications.json, first value kept for ever) for rollback.
param([string]$DataB64)
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
$settable = @('Name', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'AppOnlyPermissions', 'AuthMetadataUrl', 'IssuerIdentifier', 'LinkedAccount', 'Realm')
$lists = @('ActAsPermissions', 'AppOnlyPermissions')
# PowerShell binds parameters before a cmdlet runs, so a parameter this session lacks fails the call
# before anything changes. Checked here first so that nothing is recorded for a call that cannot run.
$cmd = Get-Command -Name Set-PartnerApplication -ErrorAction Stop
foreach ($p in $d.update.PSObject.Properties) {
    if ($settable -notcontains $p.Name) { throw ('[target.bad-request] ' + $p.Name + ' is not a property hybridcfg sets.') }
    if (-not $cmd.Parameters.ContainsKey($p.Name)) { throw ("A parameter cannot be found that matches parameter name '" + $p.Name + "'.") }
}
$app = @(Get-PartnerApplication | Where-Object { [string]$_.ApplicationIdentifier -eq [string]$d.applicationIdentifier })
if ($app.Count -ne 1) {
    throw ('[target.unknown-application] No partner application has ApplicationIdentifier ' + [string]$d.applicationIdentifier + ' (found ' + $app.Count + ').')
}
# Ordered: the parameters reach the cmdlet in the order the plan lists them.
$params = [ordered]@{ Identity = [string]$app[0].Identity; Confirm = $false }
$originals = [ordered]@{}
foreach ($p in $d.update.PSObject.Properties) {
    $value = $p.Value
    if ($lists -contains $p.Name) {
        # [?] An empty list is sent as $null: Exchange stores an unset MultiValuedProperty as null. A
        # restore of an unset list therefore passes -AppOnlyPermissions $null, which clears it.
        if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
    }
    $params[$p.Name] = $value
    $old = ConvertTo-HcPartnerValue $app[0] $p.Name
    if ((ConvertTo-Json -InputObject $old -Compress -Depth 5) -cne (ConvertTo-Json -InputObject $value -Compress -Depth 5)) { $originals[$p.Name] = $old }
}
$recorded = $null
if ($originals.Count -gt 0) {
    $recorded = Invoke-HcState $d.state ([ordered]@{ op = 'record-originals'; applicationIdentifier = [string]$app[0].ApplicationIdentifier; values = $originals }) $null
}
try {
    Set-PartnerApplication @params | Out-Null
} catch {
    $failure = $_
    if ($null -ne $recorded -and $recorded.changed) {
        # Nothing changed in Exchange, so nothing may stay recorded: put the file back as it was. If even
        # that fails, the entry holds the value that is still live, which a rollback restores harmlessly.
        try { [void](Invoke-HcState $d.state @{ op = 'put-originals'; text = $recorded.previous } $null) } catch { }
    }
    throw $failure
}
'{"set":true}'
