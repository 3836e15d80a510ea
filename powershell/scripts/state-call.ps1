# hybridcfg: one operation on the run state (lock, journal) from the organisation's session, which knows
# where the lock server is.
param([string]$DataB64, [string]$BlobB64)
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$result = Invoke-HcState $d.state $d.operation $null
ConvertTo-Json -InputObject @{ result = $result; lockServer = $script:HcLockServer } -Depth 6 -Compress
