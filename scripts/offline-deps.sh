# Sourced by scripts/build-gpu-server.sh and scripts/setup.sh (--deps bundle): how a build takes genai's non-LibTorch
# dependencies (scripts/debian-packages.txt's `bundle` lines) from .offline-deps/ (scripts/bundle-deps.sh) rather
# than from the system. One definition, so that both scripts give the compiler the same command lines and a
# compiler cache filled by one serves the other (scripts/check-bare-build.sh repeats scripts/test.sh's wheel build).

# offline_deps_packages: prints the bundled packages, one a line (scripts/debian-packages.txt's `bundle` lines).
# offline_deps_refresh: runs scripts/bundle-deps.sh where .offline-deps/ is missing or holds another package list.
# offline_deps_prefix: prints the bundle's prefix (for the caller's CMAKE_PREFIX_PATH); fails where there is none.
# offline_deps_cmake_args ARRAY: appends the bundle's other CMake arguments to the named array; fails where there is none.
offline_deps_packages() { sed -n 's/^bundle[[:space:]]\+\([^[:space:]]\+\).*/\1/p' scripts/debian-packages.txt; }
offline_deps_refresh() { cmp -s <(offline_deps_packages) .offline-deps/packages.txt 2>/dev/null || bash scripts/bundle-deps.sh; }
offline_deps_prefix() { [ -d "$PWD/.offline-deps/root/usr" ] && echo "$PWD/.offline-deps/root/usr"; }
offline_deps_cmake_args() {
  local -n _args=$1
  local deps
  deps=$(offline_deps_prefix) || return 1
  # CMake records the bundled libraries' directory in the binary's RPATH: nothing to export at run time. As DT_RPATH,
  # not the newer DT_RUNPATH, which the loader applies to the binary's own NEEDED libraries only: the bundled spdlog
  # needs the bundled fmt, and without --disable-new-dtags the loader looks for that in the system's directories
  # alone (found by scripts/check-bare-build.sh: "libfmt.so.9: cannot open shared object file").
  _args+=("-DCMAKE_INCLUDE_PATH=$deps/include" "-DCMAKE_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu" "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags")
}
