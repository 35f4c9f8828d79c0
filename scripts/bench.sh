#!/usr/bin/env bash
# genai's training step against the same step in Python PyTorch, side by side in one run, with each
# LibTorch genai is built against and each Python PyTorch:
#   genai 1.13   build/genai        (Debian's libtorch-dev): its thread plan, 1 thread, the other split of the cores
#   genai 2.x    build-wheel/genai  (the pinned torch wheel): its thread plan, twice (no other split with MKL)
#   py 1.13      Debian's python3-torch, five thread/BLAS configurations (see the legend it prints)
#   py 2.x       the pinned wheel in its venv: eager; eager + fused Adam; the same on 1 thread; torch.compile
#                of G and D + fused Adam (compile time reported apart; timed windows start after it)
# Within a case every configuration runs in lockstep (scripts/bench_lockstep.py): one window each in turn,
# --windows rounds, each figure the median of its windows. The table shows each figure, the best Python of
# ALL configurations, the best genai build, and their ratio. A build or Python that is missing shows n/a.
#
# Usage: scripts/bench.sh [--seconds S] [--windows N] [--cases "mlp:1 mlp:64 ..."] [--image-size S --channels C] [--json FILE]
#   --image-size, --channels: the images of every case (default 28 and 1, MNIST's); genai and Python train the same shape
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/torch-wheel.sh
seconds=2; windows=5; json=""; image_size=28; channels=1; cases="mlp:1 mlp:64 mlp:256 dcgan:1 dcgan:64 dcgan:256"
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --windows) windows=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --image-size) image_size=$2; shift 2 ;;
    --channels) channels=$2; shift 2 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
genai_builds=()
[ -x build/genai ] && genai_builds+=("1.13:build/genai")
[ -x build-wheel/genai ] && genai_builds+=("2.x:build-wheel/genai")
((${#genai_builds[@]})) || { echo "bench: no genai build; run scripts/setup.sh --torch debian and/or --torch wheel" >&2; exit 1; }
python=/usr/bin/python3  # Debian's interpreter, the one python3-torch is built for
if ! "$python" -c "import torch" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
python2=""; [ -x "$genai_venv_python" ] && python2=$genai_venv_python
reference_blas=/usr/lib/x86_64-linux-gnu/blas
results=$(mktemp)
trap 'rm -f "$results"' EXIT

cores=$(nproc)
for case in $cases; do
  model=${case%%:*}; batch=${case##*:}
  echo "bench: $model batch $batch ($windows rounds of lockstep windows)" >&2
  contenders=()
  for build in "${genai_builds[@]}"; do
    version=${build%%:*}; binary=${build#*:}
    g="$binary bench --lockstep --device cpu --model $model --batch-size $batch --seconds $seconds --windows $windows --image-size $image_size --channels $channels"
    contenders+=("genai-$version=$g")
    if [ "$version" = 1.13 ]; then
      # "swap": the other split of the cores than genai's plan picks for this model (LibTorch <-> OpenBLAS's pool).
      swap=torch; [ "$model" = dcgan ] && swap=blas
      contenders+=("genai-$version-1t=$g --threads 1" "genai-$version-swap=$g --thread-split $swap")
    else
      # The wheel's MKL has no pool of its own to give the cores to, so there is no other split: the same
      # configuration again, which shows the run-to-run noise next to the figures.
      contenders+=("genai-$version-again=$g")
    fi
  done
  py="$python scripts/bench_reference.py --lockstep --model $model --batch-size $batch --seconds $seconds --windows $windows --image-size $image_size --channels $channels"
  contenders+=("py-refblas=env LD_LIBRARY_PATH=$reference_blas $py --threads $cores"
               "py-ob1=env OPENBLAS_NUM_THREADS=1 $py --threads 1"
               "py-ob-default=$py --threads $cores"
               "py-ob1-t2=env OPENBLAS_NUM_THREADS=1 $py --threads $cores"
               "py-ob-t1=env OPENBLAS_NUM_THREADS=$cores $py --threads 1")
  if [ -n "$python2" ]; then
    py2="$python2 scripts/bench_reference.py --lockstep --model $model --batch-size $batch --seconds $seconds --windows $windows --image-size $image_size --channels $channels"
    contenders+=("py2-eager=$py2 --threads $cores" "py2-fused=$py2 --threads $cores --fused-adam"
                 "py2-fused-t1=$py2 --threads 1 --fused-adam" "py2-compile=$py2 --threads $cores --fused-adam --compile")
  fi
  # Every contender's windows alternate with the others' (scripts/bench_lockstep.py): the machine's speed
  # drifts over minutes, and only windows taken in turn compare the code rather than the moment.
  python3 scripts/bench_lockstep.py --rounds "$windows" --out "$results" "${contenders[@]}" >&2
done

"$python" - "$results" "$json" "$python2" <<'PY'
import json, os, platform, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cases = []
for r in rows:
    if r["result"] is not None:
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
def version_of(binary):
    if not os.access(binary, os.X_OK):
        return "not built"
    lines = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.splitlines()
    return "; ".join(l for l in lines[1:] if l.startswith(("LibTorch", "BLAS")))
def py_version(py):
    if not py:
        return "not installed"
    return subprocess.run([py, "-c", "import torch;print(torch.__version__)"], capture_output=True, text=True).stdout.strip()
print(f"machine: {cpu}, {cores} cores at {mhz:.0f} MHz; peak FP32 ~{peak:.0f} GFLOP/s ({per_cycle} FLOP/cycle/core)")
shapes = sorted({tuple(r["result"].get("image_shape", [1, 28, 28])) for r in rows if r["result"]})
print("images: " + ", ".join("x".join(map(str, s)) for s in shapes))
print(f"genai 1.13: build/genai ({version_of('build/genai')})")
print(f"genai 2.x:  build-wheel/genai ({version_of('build-wheel/genai')})")
print(f"py 1.13: Debian python3-torch {py_version('/usr/bin/python3')}; py 2.x: torch {py_version(sys.argv[3])} (pinned wheel, venv)")
print("py 1.13 configurations: refblas = reference BLAS, LibTorch threads = cores; ob1 = OpenBLAS 1 thread, 1 LibTorch thread;")
print("  ob-default = OpenBLAS's own threads + LibTorch threads = cores; ob1-t2 = OpenBLAS 1 thread + LibTorch threads = cores;")
print("  ob-t1 = OpenBLAS threads = cores + 1 LibTorch thread")
print("py 2.x configurations (MKL inside the wheel): eager, threads = cores; fused = Adam(fused=True); fused-t1 = the same on")
print("  1 thread; compile = torch.compile(G), torch.compile(D) + fused Adam, timed after compiling (compile s in its own column)")
print("each figure: the median of its windows; every configuration of a case ran in lockstep, one window each per round")
print("genai: its default thread plan; 1t = 1 thread; swap = the other split of the cores (LibTorch <-> OpenBLAS);")
print("  2.x again = the same run repeated (MKL has no pool of its own, so no other split): the run-to-run noise")
print()
genai_labels = ["genai-1.13", "genai-1.13-1t", "genai-1.13-swap", "genai-2.x", "genai-2.x-again"]
py_labels = ["py-refblas", "py-ob1", "py-ob-default", "py-ob1-t2", "py-ob-t1", "py2-eager", "py2-fused", "py2-fused-t1", "py2-compile"]
head = ("| case | " + " | ".join(l.replace("genai-", "genai ").replace("-", " ") for l in genai_labels) + " | " +
        " | ".join(l.replace("py2-", "py 2.x ").replace("py-", "py 1.13 ").replace("-", " ") for l in py_labels) +
        " | compile s | best Python | best genai | best genai / best Python | genai GFLOP/s (% nominal peak) |")
print(head)
print("|" + "---|" * (head.count("|") - 1))
summary = []
fmt = lambda r: f"{r['it_per_s']:.2f}" if r else "n/a"
for key in cases:
    g = {l: get(l, key) for l in genai_labels}
    py = {l: get(l, key) for l in py_labels}
    best_py = max(((p["it_per_s"], l) for l, p in py.items() if p), default=(0, "none"))
    best_g = max(((g[l]["it_per_s"], l) for l in ("genai-1.13", "genai-2.x") if g[l]), default=(0, "none"))
    ratio = best_g[0] / best_py[0] if best_py[0] else 0
    model, batch = key
    gb = g[best_g[1]] if best_g[1] != "none" else None
    norm = f" ({gb['g_norm']})" if gb and model == "mlp" else ""
    compile_s = py["py2-compile"]["compile_s"] if py["py2-compile"] else None
    print(f"| {model}{norm} b{batch} | " + " | ".join(fmt(r) for r in g.values()) + " | " + " | ".join(fmt(p) for p in py.values()) +
          f" | {compile_s if compile_s is not None else 'n/a'} | {best_py[0]:.2f} ({best_py[1]}) | {best_g[0]:.2f} ({best_g[1]}) | {ratio:.2f}x | " +
          (f"{gb['gflop_per_s']:.1f} ({100 * gb['gflop_per_s'] / peak:.1f} %) |" if gb else "n/a |"))
    summary.append({"model": model, "batch_size": batch, "genai": g, "python": py, "best_python": best_py, "best_genai": best_g,
                    "ratio": ratio, "compile_s": compile_s})
if len(sys.argv) > 2 and sys.argv[2]:
    json.dump({"machine": cpu, "cores": cores, "peak_gflops": peak, "cases": summary}, open(sys.argv[2], "w"), indent=1)
PY
