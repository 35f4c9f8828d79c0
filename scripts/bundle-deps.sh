#!/usr/bin/env bash
# For a GPU server without apt or network: run this on a Debian bookworm machine, in the source tree. It
# downloads Debian's packages of genai's non-LibTorch dependencies (CLI11, spdlog, fmt, stb, GoogleTest,
# zlib headers) and unpacks them into .offline-deps/ (git-ignored, about 11 MB). Copy the source tree with
# that folder to the server and run scripts/build-gpu-server.sh there; it finds the folder by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(libcli11-dev libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 libstb-dev libstb0 libgtest-dev googletest zlib1g-dev)
rm -rf .offline-deps && mkdir -p .offline-deps/debs .offline-deps/root
(cd .offline-deps/debs && apt-get download "${pkgs[@]}" >/dev/null)
for deb in .offline-deps/debs/*.deb; do dpkg-deb -x "$deb" .offline-deps/root; done
rm -rf .offline-deps/debs .offline-deps/root/usr/share/doc .offline-deps/root/usr/share/man
echo "bundle-deps: .offline-deps/ ($(du -sh .offline-deps | cut -f1)); copy it with the source tree and run scripts/build-gpu-server.sh"
