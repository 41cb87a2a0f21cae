#!/usr/bin/env bash
# Packs Infernum.Audit.Fast, checks the package's files, then builds and runs a consumer project that references
# only that package (restored from the packed folder plus the normal registry) and checks the line it wrote.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="0.1.0-ci.$(date +%s)"

dotnet pack "$root/src/Infernum.Audit.Fast/Infernum.Audit.Fast.csproj" -c Release -o "$work/feed" -p:Version="$version" --nologo -v q
package="$work/feed/Infernum.Audit.Fast.$version.nupkg"
files="$(unzip -Z1 "$package")"
for expected in lib/net10.0/Infernum.Audit.Fast.dll lib/net10.0/Infernum.Audit.Fast.xml lib/net8.0/Infernum.Audit.Fast.dll \
                lib/net8.0/Infernum.Audit.Fast.xml analyzers/dotnet/cs/Infernum.Audit.Fast.Generators.dll README.md docs/diagnostics.md; do
  grep -qx "$expected" <<< "$files" || { echo "package lacks $expected"; echo "$files"; exit 1; }
done
[ -f "$work/feed/Infernum.Audit.Fast.$version.snupkg" ] || { echo "no symbols package"; exit 1; }

# The integration packages: each with its own readme, XML docs, tags and a symbols package.
for id in Infernum.Audit.Fast.Hosting Infernum.Audit.Fast.AspNetCore; do
  dotnet pack "$root/src/$id/$id.csproj" -c Release -o "$work/feed" -p:Version="$version" --nologo -v q
  package="$work/feed/$id.$version.nupkg"
  files="$(unzip -Z1 "$package")"
  for expected in README.md lib/net10.0/$id.dll lib/net10.0/$id.xml; do
    grep -qx "$expected" <<< "$files" || { echo "$id lacks $expected"; echo "$files"; exit 1; }
  done
  grep -q "# $id" <(unzip -p "$package" README.md) || { echo "$id's README is not its own"; exit 1; }
  grep -q "<tags>.*audit" <(unzip -p "$package" "$id.nuspec") || { echo "$id has no tags"; exit 1; }
  [ -f "$work/feed/$id.$version.snupkg" ] || { echo "$id has no symbols package"; exit 1; }
done

cp -r "$root/tests/PackageConsumer" "$work/consumer"
cat > "$work/consumer/nuget.config" <<CONFIG
<configuration><packageSources><add key="packed" value="$work/feed" /></packageSources></configuration>
CONFIG
export NUGET_PACKAGES="$work/packages"
output="$(dotnet run --project "$work/consumer" -c Release -p:InfernumVersion="$version" -- "$work/audit.jsonl")"
line="$(tail -n 1 <<< "$output")"
expected=',"event_type":"token_refreshed","request_id":"req-1","client_ip":"10.0.0.1","endpoint":"/api/tokens","success":true,"details":"Refreshed for user-42","attempt":3}'
if [[ "$line" == '{"timestamp":"'*'Z"'"$expected" ]]; then
  echo "package consumer: ok ($line)"
else
  echo "package consumer wrote: $line"
  exit 1
fi
