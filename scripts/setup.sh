#!/usr/bin/env bash
# Installs what Tern needs on Debian 12 and builds it: the packages the guests and tests use, the
# .NET build of Tern, and the test guest. Safe to run again; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc binutils make linux-libc-dev busybox-static qemu-system-x86 cpio xz-utils clang zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "tern setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "tern setup: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

if [ ! -e /dev/kvm ]; then
  echo "tern setup: warning: /dev/kvm is missing; guests cannot run on this host" >&2
fi

guest/testguest/build.sh >/dev/null
# The CLI, compiled ahead of time to a native executable (Native AOT; clang links it) so a VM
# process never runs the JIT: first-time code on a migration's critical path (the stop-and-copy,
# the destination's restore) costs milliseconds of downtime under a JIT. scripts/test.sh builds the tests.
dotnet publish src/Tern.Cli/Tern.Cli.csproj -c Release -r linux-x64 -o artifacts/tern -nologo -v quiet -clp:ErrorsOnly
echo "tern setup: ready (tern is scripts/tern)"
