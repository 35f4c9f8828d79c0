#!/usr/bin/env bash
# README quick start, command (1): set up, build, fetch MNIST, train the default MLP config on it,
# write a sample grid PNG and print its path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
bash scripts/get-data.sh mnist
run_dir=$(build/genai train --config configs/mnist-mlp.toml)
grid=$(build/genai sample --run "$run_dir" -n 64 --nrow 8 --seed 0 --out "$run_dir/grid.png")
echo "sample grid: $grid"
