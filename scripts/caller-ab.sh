#!/usr/bin/env bash
# A/B of auth_success caller cost between commits, in one process: scripts/caller-ab.sh [--coarse] COMMIT... 
# Each commit's runtime is built in a temporary worktree with benchmarks/CallerAB/Driver (taken from this checkout),
# then benchmarks/CallerAB/Host runs them side by side, alternating 300 rounds of 200,000 events.
# Use it to find which change moved the cost; report figures from BenchmarkDotNet (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
coarse=0
if [ "${1:-}" = "--coarse" ]; then coarse=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--coarse] COMMIT..." >&2; exit 2; }
work=$(mktemp -d)
trap 'for w in "$work"/tree-*; do git worktree remove --force "$w" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
folders=()
for commit in "$@"; do
  name=$(git rev-parse --short "$commit")
  git worktree add --detach "$work/tree-$name" "$commit" >/dev/null
  mkdir -p "$work/driver-$name"
  cp benchmarks/CallerAB/Driver/* "$work/driver-$name/"
  dotnet build "$work/driver-$name/CallerAB.Driver.csproj" -c Release -o "$work/out-$name" -p:InfernumRepo="$work/tree-$name" -nologo -v quiet >/dev/null
  folders+=("$work/out-$name")
done
dotnet build benchmarks/CallerAB/Host -c Release -o "$work/host" -nologo -v quiet >/dev/null
dotnet "$work/host/CallerAB.Host.dll" 300 200000 "$coarse" "${folders[@]}"
