# hybridcfg: the Auth certificate, read only (src/resources/auth-certificate). Read-HcAuthConfig runs where
# the Exchange cmdlets are, in the organisation read; Read-HcAuthCertificate runs on each server, in its
# read (read-server.ps1), and looks the thumbprints AuthConfig names up in that server's local machine
# store, where Exchange keeps it (docs/exchange-facts.md#hybrid-unit H9, H12). Windows PowerShell 5.1
# compatible. Nothing here creates, renews or rotates a certificate.

function ConvertTo-HcUtcText($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    $text = [string]$Value
    if ($text -eq '') { return $null }
    return ([datetime]::Parse($text, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)).ToUniversalTime().ToString('o')
}

function Read-HcAuthConfig($Data, $StateFiles) {
    $a = Get-AuthConfig
    $text = { param($n) $p = $a.PSObject.Properties[$n]; if ($null -eq $p -or $null -eq $p.Value -or [string]$p.Value -eq '') { $null } else { [string]$p.Value } }
    $date = $null
    $p = $a.PSObject.Properties['NextCertificateEffectiveDate']
    if ($null -ne $p) { $date = ConvertTo-HcUtcText $p.Value }
    return [ordered]@{
        currentThumbprint = (& $text 'CurrentCertificateThumbprint')
        nextThumbprint = (& $text 'NextCertificateThumbprint')
        nextEffectiveDate = $date
        previousThumbprint = (& $text 'PreviousCertificateThumbprint')
    }
}

# Get-Item Cert:\LocalMachine\My\<thumbprint> gives the X509Certificate2 of the store (the certificate
# provider), with NotAfter and HasPrivateKey; absent, nothing.
function Read-HcAuthCertificate($Data, $Context) {
    $out = @()
    foreach ($t in @($Data.thumbprints)) {
        $thumbprint = [string]$t
        if ($thumbprint -notmatch '^[0-9A-F]{40}$') { throw ('[target.bad-request] ' + $thumbprint + ' is not a certificate thumbprint.') }
        $c = Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $thumbprint) -ErrorAction SilentlyContinue
        if ($null -eq $c) {
            $out += [ordered]@{ thumbprint = $thumbprint; found = $false }
            continue
        }
        $out += [ordered]@{
            thumbprint = ([string]$c.Thumbprint).ToUpperInvariant()
            found = $true
            subject = [string]$c.Subject
            notBefore = (ConvertTo-HcUtcText $c.NotBefore)
            notAfter = (ConvertTo-HcUtcText $c.NotAfter)
            hasPrivateKey = [bool]$c.HasPrivateKey
        }
    }
    return @{ certificates = $out }
}
