#!/usr/bin/env bash
# Two genai trainings on the same cores: each one's training speed against the same training alone. Runs alone,
# pair, alone, pair, ... and reports medians (these machines drift). Usage:
#   scripts/bench-concurrent.sh [BUILD_DIR] [MODEL] [STEPS] [ROUNDS]   (default build mlp 3000 3; needs data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
genai=${1:-build}/genai
model=${2:-mlp}
steps=${3:-3000}
rounds=${4:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The plain objective named (BCE, no R1, no EMA, no clusters or mode-seeking): the step these figures were measured on.
args=(train --model "$model" --data mnist --device cpu --r1 0 --ema-decay 0 --clusters 0 --mode-seeking 0 --lr-g 2e-4 --lr-d 2e-4 --steps "$steps" --log-every 100 --sample-every 0 --checkpoint-every 0 --no-tensorboard -q)
# Steps per second of a run: its steps over the training loop's time (elapsed_s of the last metrics line).
speed() { tail -1 "$1/metrics.jsonl" | python3 -c "import json, sys; r = json.loads(sys.stdin.read()); print(r['step'] / r['elapsed_s'])"; }
echo "bench-concurrent: $genai ${args[*]}, $rounds rounds, $(nproc) cores"
for round in $(seq "$rounds"); do
  "$genai" "${args[@]}" --out "$tmp/solo-$round" >/dev/null
  echo "solo $(speed "$tmp/solo-$round")"
  "$genai" "${args[@]}" --out "$tmp/a-$round" >/dev/null &
  "$genai" "${args[@]}" --out "$tmp/b-$round" >/dev/null
  wait
  echo "pair $(speed "$tmp/a-$round")"
  echo "pair $(speed "$tmp/b-$round")"
done | python3 -c "
import statistics, sys
runs = {'solo': [], 'pair': []}
for line in sys.stdin:
    kind, value = line.split()
    runs[kind].append(float(value))
    print(f'  {kind} {float(value):8.1f} it/s')
solo, pair = statistics.median(runs['solo']), statistics.median(runs['pair'])
print(f'median: alone {solo:.1f} it/s, each of two at once {pair:.1f} it/s = {100 * pair / solo:.0f} % of alone')
"
