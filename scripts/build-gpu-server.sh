#!/usr/bin/env bash
# Builds genai on a GPU server against the LibTorch of the PyTorch already installed there (the usual
# situation: PyTorch 2.x with CUDA, cmake and a compiler, no root, perhaps no network). No sudo, no downloads.
#
#   scripts/build-gpu-server.sh [--python PYTHON] [--build-dir DIR] [--test]
#
#   --python     the Python whose torch to build against (default: python3 on PATH, e.g. an active venv/conda)
#   --build-dir  default build-gpu
#   --targets    what to build (default: all, i.e. genai and the tests)
#   --test       run the test suite afterwards (CUDA tests included: they run where a GPU is visible)
# genai's other dependencies (scripts/debian-packages.txt's `bundle` lines) come from the system, or
# from .offline-deps/ beside the source when present (made on a Debian machine by scripts/bundle-deps.sh).
# Needs the CUDA toolkit (nvcc) of the wheel's CUDA major version: LibTorch's CMake config requires it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3; build_dir=build-gpu; run_tests=0; targets=()
while (($#)); do
  case "$1" in
    --python) python=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --build-dir) build_dir=${2:-build-gpu}; shift $(($# > 1 ? 2 : 1)) ;;
    --test) run_tests=1; shift ;;
    --targets) read -r -a targets <<< "${2:-}"; shift $(($# > 1 ? 2 : 1)) ;;
    *) echo "build-gpu-server: unknown argument $1 (see the comment at the top of this script)" >&2; exit 2 ;;
  esac
done
python=$(command -v "$python") || { echo "build-gpu-server: no Python '$python'; pass --python /path/to/python" >&2; exit 1; }
if ! info=$("$python" -c 'import torch; print(torch.__version__, torch.version.cuda or "cpu")' 2>/dev/null); then
  echo "build-gpu-server: $python cannot import torch; activate the environment that has PyTorch or pass --python" >&2; exit 1
fi
echo "build-gpu-server: torch $info from $python"
nvcc=${CUDACXX:-$(command -v nvcc || true)}
[ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
wheel_cuda=${info#* }
if [ "$wheel_cuda" != cpu ]; then
  [ -n "$nvcc" ] || { echo "build-gpu-server: torch is built for CUDA $wheel_cuda but no nvcc was found; load the CUDA toolkit (e.g. module load cuda) or set CUDACXX" >&2; exit 1; }
  export CUDACXX=$nvcc
fi

# PyTorch's own recipe for LibTorch projects: torch.utils.cmake_prefix_path on CMAKE_PREFIX_PATH (CMakeLists.txt
# recognises the wheel from where its config lies and links the wheel's own CUDA libraries).
torch_prefix=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
prefix_path=$torch_prefix
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
source scripts/offline-deps.sh
if offline_deps_cmake_args cmake_args; then
  echo "build-gpu-server: dependencies from .offline-deps/ ($(paste -sd' ' .offline-deps/packages.txt 2>/dev/null || echo 'an older bundle'))"
  prefix_path="$prefix_path;$(offline_deps_prefix)"
fi
cmake_args+=("-DCMAKE_PREFIX_PATH=$prefix_path")
# Ninja when available, for a new build directory (an existing one keeps its generator).
if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null; then cmake_args+=(-G Ninja); fi
cmake -S . -B "$build_dir" "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)" ${targets[@]+--target "${targets[@]}"}
"$build_dir/genai" --version
if ((run_tests)); then
  (cd "$build_dir" && ctest --output-on-failure -j "$(nproc)" --timeout 600)
fi
echo "build-gpu-server: built $build_dir/genai"
