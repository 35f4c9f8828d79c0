#!/usr/bin/env bash
# scripts/check_layers.py passes on the source tree and fails, naming file, line and rule, on an upward include.
# Usage: tests/check_layers_test.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
checker="$source_dir/scripts/check_layers.py"
python3 "$checker" "$source_dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/genai/data" "$tmp/include/genai/models" "$tmp/src/models"
printf '#include "genai/error.h"\n#include "genai/models/gan.h"\n' >"$tmp/include/genai/data/dataset.h"
printf '#include "genai/config.h"\n' >"$tmp/include/genai/models/gan.h"
printf '#include "genai/models/gan.h"\n#include "genai/data/idx.h"\n' >"$tmp/src/models/export.cpp"
if output=$(python3 "$checker" "$tmp"); then
  echo "FAIL: check_layers.py accepted data -> models and models -> data:"; echo "$output"; exit 1
fi
echo "$output"
grep -q 'include/genai/data/dataset.h:2: data includes genai/models/gan.h (models); data may include only util' <<<"$output"
grep -q 'src/models/export.cpp:2: models includes genai/data/idx.h (data)' <<<"$output"
grep -q '2 layering violation' <<<"$output"
echo "check_layers_test: passed"
