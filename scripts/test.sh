#!/usr/bin/env bash
# README quick start, command (2): set up, build, and run the whole test suite.
# The real-MNIST test runs when data/mnist can be fetched and is skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
bash scripts/get-data.sh mnist || echo "test: could not fetch MNIST; the real-data test will be skipped"
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
