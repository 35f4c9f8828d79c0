#!/usr/bin/env bash
# genai's training step against the same step in Python PyTorch eager, side by side in one run.
# For each case (model x batch) the runs are interleaved: genai with its default thread plan, with one
# thread and with the other split of the cores, and the Python reference in five thread/BLAS
# configurations; the table shows each, the best Python figure and the ratio genai / best Python.
#
# Usage: scripts/bench.sh [--seconds S] [--windows N] [--cases "mlp:1 mlp:64 ..."] [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=3; windows=3; json=""; cases="mlp:1 mlp:64 mlp:256 dcgan:1 dcgan:64 dcgan:256"
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --windows) windows=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
genai=build/genai
[ -x "$genai" ] || { echo "bench: $genai not built; run scripts/setup.sh" >&2; exit 1; }
python=/usr/bin/python3  # Debian's interpreter, the one python3-torch is built for
if ! "$python" -c "import torch" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
reference_blas=/usr/lib/x86_64-linux-gnu/blas
results=$(mktemp)
trap 'rm -f "$results"' EXIT

record() {  # label, then the command; appends {"label":..., result...} to $results
  local label=$1; shift
  local line
  if line=$("$@" 2>/dev/null | tail -n 1) && [ -n "$line" ]; then
    echo "{\"label\":\"$label\",\"result\":$line}" >>"$results"
  else
    echo "{\"label\":\"$label\",\"result\":null}" >>"$results"
  fi
}

cores=$(nproc)
for case in $cases; do
  model=${case%%:*}; batch=${case##*:}
  echo "bench: $model batch $batch" >&2
  common=(--seconds "$seconds" --windows "$windows")
  tmp_json=$(mktemp)
  run_genai() {  # label, then extra arguments
    local label=$1; shift
    "$genai" bench --model "$model" --batch-size "$batch" "${common[@]}" "$@" --json "$tmp_json" >/dev/null
    echo "{\"label\":\"$label\",\"result\":$(tr -d '\n' <"$tmp_json" | sed 's/^\[ *//; s/ *\]$//')}" >>"$results"
  }
  run_genai genai
  # "swap": the other split of the cores than genai's plan picked (LibTorch <-> BLAS).
  swap=blas; grep -q '"blas_threads":1,' "$tmp_json" || swap=torch
  run_genai genai-1t --threads 1
  run_genai genai-swap --thread-split "$swap"
  rm -f "$tmp_json"
  py=("$python" scripts/bench_reference.py --model "$model" --batch-size "$batch" "${common[@]}")
  record py-refblas env LD_LIBRARY_PATH=$reference_blas "${py[@]}" --threads "$cores"
  record py-ob1 env OPENBLAS_NUM_THREADS=1 "${py[@]}" --threads 1
  record py-ob-default "${py[@]}" --threads "$cores"
  record py-ob1-t2 env OPENBLAS_NUM_THREADS=1 "${py[@]}" --threads "$cores"
  record py-ob-t1 env OPENBLAS_NUM_THREADS="$cores" "${py[@]}" --threads 1
done

"$python" - "$results" "$json" <<'PY'
import json, os, platform, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cases = []
for r in rows:
    if r["result"] is None:
        continue
    key = (r["result"]["model"], r["result"]["batch_size"])
    if key not in cases:
        cases.append(key)
def get(label, key):
    for r in rows:
        if r["label"] == label and r["result"] and (r["result"]["model"], r["result"]["batch_size"]) == key:
            return r["result"]
    return None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
mhz = max(float(l.split(":")[1]) for l in open("/proc/cpuinfo") if l.startswith("cpu MHz"))
cores = os.cpu_count()
per_cycle = 32 if ("avx2" in flags and "fma" in flags) else 16 if "avx" in flags else 8
peak = cores * mhz * 1e6 * per_cycle / 1e9
blas = subprocess.run(["build/genai", "bench", "--model", "mlp", "--batch-size", "2", "--seconds", "0.01", "--windows", "1", "--warmup", "0"],
                      capture_output=True, text=True).stdout.splitlines()[0].split(" | median")[0]
print(f"machine: {cpu}, {cores} cores at {mhz:.0f} MHz; peak FP32 ~{peak:.0f} GFLOP/s ({per_cycle} FLOP/cycle/core)")
print(f"genai:   {blas}")
print("python:  Debian python3-torch " + subprocess.run(["/usr/bin/python3", "-c", "import torch;print(torch.__version__)"],
                                                       capture_output=True, text=True).stdout.strip())
print("python configurations: refblas = reference BLAS, LibTorch threads = cores; ob1 = OpenBLAS 1 thread, 1 LibTorch thread;")
print("  ob-default = OpenBLAS's own threads + LibTorch threads = cores; ob1-t2 = OpenBLAS 1 thread + LibTorch threads = cores;")
print("  ob-t1 = OpenBLAS threads = cores + 1 LibTorch thread (not among the issue's four; the best for the MLP)")
print("genai: its default thread plan; 1 thread; swap = the other split of the cores (LibTorch <-> BLAS)")
print()
labels = ["py-refblas", "py-ob1", "py-ob-default", "py-ob1-t2", "py-ob-t1"]
head = ("| case | genai it/s | genai 1 thread | genai swap | " + " | ".join(l.replace("-", " ", 1) for l in labels) +
        " | best py (first 4) | genai / best of 4 | genai / best of 5 | genai GFLOP/s (% nominal peak) |")
print(head)
print("|" + "---|" * (head.count("|") - 1))
summary = []
for key in cases:
    g, g1, gs = get("genai", key), get("genai-1t", key), get("genai-swap", key)
    py = {l: get(l, key) for l in labels}
    best4 = max((py[l]["it_per_s"] for l in labels[:4] if py[l]), default=0)
    best5 = max((p["it_per_s"] for p in py.values() if p), default=0)
    fmt = lambda r: f"{r['it_per_s']:.2f}" if r else "n/a"
    ratio4 = g["it_per_s"] / best4 if g and best4 else 0
    ratio5 = g["it_per_s"] / best5 if g and best5 else 0
    model, batch = key
    norm = f" ({g['g_norm']})" if g and model == "mlp" else ""
    print(f"| {model}{norm} b{batch} | {fmt(g)} | {fmt(g1)} | {fmt(gs)} | " + " | ".join(fmt(p) for p in py.values()) +
          f" | {best4:.2f} | {ratio4:.2f}x | {ratio5:.2f}x | {g['gflop_per_s']:.1f} ({100 * g['gflop_per_s'] / peak:.1f} %) |")
    summary.append({"model": model, "batch_size": batch, "genai": g, "genai_1_thread": g1, "genai_swapped_split": gs, "python": py,
                    "best_python_it_per_s": best4, "best_python_incl_ob_t1": best5, "ratio": ratio4, "ratio_incl_ob_t1": ratio5})
if len(sys.argv) > 2 and sys.argv[2]:
    json.dump({"machine": cpu, "cores": cores, "peak_gflops": peak, "cases": summary}, open(sys.argv[2], "w"), indent=1)
PY
