# hybridcfg: one Set-PartnerApplication call. The parameters are built from decoded data and splatted,
# so no value is ever parsed as code, and a RestrictedLanguage endpoint receives plain parameters.
param([string]$DataB64)
$d = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)) | ConvertFrom-Json
$settable = @('Name', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'AppOnlyPermissions', 'AuthMetadataUrl', 'IssuerIdentifier', 'LinkedAccount', 'Realm')
$lists = @('ActAsPermissions', 'AppOnlyPermissions')
$app = @(Get-PartnerApplication | Where-Object { [string]$_.ApplicationIdentifier -eq [string]$d.applicationIdentifier })
if ($app.Count -ne 1) {
    throw ('[target.unknown-application] No partner application has ApplicationIdentifier ' + [string]$d.applicationIdentifier + ' (found ' + $app.Count + ').')
}
# Ordered: the parameters reach the cmdlet in the order the plan lists them.
$params = [ordered]@{ Identity = [string]$app[0].Identity; Confirm = $false }
foreach ($p in $d.update.PSObject.Properties) {
    if ($settable -notcontains $p.Name) { throw ('[target.bad-request] ' + $p.Name + ' is not a property hybridcfg sets.') }
    $value = $p.Value
    if ($lists -contains $p.Name) {
        # [?] An empty list is sent as $null: Exchange stores an unset MultiValuedProperty as null.
        if ($null -eq $value -or @($value).Count -eq 0) { $value = $null } else { $value = [string[]]@($value) }
    }
    $params[$p.Name] = $value
}
Set-PartnerApplication @params | Out-Null
'{"set":true}'
