#!/usr/bin/env bash
# Installs what weft needs from Debian, builds it, and runs a 4-rank demo job.
# Safe to run again. Usage: scripts/setup.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

packages=(g++ meson ninja-build pkg-config libboost1.81-dev libfabric-dev catch2 mpich
          openmpi-bin libopenmpi-dev gnuplot-nox python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f "$build/build.ninja" ]; then
  # Warnings are errors in developer and CI builds (a plain `meson setup` leaves them off).
  meson setup "$build" -Dwerror=true >/dev/null
fi
ninja -C "$build" -j"$(nproc)"

echo "setup: demo job: weftrun -n 4 examples/hello"
"$build/launcher/weftrun" -n 4 "$build/examples/hello"
