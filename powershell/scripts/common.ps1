# hybridcfg: helpers every script carries (prepended to each of them, so that each still travels as one
# script block).

# PowerShell 7 turns ISO-8601-looking strings into DateTime unless told not to (-DateKind String, 7.5+);
# Windows PowerShell 5.1 leaves them alone. Either way a string stays the string that was sent.
function ConvertFrom-HcJson([string]$Text) {
    if ((Get-Command -Name ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { return ($Text | ConvertFrom-Json -DateKind String) }
    return ($Text | ConvertFrom-Json)
}
# A kind's function named in the data: only hybridcfg's own Read-Hc*/Set-Hc* functions are called.
function Assert-HcFunction([string]$Name) {
    if ($Name -notmatch '^(Read|Set)-Hc[A-Za-z]+$' -or -not (Get-Command -Name $Name -CommandType Function -ErrorAction SilentlyContinue)) {
        throw ('[target.bad-request] ' + $Name + ' is not a function of a hybridcfg resource kind.')
    }
    return $Name
}
