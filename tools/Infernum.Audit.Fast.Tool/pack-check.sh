#!/usr/bin/env bash
# Packs infernum-audit as a .NET tool, installs it from the package into a temporary tool path, writes a small
# evidence file set with a real logger (the evidence crash writer, run to completion), and verifies it with the
# installed tool: exit 0 on the untouched set, exit 1 naming line 3 after a byte of line 3 is changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
signer='PRIVATE+KEY+audit.example/host-1+0c20ca15+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f'
verifier='audit.example/host-1+0c20ca15+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4'

dotnet pack tools/Infernum.Audit.Fast.Tool -c Release -o "$out/pkg" -nologo -v quiet
dotnet tool install Infernum.Audit.Fast.Tool --tool-path "$out/bin" --add-source "$out/pkg" --version 0.1.0
dotnet build tests/Infernum.Audit.Fast.Evidence.CrashWriter -c Release -nologo -v quiet
dotnet tests/Infernum.Audit.Fast.Evidence.CrashWriter/bin/Release/net10.0/Infernum.Audit.Fast.Evidence.CrashWriter.dll "$out/logs/audit.jsonl" "$signer" 20000 > /dev/null

"$out/bin/infernum-audit" verify "$out/logs/audit.jsonl" --key "$verifier"
sed -i '3s/req-/reX-/' "$out/logs/audit.jsonl"
set +e
result=$("$out/bin/infernum-audit" verify "$out/logs/audit.jsonl" --single --key "$verifier")
code=$?
set -e
echo "$result"
[ "$code" -eq 1 ] && grep -q "audit.jsonl:3: changed:" <<< "$result"
