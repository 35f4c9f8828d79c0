#!/usr/bin/env bash
# Builds genai with AddressSanitizer and UBSan (-DGENAI_SANITIZE=ON) in build-sanitize/ and runs the tests
# that feed it damaged and hostile input (the IDX, checkpoint, safetensors, torch.save and event-file readers, their mutation tests, the
# bad-input suite through the real binary) and the hand-written training code (FlatAdam's loop, MlpStep's
# buffers, TransposedConv). Run after scripts/setup.sh (CI runs it after scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# It compiles only the tests it runs (tests/CMakeLists.txt), at -O1 with line tables only (-g1): ASan's reports need
# file and line, not full debug information, which made this the slowest build of CI.
if [ -f build-sanitize/CMakeCache.txt ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' build-sanitize/CMakeCache.txt; then
  rm -rf build-sanitize/CMakeCache.txt build-sanitize/CMakeFiles
fi
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DGENAI_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$(nproc)"
# LibTorch is not instrumented: its allocations may be freed across library boundaries (a false
# alloc/dealloc mismatch) and its static objects live until exit (false leaks).
export ASAN_OPTIONS=detect_leaks=0:alloc_dealloc_mismatch=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-sanitize
# CTest runs one process per GoogleTest suite (tests/gtest_suites.cmake); these are the suites of the files above.
ctest --output-on-failure -j "$(nproc)" --timeout 600 \
  -R '^(Idx|ImageFolder|ImageTransform|ImageCache|Cifar|Checkpoint|RunDirectoryCheckpoints|Mutation|Readers/BadInputs|Resume|Classifier|Sha256|NearestNeighbors|FlatAdam|MlpStep|TransposedConv|EventFile|Crc32c|Safetensors|TorchFile|Pretrained|Kinds/GeneratorExport)$'
