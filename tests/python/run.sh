#!/usr/bin/env bash
# Runs one Python test file (unittest) under the torch venv's Python (torch 2.x, tensorboard, safetensors:
# scripts/requirements-*.txt), against the genai binary of this build.
# Usage: tests/python/run.sh TEST_FILE GENAI_BINARY
# Exit 77 (CTest: skipped) when that Python or a package is missing, except under CI=true, where it fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/scripts/torch-wheel.sh"
python=${GENAI_TEST_PYTHON:-$genai_venv_python}
if ! "$python" -c 'import torch, tensorboard, safetensors, pytorch_fid' 2>/dev/null; then
  message="$python lacks torch, tensorboard, safetensors or pytorch_fid; run scripts/setup.sh --torch wheel, which installs them"
  if [ "${CI:-}" = true ]; then echo "FAIL: $message (CI=true: the Python client tests must run)" >&2; exit 1; fi
  echo "SKIP: $message"
  exit 77
fi
export GENAI_BINARY=$(realpath "$2") PYTHONPATH="$root/scripts:$here${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" "$1"
