# Test helper (test/helpers/ps51-addtype.ts): reads every Add-Type command of the PowerShell sources given
# on stdin (JSON: [{file, text}]) with PowerShell's own parser, so that line continuations, comments,
# here-strings and quoting are read exactly as PowerShell reads them, and prints what it found as JSON.
# It only describes; test/helpers/ps51-addtype.ts decides what 5.1 would compile and what it cannot tell.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

# One argument or parameter value, as far as it is known without running anything.
function Get-Value($Ast) {
    if ($Ast -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
        return [ordered]@{ type = 'string'; value = $Ast.Value; quoting = [string]$Ast.StringConstantType; line = $Ast.Extent.StartLineNumber }
    }
    if ($Ast -is [System.Management.Automation.Language.ExpandableStringExpressionAst]) {
        # "..." or @"..."@ is constant only when it expands nothing; then Value holds the text with its
        # backtick escapes applied, as PowerShell passes it.
        if ($Ast.NestedExpressions.Count -eq 0) {
            return [ordered]@{ type = 'string'; value = $Ast.Value; quoting = [string]$Ast.StringConstantType; line = $Ast.Extent.StartLineNumber }
        }
        return [ordered]@{ type = 'expandable'; text = $Ast.Extent.Text; line = $Ast.Extent.StartLineNumber }
    }
    if ($Ast -is [System.Management.Automation.Language.ArrayLiteralAst]) {
        return [ordered]@{ type = 'array'; elements = @($Ast.Elements | ForEach-Object { Get-Value $_ }); line = $Ast.Extent.StartLineNumber }
    }
    if ($Ast -is [System.Management.Automation.Language.ArrayExpressionAst] -or $Ast -is [System.Management.Automation.Language.ParenExpressionAst]) {
        # @(...) or (...) around one plain expression: the expression's value.
        $inner = $Ast
        if ($Ast -is [System.Management.Automation.Language.ArrayExpressionAst]) { $statements = @($Ast.SubExpression.Statements) } else { $statements = @($Ast.Pipeline) }
        if ($statements.Count -eq 1 -and $statements[0] -is [System.Management.Automation.Language.PipelineAst] -and @($statements[0].PipelineElements).Count -eq 1 -and $statements[0].PipelineElements[0] -is [System.Management.Automation.Language.CommandExpressionAst]) {
            $inner = Get-Value $statements[0].PipelineElements[0].Expression
            if ($inner.type -eq 'string') { $inner = [ordered]@{ type = 'array'; elements = @($inner); line = $Ast.Extent.StartLineNumber } }
            return $inner
        }
    }
    $text = $Ast.Extent.Text
    if ($text.Length -gt 80) { $text = $text.Substring(0, 80) + '...' }
    return [ordered]@{ type = 'other'; ast = $Ast.GetType().Name; text = $text; line = $Ast.Extent.StartLineNumber }
}

$sources = @([Console]::In.ReadToEnd() | ConvertFrom-Json)
$results = foreach ($source in $sources) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput([string]$source.text, [string]$source.file, [ref]$tokens, [ref]$errors)
    $isAddType = { param($n) $n -is [System.Management.Automation.Language.CommandAst] -and ([string]$n.GetCommandName()) -match '^(Microsoft\.PowerShell\.Utility\\)?Add-Type$' }
    $commands = @($ast.FindAll($isAddType, $true))
    $nameOffsets = @{}
    $described = foreach ($c in $commands) {
        $nameOffsets[$c.CommandElements[0].Extent.StartOffset] = $true
        $elements = foreach ($e in @($c.CommandElements | Select-Object -Skip 1)) {
            if ($e -is [System.Management.Automation.Language.CommandParameterAst]) {
                $p = [ordered]@{ kind = 'parameter'; name = $e.ParameterName; line = $e.Extent.StartLineNumber }
                if ($null -ne $e.Argument) { $p['argument'] = Get-Value $e.Argument }
                $p
            } elseif ($e -is [System.Management.Automation.Language.VariableExpressionAst] -and $e.Splatted) {
                [ordered]@{ kind = 'splat'; text = $e.Extent.Text; line = $e.Extent.StartLineNumber }
            } else {
                [ordered]@{ kind = 'value'; value = (Get-Value $e); line = $e.Extent.StartLineNumber }
            }
        }
        [ordered]@{ line = $c.Extent.StartLineNumber; text = $c.CommandElements[0].Extent.Text; invocation = [string]$c.InvocationOperator; elements = @($elements) }
    }
    # Any other place the name appears outside a comment (a string run by Invoke-Expression, `& 'Add-Type'`,
    # a here-string that mentions it): reported, so that a form this helper does not read cannot slip past.
    $mentions = foreach ($t in $tokens) {
        if ($t.Kind -eq [System.Management.Automation.Language.TokenKind]::Comment) { continue }
        if ($t.Text -notmatch 'Add-Type') { continue }
        if ($nameOffsets.ContainsKey($t.Extent.StartOffset)) { continue }
        [ordered]@{ line = $t.Extent.StartLineNumber; kind = [string]$t.Kind }
    }
    [ordered]@{
        file        = [string]$source.file
        parseErrors = @($errors | ForEach-Object { [ordered]@{ line = $_.Extent.StartLineNumber; message = $_.Message } })
        commands    = @($described)
        mentions    = @($mentions)
    }
}
[Console]::Out.Write((ConvertTo-Json -InputObject @($results) -Depth 12 -Compress))
