#!/usr/bin/env bash
# Drives samples/Infernum.Audit.Fast.Gateway with wrk on loopback, with auditing off, with Infernum.Audit.Fast and with
# Serilog's file sink writing the same events, and prints requests/s and latency p50/p99 for each; then checks, for
# the two that write, that the audit file holds exactly one line per event the finished requests must have written.
#
#   scripts/gateway-bench.sh [seconds per run, default 15] [wrk threads, default 2] [connections, default 32]
#
# Needs the .NET 10 SDK and wrk (installed with apt-get if missing). Exit status 0 only if every check passes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-15}"
threads="${2:-2}"
connections="${3:-32}"
port="${GATEWAY_PORT:-5097}"
work="$(mktemp -d)"
gateway_pid=""
cleanup() { [ -n "$gateway_pid" ] && kill -TERM "$gateway_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
dotnet build "$root/samples/Infernum.Audit.Fast.Gateway" -c Release --nologo -v q >/dev/null
gateway="$root/samples/Infernum.Audit.Fast.Gateway/bin/Release/net10.0/Infernum.Audit.Fast.Gateway.dll"

status=0
declare -A rps p50 p99 check
for mode in off infernum serilog; do
  DOTNET_gcServer=1 dotnet "$gateway" --mode "$mode" --urls "http://127.0.0.1:$port" --file "$work/$mode.jsonl" >"$work/$mode.out" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  wrk -t "$threads" -c "$connections" -d 2s -s "$root/scripts/gateway-mix.lua" "http://127.0.0.1:$port" >"$work/$mode.warm" # warm-up
  wrk -t "$threads" -c "$connections" -d "${duration}s" -s "$root/scripts/gateway-mix.lua" "http://127.0.0.1:$port" >"$work/$mode.wrk"
  kill -TERM "$gateway_pid"
  gateway_exit=0
  wait "$gateway_pid" || gateway_exit=$?
  gateway_pid=""
  result="$(grep '^RESULT' "$work/$mode.wrk")"
  rps[$mode]="$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$result")"
  p50[$mode]="$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$result")"
  p99[$mode]="$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$result")"
  echo "== $mode: $result"
  # What wrk got answered (warm-up and run) against what the gateway finished: the gateway may finish a few more,
  # the requests in flight when wrk stopped (at most one per connection per run).
  echo "wrk answered:      $(cat "$work/$mode.warm" "$work/$mode.wrk" | sed -n 's/^STATUSES //p' | tr ' ' '\n' | awk -F: '{ n[$1] += $2 } END { for (s in n) printf "%s:%d ", s, n[s] }' | tr ' ' '\n' | sort | tr '\n' ' ')"
  echo "gateway finished: $(sed -n 's/^FINISHED //p' "$work/$mode.out")"
  if [ "$mode" = off ]; then
    check[$mode]="(no audit)"
  else
    sed -n '/^audit file/,/^CHECK/p' "$work/$mode.out"
    if [ "$gateway_exit" -eq 0 ] && grep -q '^CHECK ok' "$work/$mode.out"; then
      check[$mode]="ok: $(wc -l <"$work/$mode.jsonl") lines, one per audited event"
    else
      check[$mode]="FAILED"
      status=1
      cat "$work/$mode.out"
    fi
  fi
done

cpu="$(lscpu | sed -nE 's/^Model name: +//p' | head -n 1)"
echo
echo "Gateway under wrk ($threads threads, $connections connections, ${duration} s after a 2 s warm-up), $(nproc) cores ($cpu), $(date -u +%Y-%m-%d):"
echo
echo "| audit | requests/s | p50 | p99 | audit file check |"
echo "| --- | ---: | ---: | ---: | --- |"
for mode in off infernum serilog; do
  awk -v m="$mode" -v r="${rps[$mode]}" -v a="${p50[$mode]}" -v b="${p99[$mode]}" -v c="${check[$mode]}" \
    'BEGIN { printf "| %s | %s | %.2f ms | %.2f ms | %s |\n", m, r, a / 1000, b / 1000, c }'
done
exit "$status"
