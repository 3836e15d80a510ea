#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, on Debian:
#  - PowerShell 7 (a .NET global tool from NuGet) for the PowerShell target and the fake Exchange module;
#  - Debian's chromium for the HTML report tests (never a browser downloaded by a test tool).
# Idempotent: skips what is already there.
set -euo pipefail
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null 2>&1; then
  dotnet tool install --global PowerShell --version 7.6.9
fi
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "pwsh: $(command -v pwsh) ($(pwsh -NoLogo -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'))"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
