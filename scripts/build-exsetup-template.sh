#!/usr/bin/env bash
# Rebuilds fixtures/lab/ExSetup.template.exe from scripts/exsetup-template/ExSetup.cs with the .NET SDK's
# Roslyn and the .NET Framework 4.8 reference assemblies (bash scripts/install-test-tools.sh restores them).
# Deterministic: the same source gives the same bytes; test/unit/lab-exsetup.test.ts checks the committed copy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sdk="$(dotnet --list-sdks | tail -n 1 | sed -E 's/^([^ ]+) \[(.*)\]$/\2\/\1/')"
refs="$(ls -d "$root"/.tools/ps51-refs/packages/microsoft.netframework.referenceassemblies.net48/*/build/.NETFramework/v4.8 | tail -n 1)"
dotnet "$sdk/Roslyn/bincore/csc.dll" -nologo -noconfig -nostdlib -deterministic -optimize+ -target:exe \
  "-r:$refs/mscorlib.dll" "-out:${1:-$root/fixtures/lab/ExSetup.template.exe}" "$root/scripts/exsetup-template/ExSetup.cs"
