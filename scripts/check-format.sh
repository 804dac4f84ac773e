#!/usr/bin/env bash
# check-format.sh - the C files listed in .ci/formatted-files.txt are formatted
# by .clang-format (clang-format 14, Debian's clang-format package).
#
# The tree is not formatted as a whole (reformatting every file at once
# would collide with work in progress), so the check covers the files known
# to be clean and the list only grows:
#   - a new .c/.h file: format it (clang-format -i FILE) and add it to the list;
#   - an edited file: format the lines you changed (git clang-format);
#   - a file that has become clean: `scripts/check-format.sh --candidates`
#     prints the tracked C files that pass but are not listed yet.
# CI (.ci/run) fails when a listed file is missing or not formatted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIST="$ROOT/.ci/formatted-files.txt"
cd "$ROOT"
CF="$(command -v clang-format || command -v clang-format-14 || true)"
if [[ -z "$CF" ]]; then
    echo "check-format: clang-format not found; install the Debian package clang-format (scripts/setup.sh does)" >&2
    exit 2
fi
listed() { grep -v -e '^#' -e '^[[:space:]]*$' "$LIST"; }

if [[ "${1:-}" == --candidates ]]; then
    git ls-files '*.c' '*.h' | sort | comm -23 - <(listed | sort) | while read -r f; do
        "$CF" --dry-run -Werror "$f" >/dev/null 2>&1 && echo "$f"
    done
    exit 0
fi

bad=0 n=0
while read -r f; do
    n=$((n + 1))
    if [[ ! -f "$f" ]]; then
        echo "check-format: $f is listed in .ci/formatted-files.txt but does not exist (remove or rename it there)" >&2
        bad=$((bad + 1))
    elif ! "$CF" --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "check-format: $f is not formatted; run: clang-format -i $f (or git clang-format for your lines)" >&2
        "$CF" --dry-run "$f" 2>&1 | head -n 6 >&2
        bad=$((bad + 1))
    fi
done < <(listed)
if ((bad)); then
    echo "check-format: $bad of $n listed files fail" >&2
    exit 1
fi
echo "check-format: $n listed files formatted"
