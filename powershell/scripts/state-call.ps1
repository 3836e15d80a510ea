# hybridcfg: one operation on the run state (lock, journal) from the organisation's session, which knows
# where the lock server is.
param([string]$DataB64, [string]$BlobB64)
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
ConvertTo-Json -InputObject (Invoke-HcState $d.state $d.operation $null) -Depth 5 -Compress
