#!/usr/bin/env bash
# Data-parallel scaling on this machine's cores: one process against RANKS processes (launched as torchrun does,
# Gloo on loopback) with the same global batch and steps, interleaved (one, ranks, one, ranks, ...) because these
# machines drift; reports each run's training speed in global steps per second and the medians' ratio. Usage:
#   scripts/bench-ranks.sh [BUILD_DIR] [MODEL] [GLOBAL_BATCH] [STEPS] [ROUNDS] [RANKS]
#   (default build mlp 64 2000 3 2; needs data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
genai=${1:-build}/genai
model=${2:-mlp}
global_batch=${3:-64}
steps=${4:-2000}
rounds=${5:-3}
ranks=${6:-2}
if [ $((global_batch % ranks)) -ne 0 ]; then echo "bench-ranks: GLOBAL_BATCH $global_batch is not a multiple of RANKS $ranks" >&2; exit 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The plain objective named (BCE, no R1, no EMA, no clusters or mode-seeking): the step these figures were measured on.
args=(train --model "$model" --data mnist --device cpu --r1 0 --ema-decay 0 --clusters 0 --mode-seeking 0 --lr-g 2e-4 --lr-d 2e-4 --steps "$steps" --log-every 100 --sample-every 0 --checkpoint-every 0 --no-tensorboard -q)
# Global steps per second: the steps over the training loop's time (elapsed_s of rank 0's last metrics line).
speed() { tail -1 "$1/metrics.jsonl" | python3 -c "import json, sys; r = json.loads(sys.stdin.read()); print(r['step'] / r['elapsed_s'])"; }
port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
echo "bench-ranks: $genai ${args[*]}, global batch $global_batch, 1 vs $ranks processes, $rounds rounds, $(nproc) cores"
for round in $(seq "$rounds"); do
  "$genai" "${args[@]}" --batch-size "$global_batch" --out "$tmp/one-$round" >/dev/null
  echo "one $(speed "$tmp/one-$round")"
  master_port=$(port)
  for rank in $(seq 0 $((ranks - 1))); do
    RANK=$rank WORLD_SIZE=$ranks LOCAL_RANK=$rank LOCAL_WORLD_SIZE=$ranks MASTER_ADDR=127.0.0.1 MASTER_PORT=$master_port \
      "$genai" "${args[@]}" --batch-size $((global_batch / ranks)) --out "$tmp/ranks-$round" >/dev/null &
  done
  wait
  echo "ranks $(speed "$tmp/ranks-$round")"
done | python3 -c "
import statistics, sys
runs = {'one': [], 'ranks': []}
for line in sys.stdin:
    kind, value = line.split()
    runs[kind].append(float(value))
    print(f'  {kind:5} {float(value):8.1f} it/s')
one, ranks = statistics.median(runs['one']), statistics.median(runs['ranks'])
print(f'median: 1 process {one:.1f} it/s, $ranks processes {ranks:.1f} it/s (global batch $global_batch): {ranks / one:.2f}x')
"
