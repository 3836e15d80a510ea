#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, on Debian:
#  - PowerShell 7 (a .NET global tool from NuGet) for the PowerShell target and the fake Exchange module;
#  - Debian's chromium for the HTML report tests (never a browser downloaded by a test tool);
#  - the .NET Framework 4.8 reference assemblies and PowerShell 5.1's System.Management.Automation.dll
#    (NuGet, restored by scripts/ps51-refs/ps51-refs.csproj into .tools/ps51-refs/), against which
#    test/unit/powershell-ps51.test.ts compiles every Add-Type block as Windows PowerShell 5.1 would.
# Idempotent: skips what is already there (a restore that has nothing to do takes under a second).
set -euo pipefail
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null 2>&1; then
  dotnet tool install --global PowerShell --version 7.6.9
fi
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The packages go to a folder of this clone, not ~/.nuget/packages, so that the test finds them at one path.
ps51_refs="$(cd "$(dirname "$0")/.." && pwd)/.tools/ps51-refs"
dotnet restore "$(dirname "$0")/ps51-refs/ps51-refs.csproj" --nologo --verbosity quiet \
  --packages "$ps51_refs/packages" "-p:MSBuildProjectExtensionsPath=$ps51_refs/obj/"
echo "pwsh: $(command -v pwsh) ($(pwsh -NoLogo -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'))"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "Windows PowerShell 5.1 reference assemblies: $ps51_refs/packages"
