#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every C file of the tree is formatted as .clang-format says, by the
# clang-format Debian 12 ships (14): another version formats some constructs
# differently, so the version is pinned rather than "whatever is installed".
#   scripts/check-format.sh         report files that differ (exit 1 if any)
#   scripts/check-format.sh --fix   reformat them in place
set -euo pipefail
cd "$(dirname "$0")/.."

cf=${CLANG_FORMAT:-clang-format-14}
command -v "$cf" >/dev/null || {
	echo "check-format.sh: $cf not found (apt-get install clang-format-14, or run scripts/setup.sh)" >&2
	exit 2
}
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = --fix ]; then
	"$cf" -i "${files[@]}"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	"$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "check-format.sh: ${#bad[@]} file(s) differ from .clang-format ($("$cf" --version | head -1)):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	echo "check-format.sh: see the changes with: $cf --dry-run FILE; apply them with: scripts/check-format.sh --fix" >&2
	exit 1
fi
echo "check-format.sh: ${#files[@]} files formatted as .clang-format says"
