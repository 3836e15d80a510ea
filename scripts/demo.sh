#!/usr/bin/env bash
# The quick start, end to end, on the built-in lab (no Exchange needed): makes a two-server lab that
# has not moved to the dedicated hybrid application yet, moves it (examples/specs/dedicated-hybrid-app.yaml),
# validates the spec, plans (exit 2: changes pending), applies, plans again (exit 0), exports.
# Everything happens in ./demo (recreated each run).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
hybridcfg() { node "$root/dist/cli/main.js" "$@"; }
step() { printf '\n\033[1m$ hybridcfg %s\033[0m\n' "$*"; }
expect() { local want=$1; shift; step "$@"; hybridcfg "$@"; local got=$?; if [ "$got" != "$want" ]; then echo "demo: expected exit $want from 'hybridcfg $*', got $got" >&2; exit 1; fi; echo "(exit $got)"; }

rm -rf "$root/demo" && mkdir -p "$root/demo" && cd "$root/demo" || exit 1
cp "$root/examples/specs/dedicated-hybrid-app.yaml" hybridcfg.yaml
expect 0 lab init ./lab --servers EX01,EX02
expect 0 validate hybridcfg.yaml
expect 2 plan hybridcfg.yaml --detailed-exitcode
expect 0 apply hybridcfg.yaml --yes
expect 0 plan hybridcfg.yaml --detailed-exitcode
step export hybridcfg.yaml '>' live.yaml
hybridcfg export hybridcfg.yaml > live.yaml || exit 1
cat live.yaml
expect 0 plan live.yaml --detailed-exitcode
printf '\nThe lab recorded these changes (demo/lab/events.jsonl):\n'
hybridcfg lab events ./lab
printf '\nDemo complete: the files are in %s\n' "$root/demo"
