#!/usr/bin/env bash
# Installs what genai needs (idempotent), then configures and builds Release against one LibTorch flavour:
#   --torch debian   Debian's libtorch-dev 1.13 (CPU only)                     -> build/        (default)
#   --torch wheel    the pinned PyPI torch wheel's LibTorch 2.x with CUDA       -> build-wheel/
#   --deps bundle    genai's other dependencies from .offline-deps/ (scripts/bundle-deps.sh, made here if missing or
#                    stale) as a GPU server takes them (scripts/build-gpu-server.sh), not from the system's -dev packages
# Usage: scripts/setup.sh [--torch debian|wheel] [--deps system|bundle] [BUILD_DIR] [-- extra cmake arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=debian; deps=system; build_dir=""; cmake_args=()
while (($#)); do
  case "$1" in
    --torch) flavour=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --deps) deps=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --) shift; cmake_args=("$@"); break ;;
    -*) echo "setup: unknown option $1; use --torch debian|wheel, --deps system|bundle, [BUILD_DIR]" >&2; exit 2 ;;
    *) build_dir=$1; shift ;;
  esac
done
case "$flavour" in
  debian) build_dir=${build_dir:-build} ;;
  wheel) build_dir=${build_dir:-build-wheel} ;;
  *) echo "setup: unknown LibTorch flavour '$flavour'; use --torch debian or --torch wheel" >&2; exit 2 ;;
esac
case "$deps" in
  system|bundle) ;;
  *) echo "setup: unknown dependency source '$deps'; use --deps system or --deps bundle" >&2; exit 2 ;;
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
if [ "$deps" = bundle ]; then
  source scripts/offline-deps.sh
  offline_deps_refresh
  offline_deps_cmake_args cmake_args
  cmake_args+=("-DCMAKE_PREFIX_PATH=$(offline_deps_prefix)")
fi
# A build directory configured for the other flavour, other dependencies or another generator starts over (its cache
# holds the other LibTorch's and libraries' paths; CMake refuses to switch generators).
wanted_python=""; [ "$flavour" = wheel ] && wanted_python=$genai_venv_python
wanted_include=""; [ "$deps" = bundle ] && wanted_include="$(offline_deps_prefix)/include"
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt"; }
if [ -f "$build_dir/CMakeCache.txt" ] && { [ "$(cached GENAI_TORCH_PYTHON)" != "$wanted_python" ] || [ "$(cached CMAKE_INCLUDE_PATH)" != "$wanted_include" ] ||
                                          ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$build_dir/CMakeCache.txt"; }; then
  echo "setup: $build_dir was configured for another LibTorch, other dependencies or another generator; reconfiguring it from scratch"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
# Ninja: it schedules the two cores better than make and logs each step's time (.ninja_log) for build profiles.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/genai ($flavour LibTorch)"
