# hybridcfg: one organisation-wide change of one resource kind, through its Set-Hc* function (sent with
# this script). Runs where the Exchange cmdlets are; the kind records its originals in the run state.
param([string]$DataB64, [string]$BlobB64)
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$result = & (Assert-HcFunction ([string]$d.fn)) $d.data $d.state
ConvertTo-Json -InputObject @{ result = $result } -Depth 12 -Compress
