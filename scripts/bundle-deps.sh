#!/usr/bin/env bash
# For a GPU server without apt or network: run this on a Debian bookworm machine, in the source tree. It
# downloads the Debian packages of genai's non-LibTorch dependencies (the `bundle` lines of
# scripts/debian-packages.txt: CLI11, spdlog, fmt, stb, GoogleTest, zlib headers, nlohmann-json, Gloo's headers)
# and unpacks them into .offline-deps/ (git-ignored, about 14 MB). Copy the source tree with that folder to the
# server and run scripts/build-gpu-server.sh there; it finds the folder by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t pkgs < <(sed -n 's/^bundle[[:space:]]\+\([^[:space:]]\+\).*/\1/p' scripts/debian-packages.txt)
# Into a temporary folder first: an interrupted download leaves the previous bundle as it was.
tmp=$(mktemp -d .offline-deps.tmp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$tmp/root"
if ! (cd "$tmp/debs" && apt-get download "${pkgs[@]}" >/dev/null 2>"../apt.log"); then
  echo "bundle-deps: apt-get download failed ($(tail -1 "$tmp/apt.log")); run 'apt-get update' first" >&2; exit 1
fi
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
rm -rf "$tmp/debs" "$tmp/apt.log" "$tmp/root/usr/share/doc" "$tmp/root/usr/share/man"
printf '%s\n' "${pkgs[@]}" > "$tmp/packages.txt"
rm -rf .offline-deps && mv "$tmp" .offline-deps
trap - EXIT
echo "bundle-deps: .offline-deps/ ($(du -sh .offline-deps | cut -f1), ${#pkgs[@]} packages); copy it with the source tree and run scripts/build-gpu-server.sh"
