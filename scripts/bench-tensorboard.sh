#!/usr/bin/env bash
# What TensorBoard event files cost a training run: the same run with and without them, interleaved (on, off,
# on, off, ...) so that machine drift hits both alike. Reports the training loop's time (elapsed_s of the last
# metrics line) and its ratio. --log-every 10 logs ten times as often as the default, to make the cost visible.
# Usage: scripts/bench-tensorboard.sh [BUILD_DIR] [ROUNDS] [MODEL] [STEPS]   (default build, 4, mlp, 3000; needs data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
genai=${1:-build}/genai
rounds=${2:-4}
model=${3:-mlp}
steps=${4:-3000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The plain objective named (BCE, no R1, no EMA, no clusters or mode-seeking): the step these figures were measured on.
args=(train --model "$model" --data mnist --device cpu --r1 0 --ema-decay 0 --clusters 0 --mode-seeking 0 --lr-g 2e-4 --lr-d 2e-4 --steps "$steps" --log-every 10 --sample-every 500 --checkpoint-every 0 -q)
echo "bench-tensorboard: $genai ${args[*]}, $rounds rounds"
for round in $(seq "$rounds"); do
  for mode in tensorboard no-tensorboard; do
    "$genai" "${args[@]}" "--$mode" --out "$tmp/$mode-$round" >/dev/null
    elapsed=$(tail -1 "$tmp/$mode-$round/metrics.jsonl" | sed 's/.*"elapsed_s":\([0-9.e+-]*\).*/\1/')
    echo "$mode $elapsed"
  done
done | awk '{ v[$1, ++n[$1]] = $2; printf "  round %d  %-15s %7.2f s\n", (NR + 1) / 2, $1, $2 }
  # The median, not the mean: one run slowed by the machine (these are shared cores) must not decide.
  function median(mode,   i, j, k, x, m) {
    m = n[mode]; for (i = 1; i <= m; i++) x[i] = v[mode, i]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { k = x[j]; x[j] = x[j - 1]; x[j - 1] = k }
    return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
  }
  END { on = median("tensorboard"); off = median("no-tensorboard");
        printf "median: with %.2f s, without %.2f s; with/without %.3f\n", on, off, on / off }'
