#!/usr/bin/env bash
# CI: builds genai the way a bare GPU server does (docs/building.md, "Building on a GPU server"): PyTorch's wheel, the
# compiler, cmake and ninja, and nothing else. In a private mount and network namespace, an overlay on /usr hides
# every installed -dev package except the C/C++ toolchain's own, and every `bundle` package of
# scripts/debian-packages.txt (headers, CMake configs, shared libraries); there is no network. Then
# scripts/build-gpu-server.sh builds genai and the end-to-end tests from .offline-deps/ alone (PyTorch's
# CMAKE_PREFIX_PATH recipe), and runs `genai --version` and a few end-to-end tests. A library that CMakeLists.txt
# finds but that the bundle lacks fails here. Needs root (CI and the dev machines run as root). After scripts/test.sh,
# whose wheel flavour is this same build outside the namespace, the compiles are ccache hits; a hit needs every header
# ccache recorded to exist unchanged, so a hidden one still fails the build.
#   scripts/check-bare-build.sh [BUILD_DIR]     (default build-bare)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-bare}
source scripts/torch-wheel.sh
ensure_torch_venv
source scripts/offline-deps.sh
mapfile -t bundled < <(offline_deps_packages)
offline_deps_refresh

# The toolchain's headers stay (a compiler without libc's headers is no compiler); so does /usr/local (the CUDA
# toolkit with its own older NCCL, as on GPU servers).
toolchain='^(libc6-dev|linux-libc-dev|libstdc\+\+-12-dev|libgcc-12-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|libc-dev-bin)$'
mapfile -t hidden < <({ dpkg-query -W -f='${Package}\n' | grep -E -- '-dev$'; printf '%s\n' "${bundled[@]}"; } |
                      grep -vE "$toolchain" | sort -u | while read -r p; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" && echo "$p"; done)
overlay=$(mktemp -d /tmp/genai-bare-XXXXXX)
trap 'rm -rf "$overlay"' EXIT
mkdir -p "$overlay/upper" "$overlay/work"
# A whiteout (character device 0:0) in the overlay's upper layer hides the file below it.
dpkg-query -L "${hidden[@]}" | python3 -c '
import os, sys
upper = sys.argv[1]; count = 0
for path in sys.stdin:
    path = path.strip()
    if path.startswith(("/lib/", "/bin/", "/sbin/")): path = "/usr" + path  # merged /usr
    if not path.startswith("/usr/") or path.startswith("/usr/local/"): continue
    if os.path.isdir(path) and not os.path.islink(path): continue
    if not os.path.lexists(path): continue
    target = os.path.join(upper, path[len("/usr/"):])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not os.path.lexists(target):
        os.mknod(target, 0o600 | 0o020000, 0); count += 1
print(f"check-bare-build: hiding {count} files of {len(sys.argv) - 2} packages", file=sys.stderr)
' "$overlay/upper" "${hidden[@]}"

start=$SECONDS
unshare --mount --net --propagation private bash -euo pipefail -c '
  mount -t overlay genai-bare -o "lowerdir=/usr,upperdir=$1/upper,workdir=$1/work" /usr
  ip link set lo up 2>/dev/null || true  # loopback only: the tests start local process groups
  for f in /usr/include/CLI/CLI.hpp /usr/include/gloo/context.h /usr/include/nlohmann/json.hpp /usr/include/zlib.h \
           /usr/include/torch/torch.h /usr/lib/x86_64-linux-gnu/libspdlog.so.1.10; do
    if [ -e "$f" ]; then echo "check-bare-build: $f is still visible" >&2; exit 1; fi
  done
  if [ "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " ")" != lo ]; then
    echo "check-bare-build: a network interface besides loopback is visible" >&2; exit 1
  fi
  bash scripts/build-gpu-server.sh --python "$2" --build-dir "$3" --targets "genai genai_e2e_tests"
  cd "$3"
  ./tests/genai_e2e_tests --gtest_filter="Platform.*:Cli.TrainWritesTheRunDirectoryThenSampleWritesAGrid:Cli.HelpAndVersion:Cli.BadFlagsAreUsageErrors"
  ctest --output-on-failure --timeout 300 -R "^Binary\."
' check-bare-build "$overlay" "$genai_venv_python" "$build_dir"
echo "check-bare-build: bare-root build and tests $((SECONDS - start)) s"
