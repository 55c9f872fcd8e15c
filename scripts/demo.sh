#!/usr/bin/env bash
# The main demo: installs what Tern needs, starts a test guest that dirties memory, live-migrates it
# between two local tern processes (pre-copy) with a progress display, and prints the metrics table
# and the paths of the JSON report and the PNG plot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

tern=scripts/tern
work=$(mktemp -d /tmp/tern-demo.XXXXXX)
port=$((20000 + RANDOM % 20000))
cleanup() { kill "$src" "$dst" 2>/dev/null || true; }
trap cleanup EXIT

echo "== starting the source VM: 512 MiB, test guest dirtying 64 MiB at 100 MiB/s"
$tern run --name demo-source --api "$work/source.sock" --memory 512M \
  --append "dirty=64,100 tick=100" >"$work/source.log" 2>&1 &
src=$!
echo "== starting the destination: tern receive on 127.0.0.1:$port"
$tern receive --listen "127.0.0.1:$port" --name demo-destination --api "$work/destination.sock" \
  >"$work/destination.log" 2>&1 &
dst=$!

for _ in $(seq 1 100); do grep -q "^tick " "$work/source.log" 2>/dev/null && break; sleep 0.1; done
grep -q "^tick " "$work/source.log" || { echo "the source guest did not start; see $work/source.log" >&2; exit 1; }
sleep 2   # let the workload run, so the report can compare its progress before and during the migration
echo "== the guest runs on the source:"; grep "^tick " "$work/source.log" | tail -3

echo "== live migration (pre-copy, downtime target 300 ms)"
$tern migrate --api "$work/source.sock" --to "127.0.0.1:$port" --mode precopy \
  --report "$work/report.json" --plot "$work/migration.png"

sleep 1
echo "== the guest runs on at the destination, its counters continuing:"
grep "^tick " "$work/destination.log" | tail -3
$tern stop --api "$work/destination.sock" >/dev/null
wait "$dst" 2>/dev/null || true
echo
echo "report: $work/report.json"
echo "plot:   $work/migration.png"
echo "logs:   $work/source.log $work/destination.log"
