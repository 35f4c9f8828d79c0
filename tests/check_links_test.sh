#!/usr/bin/env bash
# scripts/check_links.py passes on the source tree (README.md, docs/) and fails, naming file, line and target, on a
# missing file, a missing anchor and a link that leaves the repository.
# Usage: tests/check_links_test.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
checker="$source_dir/scripts/check_links.py"
python3 "$checker" "$source_dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/repo/docs"
printf '# Guide\n\n## Two words\n\n[back](../README.md) [here](#two-words)\n' >"$tmp/repo/docs/guide.md"
printf '# Top\n\n[ok](docs/guide.md#two-words) [gone](docs/none.md) [anchor](docs/guide.md#three-words)\n[out](../outside.md) [web](https://example.org/x)\n' >"$tmp/repo/README.md"
touch "$tmp/outside.md"
if output=$(python3 "$checker" "$tmp/repo" 2>&1); then
  echo "FAIL: check_links.py accepted broken links:"; echo "$output"; exit 1
fi
echo "$output"
grep -q 'README.md:3: docs/none.md: no such file' <<<"$output"
grep -q 'README.md:3: docs/guide.md#three-words: docs/guide.md has no heading with the anchor #three-words' <<<"$output"
grep -q 'README.md:4: ../outside.md: points outside the repository' <<<"$output"
grep -q 'check_links: 6 relative links in 2 Markdown files, 3 broken' <<<"$output"
echo "check_links_test: passed"
