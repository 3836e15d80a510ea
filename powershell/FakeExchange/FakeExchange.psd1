@{
    RootModule        = 'FakeExchange.psm1'
    ModuleVersion     = '0.1.0'
    GUID              = '6f0d5f5e-3d43-4f7e-9a55-2b7c8f1d9a10'
    Author            = 'hybridcfg'
    Description       = 'Exchange cmdlets for rehearsal and tests, backed by a hybridcfg lab folder ($env:HYBRIDCFG_LAB).'
    PowerShellVersion = '5.1'
    FunctionsToExport = @('Get-PartnerApplication', 'Set-PartnerApplication', 'Get-ManagementRoleEntry', 'Get-ExchangeServer', 'Get-AuthServer', 'Set-AuthServer', 'Get-IntraOrganizationConnector', 'Set-IntraOrganizationConnector', 'Get-OrganizationRelationship', 'Set-OrganizationRelationship', 'Get-SettingOverride', 'New-SettingOverride', 'Set-SettingOverride', 'Remove-SettingOverride', 'Get-ExchangeDiagnosticInfo', 'Get-AuthConfig', 'Get-OrganizationConfig', 'Invoke-FakeExchangeCall', 'Invoke-FakeExchangeFanOut', 'Set-FakeExchangeSession', 'Get-FakeExchangeSessionInfo')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
