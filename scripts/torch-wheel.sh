# Sourced by the scripts that use genai's second LibTorch flavour: the LibTorch inside the torch wheel
# pinned in scripts/requirements-torch.txt, installed with pip into a virtual environment OUTSIDE the source
# tree (one per pinned version, shared by every clone on the machine, so CI's fresh clones reuse it).
#   GENAI_VENV   overrides the venv's location
genai_torch_requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements-torch.txt"
genai_test_requirements="$(dirname "$genai_torch_requirements")/requirements-test.txt"  # tensorboard, safetensors
genai_torch_version=$(sed -n 's/^torch==//p' "$genai_torch_requirements")
genai_venv=${GENAI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/genai/venv-torch-$genai_torch_version}
genai_venv_python="$genai_venv/bin/python"

# Creates or completes the venv with the wheel and the Python test clients (idempotent: a venv that already
# has every pinned package is left alone). --tests: for the Python client tests only, which need no nvcc.
# Debian's python3 (with python3-venv and python3-dev, which torch.compile's C++ code generation needs).
ensure_torch_venv() {
  local check=check_cuda_major
  [ "${1:-}" = --tests ] && check=true
  if [ -x "$genai_venv_python" ] && "$genai_venv_python" - "$genai_torch_requirements" "$genai_test_requirements" <<'PY' 2>/dev/null; then $check; return; fi
import sys
from importlib.metadata import version
for path in sys.argv[1:]:
    for line in open(path):
        line = line.split("#")[0].strip()
        if line:
            name, pinned = line.split("==")
            if version(name) != pinned:
                sys.exit(1)
PY
  echo "setup: installing $(cat "$genai_torch_requirements" "$genai_test_requirements" | grep -v '^#' | xargs) into $genai_venv (pip; a few GB on first use)"
  mkdir -p "$(dirname "$genai_venv")"
  [ -x "$genai_venv_python" ] || /usr/bin/python3 -m venv "$genai_venv"
  "$genai_venv_python" -m pip install --quiet --disable-pip-version-check -r "$genai_torch_requirements" -r "$genai_test_requirements"
  $check
}

# The wheel's CUDA major version must be the one this machine's nvcc compiles for.
check_cuda_major() {
  local nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)} wheel_cuda nvcc_cuda
  wheel_cuda=$("$genai_venv_python" -c 'import torch; print(torch.version.cuda or "")')
  if [ ! -x "$nvcc" ]; then
    echo "setup: error: torch $genai_torch_version is built for CUDA $wheel_cuda but no nvcc was found; install the CUDA toolkit $wheel_cuda (major ${wheel_cuda%%.*})" >&2
    return 1
  fi
  nvcc_cuda=$("$nvcc" --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p')
  if [ "${wheel_cuda%%.*}" != "${nvcc_cuda%%.*}" ]; then
    echo "setup: error: torch $genai_torch_version is built for CUDA $wheel_cuda but $nvcc is CUDA $nvcc_cuda; pin a torch wheel of CUDA major ${nvcc_cuda%%.*} in scripts/requirements-torch.txt" >&2
    return 1
  fi
}
