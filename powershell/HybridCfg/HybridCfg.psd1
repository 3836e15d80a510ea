# Module manifest for HybridCfg: runs the hybridcfg CLI from PowerShell and returns its JSON results
# as objects. Ships in the npm package (powershell/HybridCfg); works on Windows PowerShell 5.1 and
# PowerShell 7.
@{
    RootModule           = 'HybridCfg.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0b7c1e-8f2a-4c3e-9b7d-2a6f1e4c8d90'
    Author               = 'hybridcfg contributors'
    Description          = 'Invoke-HybridCfg: run hybridcfg (desired-state configuration for hybrid Exchange OAuth) and get its JSON results as objects.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @('Invoke-HybridCfg')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Exchange', 'OAuth', 'Hybrid', 'DesiredState')
            ProjectUri = 'https://github.com/hybridcfg/hybridcfg'
            LicenseUri = 'https://github.com/hybridcfg/hybridcfg/blob/main/LICENSE'
        }
    }
}
