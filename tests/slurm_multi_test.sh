#!/usr/bin/env bash
# scripts/slurm/train-multi.sbatch end to end, under stand-ins for srun and scontrol (no Slurm here): srun starts
# SLURM_NTASKS copies with the variables real srun sets and forwards SIGUSR1/SIGTERM to them, as real srun does.
# The job gets SIGUSR1 mid-run (Slurm's --signal=B:USR1), must exit 75 and ask for a requeue; the requeued job
# must resume and finish with a checkpoint that genai sample reads.
# Usage: tests/slurm_multi_test.sh GENAI_BINARY
set -euo pipefail
genai=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

python3 - <<'EOF'
import os, random, struct
os.makedirs("tiny", exist_ok=True)
rng = random.Random(1)
for prefix, n in (("train", 128), ("t10k", 32)):
    images, labels = bytearray(), bytearray()
    for i in range(n):
        image = bytearray(rng.randrange(32) for _ in range(784))
        for x in range(4, 24):
            image[(4 + 2 * (i % 10)) * 28 + x] = 255
        images += image
        labels.append(i % 10)
    with open(f"tiny/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, n, 28, 28) + images)
    with open(f"tiny/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, n) + labels)
EOF
cat > tiny.toml <<'EOF'
[train]
model = "mlp"
data = "tiny"
device = "cpu"
g-hidden = [32]
d-hidden = [32]
batch-size = 8
steps = 400
log-every = 10
sample-every = 0
checkpoint-every = 0
tensorboard = false
EOF

mkdir bin
cat > bin/scontrol <<'EOF'
#!/usr/bin/env bash
case "$1 $2" in
  "show hostnames") echo localhost ;;
  "requeue "*) echo "requeue $2" >> "$SCONTROL_LOG" ;;
  *) echo "scontrol stand-in: unexpected $*" >&2; exit 1 ;;
esac
EOF
cat > bin/srun <<'EOF'
#!/usr/bin/env bash
while [[ "${1:-}" == --* ]]; do shift; done
pids=()
for ((task = 0; task < SLURM_NTASKS; task++)); do
  SLURM_PROCID=$task SLURM_LOCALID=$task SLURM_NODEID=0 SLURM_STEP_TASKS_PER_NODE=$SLURM_NTASKS SLURM_STEP_NODELIST=localhost \
    "$@" 2>"task$task.stderr" &
  pids+=($!)
done
trap 'kill -USR1 "${pids[@]}" 2>/dev/null' USR1
trap 'kill -TERM "${pids[@]}" 2>/dev/null' TERM
code=0
for pid in "${pids[@]}"; do
  while true; do
    wait "$pid"; c=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  [ "$c" -gt "$code" ] && code=$c
done
exit "$code"
EOF
chmod +x bin/scontrol bin/srun
export PATH="$work/bin:$PATH" SCONTROL_LOG="$work/scontrol.log" GENAI="$genai"
export SLURM_JOB_ID=4242 SLURM_NTASKS=2 SLURM_JOB_NODELIST=localhost SLURM_CPUS_PER_TASK=1

bash "$root/scripts/slurm/train-multi.sbatch" tiny.toml run > job1.out 2>&1 &
job=$!
for _ in $(seq 600); do
  grep -q "step 30/" run/train.rank1.log 2>/dev/null && break
  sleep 0.1
done
grep -q "step 30/" run/train.rank1.log || { echo "FAIL: rank 1 never reached step 30"; cat job1.out task*.stderr; exit 1; }
kill -USR1 "$job"
set +e
wait "$job"; code=$?
while kill -0 "$job" 2>/dev/null; do wait "$job"; code=$?; done
set -e
[ "$code" = 75 ] || { echo "FAIL: the signalled job exited $code, not 75"; cat job1.out task*.stderr; exit 1; }
grep -q "requeue 4242" scontrol.log || { echo "FAIL: the job did not requeue itself"; cat job1.out; exit 1; }
grep -q "data-parallel: rank 0 of 2 (local 0 of 2, slurm, store localhost:$((20000 + 4242 % 20000)))" run/train.log ||
  { echo "FAIL: rank 0 did not run as Slurm's rank 0 of 2"; head -5 run/train.log; exit 1; }
stopped=$(ls run/checkpoints)
echo "stopped by SIGUSR1 with $stopped"

# The requeued job: the same script again resumes and runs to the end.
bash "$root/scripts/slurm/train-multi.sbatch" tiny.toml run > job2.out 2>&1 || { echo "FAIL: the resumed job failed"; cat job2.out task*.stderr; exit 1; }
grep -q "resumed from run/checkpoints/$stopped" run/train.log || { echo "FAIL: the requeued job did not resume"; tail -5 run/train.log; exit 1; }
[ -f run/checkpoints/step_00000400.pt ] || { echo "FAIL: no final checkpoint"; ls run/checkpoints; exit 1; }
"$genai" sample --checkpoint run/checkpoints/step_00000400.pt --device cpu --count 4 --out grid.png
echo "PASS: stopped at $stopped, requeued, resumed to step 400"
