# HybridCfg: run the hybridcfg CLI and return what it prints as JSON as objects, for admins who live
# in PowerShell. Written for Windows PowerShell 5.1 and PowerShell 7 alike: no ??, no ternary, no
# ConvertFrom-Json -AsHashtable, no ProcessStartInfo.ArgumentList (absent from .NET Framework).
#
# The CLI runs as a child process with its output read as UTF-8 by .NET, not through the console:
# Windows PowerShell decodes a native command's output with the console's code page, which garbles
# non-ASCII text (server names, messages) before ConvertFrom-Json sees it.

Set-StrictMode -Version 2.0

# Commands whose result hybridcfg can print as one JSON document (--json).
$script:JsonCommands = @('validate', 'plan', 'apply', 'verify', 'rollback')

function ConvertTo-HybridCfgArgument {
    # One argument quoted as the C runtime (and .NET) splits a command line: quotes around it when it
    # has spaces, tabs or quotes; a quote escaped with a backslash; backslashes doubled only before a quote.
    param([string] $Value)
    if ($Value.Length -gt 0 -and $Value -notmatch '[\s"]') { return $Value }
    $out = New-Object System.Text.StringBuilder
    [void] $out.Append('"')
    $slashes = 0
    foreach ($c in $Value.ToCharArray()) {
        if ($c -eq '\') { $slashes++; continue }
        if ($c -eq '"') {
            [void] $out.Append('\', 2 * $slashes + 1)
        } elseif ($slashes -gt 0) {
            [void] $out.Append('\', $slashes)
        }
        $slashes = 0
        [void] $out.Append($c)
    }
    [void] $out.Append('\', 2 * $slashes)
    [void] $out.Append('"')
    return $out.ToString()
}

function Find-Node {
    $node = Get-Command -Name 'node' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $node) {
        throw "Node.js (node) is not on PATH, and hybridcfg needs it. Install Node.js 20 or later (on Windows: winget install OpenJS.NodeJS.LTS), then open a new PowerShell."
    }
    return $node.Source
}

function Resolve-HybridCfgCli {
    # What to start for hybridcfg: @{ File = ...; Prefix = @(...) }. A .js entry point runs through node,
    # and so does npm's hybridcfg.cmd shim (its package sits beside it), so that no argument ever goes
    # through cmd.exe's quoting rules.
    param([string] $Path)
    $candidate = $null
    if ($Path) {
        if (-not (Test-Path -LiteralPath $Path)) {
            throw "HybridCfgPath '$Path' does not exist. Give the path of the hybridcfg command (or of its dist/cli/main.js), or leave it out to use hybridcfg from PATH."
        }
        $candidate = (Resolve-Path -LiteralPath $Path).ProviderPath
    } else {
        $found = Get-Command -Name 'hybridcfg' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($null -ne $found) {
            $candidate = $found.Source
        } else {
            # The module inside the npm package: the CLI of the same package.
            $beside = Join-Path $PSScriptRoot (Join-Path '..' (Join-Path '..' (Join-Path 'dist' (Join-Path 'cli' 'main.js'))))
            if (Test-Path -LiteralPath $beside) { $candidate = (Resolve-Path -LiteralPath $beside).ProviderPath }
        }
    }
    if ($null -eq $candidate) {
        throw "hybridcfg is not on PATH. Install it (npm install -g hybridcfg@<version>) and open a new PowerShell, or pass -HybridCfgPath <path of hybridcfg or of its dist/cli/main.js>."
    }
    if ($candidate -match '\.js$') { return @{ File = (Find-Node); Prefix = @($candidate) } }
    if ($candidate -match '\.(cmd|bat)$') {
        $main = Join-Path (Split-Path -Parent $candidate) (Join-Path 'node_modules' (Join-Path 'hybridcfg' (Join-Path 'dist' (Join-Path 'cli' 'main.js'))))
        if (Test-Path -LiteralPath $main) { return @{ File = (Find-Node); Prefix = @($main) } }
    }
    return @{ File = $candidate; Prefix = @() }
}

function Format-HybridCfgDiagnostics {
    # The diagnostics of a JSON document (validate --json), as the CLI prints them in text.
    param($Document)
    if ($null -eq $Document) { return '' }
    $names = @($Document.PSObject.Properties | ForEach-Object { $_.Name })
    if ($names -notcontains 'diagnostics') { return '' }
    $lines = foreach ($d in @($Document.diagnostics)) {
        $where = ''
        if ($d.PSObject.Properties['source'] -and $null -ne $d.source) { $where = "`n  at $($d.source.file):$($d.source.line):$($d.source.col)" }
        $detail = ''
        if ($d.PSObject.Properties['detail'] -and $d.detail) { $detail = "`n  $($d.detail)" }
        "$($d.severity): $($d.summary)$where$detail"
    }
    return ($lines -join "`n")
}

function Invoke-HybridCfg {
    <#
    .SYNOPSIS
    Runs hybridcfg and returns its result as objects.

    .DESCRIPTION
    Runs `hybridcfg <Command> [Spec] --json [options]` and returns the JSON document it prints, as
    objects (for export, which prints a spec, the YAML text). The CLI's exit code is the result's
    ExitCode property and $LASTEXITCODE: 0 nothing to do or success, 2 changes pending (plan
    -DetailedExitCode). Exit 1 (a bad spec, an unreachable server, a failed apply or verification) is
    a terminating error whose message is the CLI's diagnostics; the JSON document, when the CLI printed
    one, is the error's TargetObject.

    hybridcfg is found on PATH, or given with -HybridCfgPath; without either, the CLI of the npm package
    this module ships in is used.

    .EXAMPLE
    $plan = Invoke-HybridCfg plan -Spec .\hybridcfg.yaml -DetailedExitCode
    if ($plan.ExitCode -eq 2) { $plan.changes | Select-Object address, action }

    .EXAMPLE
    Invoke-HybridCfg apply -Spec .\hybridcfg.yaml -Yes -ArgumentList '--html', 'apply.html'

    .EXAMPLE
    try { Invoke-HybridCfg validate -Spec .\hybridcfg.yaml } catch { $_.Exception.Message }
    #>
    [CmdletBinding()]
    param(
        # The hybridcfg command.
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateSet('validate', 'plan', 'apply', 'export', 'verify', 'rollback')]
        [string] $Command,

        # The spec (or, for apply, a saved plan file); default: hybridcfg.yaml in the current folder.
        [Parameter(Position = 1)]
        [string] $Spec,

        # plan: exit 2 (ExitCode 2, not an error) when changes are pending.
        [switch] $DetailedExitCode,

        # apply, rollback: do not ask (a script cannot answer a prompt).
        [switch] $Yes,

        # More CLI arguments, passed as they are (e.g. '--out', 'plan.json').
        [string[]] $ArgumentList = @(),

        # The hybridcfg command or its dist/cli/main.js; default: hybridcfg on PATH.
        [string] $HybridCfgPath
    )

    try {
        $cli = Resolve-HybridCfgCli -Path $HybridCfgPath
    } catch {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (New-Object System.Exception $_.Exception.Message), 'HybridCfg.CliNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $HybridCfgPath))
    }

    $arguments = New-Object System.Collections.Generic.List[string]
    foreach ($p in $cli.Prefix) { $arguments.Add($p) }
    $arguments.Add($Command)
    if ($Spec) { $arguments.Add($Spec) }
    $json = $script:JsonCommands -contains $Command
    if ($json) { $arguments.Add('--json') }
    if ($DetailedExitCode) { $arguments.Add('--detailed-exitcode') }
    if ($Yes) { $arguments.Add('--yes') }
    foreach ($a in $ArgumentList) { $arguments.Add($a) }

    $start = New-Object System.Diagnostics.ProcessStartInfo
    $start.FileName = $cli.File
    $start.Arguments = (($arguments | ForEach-Object { ConvertTo-HybridCfgArgument $_ }) -join ' ')
    # The CLI resolves relative paths against its working folder: this PowerShell location.
    $start.WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath
    $start.UseShellExecute = $false
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $utf8 = New-Object System.Text.UTF8Encoding $false
    $start.StandardOutputEncoding = $utf8
    $start.StandardErrorEncoding = $utf8

    Write-Verbose ("Running {0} {1} in {2}" -f $start.FileName, $start.Arguments, $start.WorkingDirectory)
    $process = [System.Diagnostics.Process]::Start($start)
    # No prompt can be answered here: stdin is closed at once (apply then needs -Yes, and says so).
    $process.StandardInput.Close()
    # Both streams at once, so that a full stderr pipe cannot stall the CLI while stdout is read.
    $stderrTask = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEnd()
    $process.WaitForExit()
    $stderr = $stderrTask.Result
    $code = $process.ExitCode
    $process.Dispose()
    $global:LASTEXITCODE = $code

    $result = $null
    if ($json) {
        if ($stdout.Trim().Length -gt 0) {
            try {
                $result = $stdout | ConvertFrom-Json
            } catch {
                $why = "hybridcfg $Command printed output that is not JSON (exit code $code): $($_.Exception.Message)"
                $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (New-Object System.Exception $why), 'HybridCfg.NotJson', ([System.Management.Automation.ErrorCategory]::InvalidResult), $stdout))
            }
        }
    } else {
        $result = $stdout
    }

    if ($code -ne 0 -and -not ($code -eq 2 -and $DetailedExitCode)) {
        $message = $stderr.Trim()
        $fromJson = Format-HybridCfgDiagnostics $result
        if ($fromJson) { $message = (@($message, $fromJson) | Where-Object { $_ }) -join "`n" }
        if (-not $message) { $message = "hybridcfg $Command failed with exit code $code." }
        $exception = New-Object System.Exception $message
        $exception.Data['ExitCode'] = $code
        $exception.Data['Stderr'] = $stderr
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord $exception, "HybridCfg.ExitCode$code", ([System.Management.Automation.ErrorCategory]::InvalidResult), $result))
    }

    if ($stderr.Trim().Length -gt 0) {
        # Notes and warnings the CLI wrote for people ("Saved the plan to ..."): on the verbose stream.
        foreach ($line in ($stderr -split "`r?`n")) { if ($line) { Write-Verbose $line } }
    }
    if ($null -eq $result) { return }
    if ($result -is [string]) { return $result }
    if (-not $result.PSObject.Properties['ExitCode']) {
        Add-Member -InputObject $result -MemberType NoteProperty -Name ExitCode -Value $code
    }
    return $result
}

Export-ModuleMember -Function Invoke-HybridCfg
