#!/usr/bin/env bash
# Runs every test: unit, KVM integration and system tests (real guests on /dev/kvm, real tern
# processes). Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
# The Linux guest: built once (13-25 min on 2 cores) and cached in ~/.cache/tern, then instant.
echo "tern test: building the Linux guest (cached after the first time)"
guest/linux/build.sh > /tmp/tern-linux-build.log 2>&1 || { tail -20 /tmp/tern-linux-build.log; echo "0 passed, 1 failed (the Linux guest did not build)"; exit 1; }
dotnet build Tern.slnx -c Release -nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed (the build failed)"; exit 1; }
log=$(mktemp)
dotnet test --solution Tern.slnx -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
total=$(grep -E '^\s+total:' "$log" | tail -1 | awk '{print $2}')
failed=$(grep -E '^\s+failed:' "$log" | tail -1 | awk '{print $2}')
passed=$(grep -E '^\s+succeeded:' "$log" | tail -1 | awk '{print $2}')
skipped=$(grep -E '^\s+skipped:' "$log" | tail -1 | awk '{print $2}')
rm -f "$log"
if [ -z "$total" ]; then
  echo "0 passed, 1 failed (the test run did not finish; see above)"
  exit 1
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
