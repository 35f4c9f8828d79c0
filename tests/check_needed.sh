#!/bin/sh
# Usage: check_needed.sh READELF BINARY EXPECT_CUDA(0|1). Prints the NEEDED entries; fails when libcuda.so
# (the GPU driver) is among them, or, with EXPECT_CUDA=1, when LibTorch's CUDA libraries are not.
set -eu
needed=$("$1" -d "$2" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$needed"
if echo "$needed" | grep -q '^libcuda\.so'; then echo "FAIL: $2 needs the GPU driver (libcuda.so)"; exit 1; fi
if [ "$3" = 1 ]; then
  for lib in libtorch_cuda.so; do
    echo "$needed" | grep -qx "$lib" || { echo "FAIL: $2 does not link $lib: CUDA would be unavailable"; exit 1; }
  done
fi
echo "ok: no libcuda.so$([ "$3" = 1 ] && echo ', CUDA libraries linked')"
