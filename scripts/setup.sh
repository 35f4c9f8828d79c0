#!/usr/bin/env bash
# Installs what genai needs (idempotent), then configures and builds Release against one LibTorch flavour:
#   --torch debian   Debian's libtorch-dev 1.13 (CPU only)                     -> build/        (default)
#   --torch wheel    the pinned PyPI torch wheel's LibTorch 2.x with CUDA       -> build-wheel/
# Usage: scripts/setup.sh [--torch debian|wheel] [BUILD_DIR] [-- extra cmake arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=debian; build_dir=""; cmake_args=()
while (($#)); do
  case "$1" in
    --torch) flavour=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --) shift; cmake_args=("$@"); break ;;
    -*) echo "setup: unknown option $1; use --torch debian|wheel [BUILD_DIR]" >&2; exit 2 ;;
    *) build_dir=$1; shift ;;
  esac
done
case "$flavour" in
  debian) build_dir=${build_dir:-build} ;;
  wheel) build_dir=${build_dir:-build-wheel} ;;
  *) echo "setup: unknown LibTorch flavour '$flavour'; use --torch debian or --torch wheel" >&2; exit 2 ;;
esac

# scripts/debian-packages.txt is the one list (bundle-deps.sh bundles its `bundle` lines for GPU servers).
mapfile -t packages < <(sed -n 's/^\(bundle\|tool\)[[:space:]]\+\([^[:space:]]\+\).*/\2/p' scripts/debian-packages.txt)
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

if [ "$flavour" = wheel ]; then
  source scripts/torch-wheel.sh
  ensure_torch_venv
  cmake_args+=("-DGENAI_TORCH_PYTHON=$genai_venv_python")
fi
# A build directory configured for the other flavour or another generator starts over (its cache holds the other
# LibTorch's paths; CMake refuses to switch generators).
wanted_python=""; [ "$flavour" = wheel ] && wanted_python=$genai_venv_python
if [ -f "$build_dir/CMakeCache.txt" ] && { [ "$(sed -n 's/^GENAI_TORCH_PYTHON:FILEPATH=//p' "$build_dir/CMakeCache.txt")" != "$wanted_python" ] ||
                                          ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$build_dir/CMakeCache.txt"; }; then
  echo "setup: $build_dir was configured for another LibTorch or generator; reconfiguring it from scratch"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
# Ninja: it schedules the two cores better than make and logs each step's time (.ninja_log) for build profiles.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/genai ($flavour LibTorch)"
