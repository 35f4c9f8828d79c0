#!/usr/bin/env python3
"""Checks genai's layering (docs/building.md, Development): a module includes only the modules below it, or itself.

    util (with error.h, image_shape.h) -> data, image, config, dist -> models -> losses, checkpoint, eval, export -> train -> cli

Modules of one layer do not include each other, and models includes neither data nor image. Reads every
#include "genai/..." in include/genai and src (src/cli includes its own headers without the genai/ prefix, and no
other module can name them); prints each violation as FILE:LINE and exits 1, or prints a one-line summary.
Usage: scripts/check_layers.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

_BASE = {"util", "config"}
ALLOWED = {  # module -> the modules it may include
    "util": set(),
    "data": {"util"},
    "dist": {"util"},
    "image": {"util"},
    "config": {"util"},
    "models": _BASE,
    "losses": _BASE | {"models"},
    "checkpoint": _BASE | {"models"},
    "eval": _BASE | {"data", "image", "models"},
    "export": _BASE | {"data", "image", "models"},
    "train": _BASE | {"dist", "data", "image", "models", "losses", "checkpoint", "eval", "export"},
    "cli": _BASE | {"dist", "data", "image", "models", "losses", "checkpoint", "eval", "export", "train"},
}
NEUTRAL = {"error", "image_shape"}  # headers every layer may include
INCLUDE = re.compile(r'^\s*#\s*include\s+"genai/([^"]+)"')


def module_of(relative):
    """The module of a path under include/genai or src: its folder, or its stem for top-level files."""
    parts = pathlib.PurePosixPath(relative).parts
    name = parts[0] if len(parts) > 1 else pathlib.PurePosixPath(parts[0]).stem
    return "util" if name in NEUTRAL else name


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    problems, checked, edges = [], 0, set()
    files = [(p, p.relative_to(root / "include" / "genai")) for p in (root / "include" / "genai").rglob("*.h")]
    files += [(p, p.relative_to(root / "src")) for p in (root / "src").rglob("*") if p.suffix in (".h", ".cpp")]
    for path, relative in sorted(files):
        source = module_of(relative)
        if source not in ALLOWED:
            problems.append(f"{path}: module '{source}' has no layer; add it to ALLOWED in {pathlib.Path(__file__).name}")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            checked += 1
            target = module_of(match.group(1))
            if target == source:
                continue
            edges.add((source, target))
            if target not in ALLOWED[source]:
                problems.append(f"{path}:{number}: {source} includes genai/{match.group(1)} ({target}); {source} may include only "
                                f"{', '.join(sorted(ALLOWED[source])) or 'nothing else'}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layers: {len(problems)} layering violation(s)")
        return 1
    print(f"check_layers: {len(files)} files, {checked} genai includes, {len(edges)} module dependencies, all downward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
