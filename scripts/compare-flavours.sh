#!/usr/bin/env bash
# Trains the same config with genai built against each LibTorch (build/ and build-wheel/), one after the
# other on the CPU, and scores each generator with `genai eval` (10,000 samples). Prints it/s and FD-LeNet
# side by side. Usage: scripts/compare-flavours.sh [CONFIG] [STEPS]   (default: configs/mnist-dcgan.toml 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/mnist-dcgan.toml}; steps=${2:-2000}
rows=()
for build in build build-wheel; do
  [ -x "$build/genai" ] || { echo "compare: $build/genai not built (scripts/setup.sh --torch debian|wheel)" >&2; continue; }
  out=runs/compare-$build-$(basename "$config" .toml)
  start=$SECONDS
  "$build/genai" train --config "$config" --steps "$steps" --device cpu --out "$out" --force -q >/dev/null
  wall=$((SECONDS - start))
  it_s=$(python3 - "$out/metrics.jsonl" "$(sed -n 's/^batch-size = //p' "$config")" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"img_per_s"' in l]
half = rows[len(rows) // 2:]
print(round(sum(x["img_per_s"] for x in half) / len(half) / int(sys.argv[2]), 2))
PY
)
  "$build/genai" eval --run "$out" --samples 10000 --device cpu --json "$out/eval.json" -q >/dev/null
  fd=$(python3 - "$out/eval.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g, r = d["generator"], d["real"]
print("%.3f (real data %.3f); classes %d/10; precision %.2f, recall %.2f" %
      (g["fd_lenet"], r["fd_lenet"], g["modes_covered"], g.get("precision", 0), g.get("recall", 0)))
PY
)
  rows+=("| $("$build/genai" --version | sed -n 's/LibTorch: built against \([^,]*\),.*/\1/p') ($build) | $steps | $it_s | $wall s | $fd |")
done
echo "| LibTorch | steps | it/s (second half of the run) | wall | FD-LeNet (10,000 samples) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
