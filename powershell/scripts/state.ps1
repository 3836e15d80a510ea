# hybridcfg: the organisation's run state in <ExchangeInstallPath>hybridcfg\ of the lock server: the
# apply lock (lock.json), the run journal (journal.jsonl) and the state files of the resource kinds (the
# partner application originals, original\partner-applications.json). One operation per call; texts that
# hybridcfg wrote are handed back as they are, and hybridcfg parses them, so no JSON is reinterpreted on
# the way.
param([string]$DataB64)
$ErrorActionPreference = 'Stop'
$d = ConvertFrom-HcJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($DataB64)))
$install = Get-HcInstallPath
$root = Join-HcOwnPath $install ''
$lockFile = [IO.Path]::Combine($root, 'lock.json')
$journal = [IO.Path]::Combine($root, 'journal.jsonl')
$utf8 = New-Object Text.UTF8Encoding($false)

function Read-HcText([string]$Path) {
    if (-not [IO.File]::Exists($Path)) { return $null }
    return [IO.File]::ReadAllText($Path, $utf8)
}

# JSON.stringify(value, null, 2) for what originals hold (null, booleans, strings, lists, objects): the
# lab target writes partner-applications.json that way, and both must leave the same bytes.
function ConvertTo-HcJsonString([string]$Text) {
    $sb = New-Object Text.StringBuilder
    [void]$sb.Append('"')
    for ($i = 0; $i -lt $Text.Length; $i++) {
        $c = [int]$Text[$i]
        if ($c -eq 0x22) { [void]$sb.Append('\"') }
        elseif ($c -eq 0x5C) { [void]$sb.Append('\\') }
        elseif ($c -eq 0x08) { [void]$sb.Append('\b') }
        elseif ($c -eq 0x09) { [void]$sb.Append('\t') }
        elseif ($c -eq 0x0A) { [void]$sb.Append('\n') }
        elseif ($c -eq 0x0C) { [void]$sb.Append('\f') }
        elseif ($c -eq 0x0D) { [void]$sb.Append('\r') }
        elseif ($c -lt 0x20) { [void]$sb.Append('\u' + $c.ToString('x4')) }
        elseif ($c -ge 0xD800 -and $c -le 0xDBFF -and $i + 1 -lt $Text.Length -and [int]$Text[$i + 1] -ge 0xDC00 -and [int]$Text[$i + 1] -le 0xDFFF) {
            [void]$sb.Append($Text[$i]).Append($Text[$i + 1]); $i++
        }
        elseif ($c -ge 0xD800 -and $c -le 0xDFFF) { [void]$sb.Append('\u' + $c.ToString('x4')) }
        else { [void]$sb.Append($Text[$i]) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}
function ConvertTo-HcJsonText($Value, [string]$Indent) {
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [string]) { return (ConvertTo-HcJsonString $Value) }
    $inner = $Indent + '  '
    $pairs = $null
    if ($Value -is [Collections.IDictionary]) {
        $pairs = @(foreach ($k in $Value.Keys) { , @([string]$k, $Value[$k]) })
    } elseif ($Value -is [Management.Automation.PSCustomObject]) {
        $pairs = @(foreach ($p in $Value.PSObject.Properties) { , @($p.Name, $p.Value) })
    }
    if ($null -ne $pairs) {
        if ($pairs.Count -eq 0) { return '{}' }
        $items = @(foreach ($pair in $pairs) { $inner + (ConvertTo-HcJsonString $pair[0]) + ': ' + (ConvertTo-HcJsonText $pair[1] $inner) })
        return '{' + "`n" + ($items -join (',' + "`n")) + "`n" + $Indent + '}'
    }
    if ($Value -is [Collections.IEnumerable]) {
        $items = @(foreach ($v in $Value) { $inner + (ConvertTo-HcJsonText $v $inner) })
        if ($items.Count -eq 0) { return '[]' }
        return '[' + "`n" + ($items -join (',' + "`n")) + "`n" + $Indent + ']'
    }
    return [string]$Value
}

$result = @{}
if ($d.op -eq 'read') {
    # The last run: the last start line that parses, and the end line of the same run if it has one.
    # A line cut short by a kill does not parse and is skipped.
    $start = $null
    $end = $null
    if ([IO.File]::Exists($journal)) {
        $lines = [IO.File]::ReadAllLines($journal, $utf8)
        $ends = @()
        for ($i = $lines.Length - 1; $i -ge 0; $i--) {
            $line = $lines[$i].Trim()
            if ($line -eq '') { continue }
            try { $entry = ConvertFrom-HcJson $line } catch { continue }
            if ($entry.event -eq 'end') { $ends += , @([string]$entry.runId, $line) }
            elseif ($entry.event -eq 'start') {
                $start = $line
                foreach ($e in $ends) { if ($e[0] -eq [string]$entry.runId) { $end = $e[1] } }
                break
            }
        }
    }
    # The kinds' state files, by the relative name they were asked for.
    $files = [ordered]@{}
    foreach ($f in @($d.files)) { if ($null -ne $f) { $files[[string]$f] = Read-HcText (Join-HcOwnPath $install ([string]$f)) } }
    $result = @{ lock = (Read-HcText $lockFile); files = $files; lastRunStart = $start; lastRunEnd = $end }
} elseif ($d.op -eq 'acquire') {
    # Written whole into a temp file created exclusively, then moved into place: the move fails when the
    # lock exists (no overwrite, atomic on NTFS and POSIX), and a reader never sees half a lock.
    [void][IO.Directory]::CreateDirectory($root)
    $temp = [IO.Path]::Combine($root, '.lock.json.' + [Guid]::NewGuid().ToString('N') + '.tmp')
    try {
        $bytes = $utf8.GetBytes([string]$d.text)
        $stream = New-Object IO.FileStream($temp, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
        try { $stream.Write($bytes, 0, $bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
        try {
            [IO.File]::Move($temp, $lockFile)
            $result = @{ acquired = $true }
        } catch [IO.IOException] {
            if (-not [IO.File]::Exists($lockFile)) { throw }
            $result = @{ acquired = $false; holder = (Read-HcText $lockFile) }
        }
    } finally {
        if ([IO.File]::Exists($temp)) { [IO.File]::Delete($temp) }
    }
} elseif ($d.op -eq 'release') {
    $text = Read-HcText $lockFile
    $released = $false
    # A lock that is not one hybridcfg wrote goes by 'damaged-' and the start of its text's sha256
    # (src/targets/run-state.ts): force-unlock breaks that very file, and only it.
    $owner = $null
    if ($null -ne $text) {
        try { $owner = [string](ConvertFrom-HcJson $text).runId } catch { $owner = $null }
        $damaged = 'damaged-' + (Get-HcSha256 $utf8.GetBytes([string]$text)).Substring(0, 16)
    }
    if ($null -ne $text -and ($owner -eq [string]$d.runId -or $damaged -eq [string]$d.runId)) {
        [IO.File]::Delete($lockFile)
        $released = $true
    }
    $result = @{ released = $released }
} elseif ($d.op -eq 'append') {
    # One write per line, at the end: a kill leaves at most the last line short, and the next line
    # starts on a line of its own so that the short one cannot swallow it.
    [void][IO.Directory]::CreateDirectory($root)
    $line = [string]$d.line
    if ([IO.File]::Exists($journal)) {
        $probe = [IO.File]::Open($journal, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
        try {
            if ($probe.Length -gt 0) {
                [void]$probe.Seek(-1, [IO.SeekOrigin]::End)
                if ($probe.ReadByte() -ne 10) { $line = "`n" + $line }
            }
        } finally { $probe.Dispose() }
    }
    $bytes = $utf8.GetBytes($line)
    $stream = New-Object IO.FileStream($journal, [IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::Read)
    try { $stream.Write($bytes, 0, $bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
} elseif ($d.op -eq 'record-originals') {
    # The value before hybridcfg first changed a property is kept for rollback: an existing entry is
    # never replaced. The previous text is handed back so that a failed Set can put it back.
    $originals = Join-HcOwnPath $install ([string]$d.file)
    $previous = Read-HcText $originals
    $all = [ordered]@{}
    if ($null -ne $previous) {
        foreach ($p in (ConvertFrom-HcJson $previous).PSObject.Properties) { $all[$p.Name] = $p.Value }
    }
    $id = [string]$d.key
    $mine = [ordered]@{}
    if ($all.Contains($id)) { foreach ($p in $all[$id].PSObject.Properties) { $mine[$p.Name] = $p.Value } }
    $changed = $false
    foreach ($p in $d.values.PSObject.Properties) {
        if (-not $mine.Contains($p.Name)) { $mine[$p.Name] = $p.Value; $changed = $true }
    }
    if ($changed) {
        $all[$id] = $mine
        $text = (ConvertTo-HcJsonText $all '') + "`n"
        Write-HcFileAtomic $originals $utf8.GetBytes($text) ([IO.Path]::GetDirectoryName($originals))
    }
    $result = @{ changed = $changed; previous = $previous }
} elseif ($d.op -eq 'put-file') {
    $originals = Join-HcOwnPath $install ([string]$d.file)
    if ($null -eq $d.text) {
        if ([IO.File]::Exists($originals)) { [IO.File]::Delete($originals) }
    } else {
        Write-HcFileAtomic $originals $utf8.GetBytes([string]$d.text) ([IO.Path]::GetDirectoryName($originals))
    }
} else {
    throw ('[target.bad-request] Unknown state operation ' + [string]$d.op + '.')
}
ConvertTo-Json -InputObject $result -Depth 5 -Compress
