#!/usr/bin/env python3
"""Checks the relative links of every Markdown file in the repository (README.md, docs/): each target file exists
inside the repository, and each #anchor names a heading of its file (GitHub's rule: lower case, punctuation other
than '-' and '_' dropped, spaces to '-'). Links to web pages are not fetched. Exit 1 with one line per broken link.
Usage: scripts/check_links.py [ROOT]   (default: this repository; a ROOT that is no git checkout: its *.md files)"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent).resolve()
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def anchors(path):
    found, in_code = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def links(path):
    in_code = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code:
            for match in LINK.finditer(line):
                yield number, match.group(1)


def main():
    listed = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0:
        files = listed.stdout.split()
    else:
        files = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.md"))
    if not files:
        print(f"check_links: no Markdown files in {ROOT}", file=sys.stderr)
        return 1
    problems, checked = [], 0
    for name in files:
        source = ROOT / name
        for number, target in links(source):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                continue
            checked += 1
            path_part, _, anchor = target.partition("#")
            destination = (source.parent / path_part).resolve() if path_part else source
            where = f"{name}:{number}: {target}"
            if ROOT not in destination.parents and destination != ROOT:
                problems.append(f"{where}: points outside the repository")
            elif not destination.exists():
                problems.append(f"{where}: no such file")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                problems.append(f"{where}: {destination.relative_to(ROOT)} has no heading with the anchor #{anchor}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"check_links: {checked} relative links in {len(files)} Markdown files, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
