#!/usr/bin/env bash
# One prepared script for a lent GPU machine (PyTorch 2.x + CUDA in `python3`, no apt, no network): builds genai
# as a GPU server does, runs the CUDA tests, benchmarks the training step against Python PyTorch on the same GPU,
# trains the DCGAN preset briefly and scores it, proves the hot loop never synchronises with the host, and resumes
# a CUDA run on the CPU and back. Every result goes into one Markdown file; a step that fails or cannot run is
# recorded and the script goes on, then lists what it could not do. Sized to finish in under 8 minutes on one H200.
#
#   scripts/gpu-check.sh [--cpu-only] [--python PY] [--build-dir DIR] [--out FILE]
#
#   --cpu-only   rehearsal on a machine without a GPU: the same steps on the CPU with tiny sizes; the GPU-only
#                steps (CUDA tests, sync-debug run, CPU<->CUDA resume) are reported as skipped
#   --python     the Python whose torch to build against and benchmark (default python3)
#   --build-dir  default build-gpu (an existing build directory is reused: only changed files recompile)
#   --out        the Markdown report (default gpu-check.md)
# The device tool copies the working tree: carry .offline-deps (scripts/bundle-deps.sh) and data/mnist with it.
set -uo pipefail
cd "$(dirname "$0")/.."
cpu_only=0; python=python3; build_dir=build-gpu; out=gpu-check.md
while (($#)); do
  case "$1" in
    --cpu-only) cpu_only=1; shift ;;
    --python) python=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --build-dir) build_dir=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --out) out=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    *) echo "gpu-check: unknown argument $1 (see the comment at the top of this script)" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/genai-gpu-check-XXXXXX)
trap 'rm -rf "$work"' EXIT
genai=$build_dir/genai
if ((cpu_only)); then
  device=cpu; bench_cases="mlp:64 dcgan:64 dcgan:16:32"; bench_seconds=0.5; bench_windows=2; train_steps=60; eval_samples=500
else
  device=cuda; bench_cases="mlp:64 mlp:256 dcgan:64 dcgan:256 dcgan:64:32 dcgan:64:64"; bench_seconds=1; bench_windows=3; train_steps=3000; eval_samples=10000
fi
not_done=(); failed=0
start_all=$SECONDS
{
  echo "# genai GPU check ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- mode: $( ((cpu_only)) && echo 'CPU rehearsal (--cpu-only)' || echo 'GPU')"
  echo "- machine: $(nproc) cores; $(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1 || echo 'no nvidia-smi')"
  echo "- torch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "available:", torch.cuda.is_available())' 2>&1 | tail -1)"
  echo
  echo "| step | result | seconds | figures |"
  echo "|---|---|---|---|"
} > "$out"

# step NAME FIGURE-COMMAND -- COMMAND...: runs COMMAND with its output in $work/NAME.log, then FIGURE-COMMAND (which
# may read that log) for the table's last column.
step() {
  local name=$1 figures=$2; shift 3
  local log="$work/$name.log" begin=$SECONDS rc
  echo "gpu-check: $name: $*" >&2
  "$@" > "$log" 2>&1
  rc=$?
  local took=$((SECONDS - begin)) result=ok
  if ((rc != 0)); then result="FAILED (exit $rc)"; failed=$((failed + 1)); not_done+=("$name (exit $rc; last line: $(tail -1 "$log"))"); fi
  echo "| $name | $result | $took | $(LOG=$log bash -c "$figures" 2>/dev/null | tr '\n' ' ') |" >> "$out"
  ((rc == 0)) || { echo "gpu-check: $name failed; its log ends:" >&2; tail -5 "$log" >&2; }
  return $rc
}
skip() { echo "| $1 | skipped | 0 | $2 |" >> "$out"; not_done+=("$1 ($2)"); }

# 1. Build as a GPU server does.
if ! step build 'tail -4 "$LOG" | head -3' -- bash scripts/build-gpu-server.sh --python "$python" --build-dir "$build_dir"; then
  echo "gpu-check: no genai binary; nothing else can run" >&2
  printf '\n## Could not do\n\n- build (see above); nothing else ran\n' >> "$out"; cat "$out"; exit 1
fi
"$genai" --version | sed 's/^/    /' >> "$work/version.txt"

# 2. The CUDA tests (skipped by GoogleTest where no GPU is visible, which would prove nothing here).
if ((cpu_only)); then
  skip cuda-tests "no GPU: the *_CUDA tests skip themselves"
else
  step cuda-tests 'grep -E "tests passed|tests failed" "$LOG"' -- bash -c "cd '$build_dir' && ctest --output-on-failure -R _CUDA --timeout 300"
fi

# 3. The training step against Python PyTorch on the same device: eager, fused Adam, torch.compile.
bench_rows="$work/bench.md"
echo "| case | genai it/s | py eager | py fused Adam | py compile (+ compile s) | genai / best Python |" > "$bench_rows"
echo "|---|---|---|---|---|---|" >> "$bench_rows"
for case in $bench_cases; do  # model:batch[:side] (a side: RGB images of that side; else MNIST's 1x28x28)
  IFS=: read -r model batch side <<< "$case"
  shape=""; [ -n "$side" ] && shape="--image-size $side --channels 3"
  common="--model $model --batch-size $batch --seconds $bench_seconds --windows $bench_windows $shape"
  step "bench-genai-$model-b$batch${side:+-rgb$side}" 'awk "/^(mlp|dcgan) /{print \$4 \" it/s\"}" "$LOG"' -- \
    "$genai" bench --device "$device" $common --json "$work/genai-$case.json"
  # torch.compile costs 30-60 s of compiling per case: only for the MNIST cases at batch 64 (the time budget is 8 minutes).
  variants="eager fused"; [ "$batch" = 64 ] && [ -z "$side" ] && variants+=" compile"
  for variant in $variants; do
    flags="--device $device"; [ "$variant" != eager ] && flags+=" --fused-adam"; [ "$variant" = compile ] && flags+=" --compile"
    step "bench-py-$variant-$model-b$batch${side:+-rgb$side}" 'true' -- \
      bash -c "'$python' scripts/bench_reference.py $common $flags > '$work/py-$variant-$case.json'"
  done
  "$python" - "$work" "$case" >> "$bench_rows" <<'PY'
import json, os, sys
work, case = sys.argv[1], sys.argv[2]
def rate(name, key="it_per_s"):
    try:
        text = open(os.path.join(work, name)).read().strip()
        try:
            data = json.loads(text)  # genai bench --json: an array of results
        except ValueError:
            data = json.loads(text.splitlines()[-1])  # bench_reference.py: its last line
        if isinstance(data, list): data = data[0]
        return data.get(key)
    except Exception:
        return None
g = rate(f"genai-{case}.json")
py = {v: rate(f"py-{v}-{case}.json") for v in ("eager", "fused", "compile")}
cs = rate(f"py-compile-{case}.json", "compile_s")
best = max((r for r in py.values() if r), default=None)
f = lambda r: f"{r:.1f}" if r else "n/a"
print(f"| {case} | {f(g)} | {f(py['eager'])} | {f(py['fused'])} | {f(py['compile'])}" + (f" (+{cs} s)" if cs else "") +
      f" | {f'{g / best:.2f}x' if g and best else 'n/a'} |")
PY
done

# 4. A short run of the DCGAN preset, scored by genai eval.
run="$work/dcgan"
if step train-dcgan 'grep -Eo "[0-9.]+ it/s|steps in [0-9.]+ s" "$LOG" | tail -2' -- \
    "$genai" train --config configs/mnist-dcgan.toml --device "$device" --steps "$train_steps" --eval-every 0 --out "$run"; then
  step eval-dcgan 'grep -Ei "^ *(fd|precision|recall|class)" "$LOG" | head -4' -- \
    "$genai" eval --run "$run" --samples "$eval_samples" --seed 0 --device "$device"
  cp "$work/eval-dcgan.log" "$work/eval.txt" 2>/dev/null
fi

# 5. The hot loop never synchronises: CUDA's sync-debug mode set to error around the steps between log intervals.
if ((cpu_only)); then
  skip sync-debug "no GPU: CUDA's sync-debug mode needs a CUDA device"
else
  for model in mlp dcgan; do
    step "sync-debug-$model" 'grep -c "sync-debug" "$LOG"' -- \
      "$genai" train --model "$model" --device cuda --steps 400 --log-every 100 --sample-every 0 --checkpoint-every 0 \
      --cuda-sync-debug --out "$work/sync-$model"
  done
fi

# 6. A CUDA run resumed on the CPU, then on CUDA again.
if ((cpu_only)); then
  skip resume-cuda-cpu "no GPU"
else
  r="$work/resume"
  step resume-cuda-cpu 'grep -ci "warn" "$LOG"' -- bash -c "
    '$genai' train --model dcgan --device cuda --steps 200 --checkpoint-every 100 --out '$r' &&
    '$genai' train --resume --out '$r' --device cpu --steps 300 &&
    '$genai' train --resume --out '$r' --device cuda --steps 400 &&
    '$genai' sample --run '$r' -n 16 --out '$r/grid.png'"
fi

{
  if [ -s "$bench_rows" ] && [ "$(wc -l < "$bench_rows")" -gt 2 ]; then
    printf '\n## Training step, genai vs Python PyTorch on %s (it/s, median of %s windows of %s s)\n\n' "$device" "$bench_windows" "$bench_seconds"
    cat "$bench_rows"
  fi
  printf '\n## genai --version\n\n'; cat "$work/version.txt"
  if [ -f "$work/eval.txt" ]; then printf '\n## genai eval of the %s-step DCGAN run\n\n```\n' "$train_steps"; cat "$work/eval.txt"; printf '```\n'; fi
  printf '\n## Could not do\n\n'
  if ((${#not_done[@]})); then printf -- '- %s\n' "${not_done[@]}"; else echo "- nothing: every step ran and passed"; fi
  printf '\ntotal: %s s\n' "$((SECONDS - start_all))"
} >> "$out"
cat "$out"
((failed == 0))  # skipped steps are listed, not failures
