#!/usr/bin/env bash
# Issue 30's measurement: train a preset on real MNIST with seeds 0 and 1, then score each run twice: with the
# independent judge (tests/tools/independent_fid.py, 2,000 samples) and with genai eval's scorecard (10,000 samples).
#   tests/tools/frontier.sh CONFIG OUT_DIR [SEEDS...]      (default seeds: 0 1; BUILD=build, the genai build to use)
# Prints one line per seed; the figures are in OUT_DIR/seed*/ (train.log, judge.json, eval.json, grid.png).
set -euo pipefail
cd "$(dirname "$0")/../.."
config=$1 out=$2; shift 2
seeds=("$@"); (($#)) || seeds=(0 1)
genai=${BUILD:-build}/genai
source scripts/torch-wheel.sh
for seed in "${seeds[@]}"; do
  run=$out/seed$seed
  start=$SECONDS
  "$genai" train --config "$config" --seed "$seed" --out "$run" -q
  trained=$((SECONDS - start))
  "$genai" sample --run "$run" --format idx -n 2000 --seed 7 --out "$run/idx" -q
  "$genai" sample --run "$run" -n 100 --nrow 10 --seed 1 --out "$run/grid.png" -q
  "$genai_venv_python" tests/tools/independent_fid.py --mnist data/mnist "$run/idx/train-images-idx3-ubyte" --json "$run/judge.json" | tail -1
  "$genai" eval --run "$run" --samples 10000 --json "$run/eval.json" > "$run/eval.txt"
  echo "frontier: $config seed $seed trained in $trained s"
done
