#!/usr/bin/env bash
# The tree follows its one .clang-format: fails listing every file that clang-format would change.
# Fix with: clang-format -i <files>
set -euo pipefail
cd "$1"
mapfile -t files < <(find sdk host plugins tests -type f \( -name '*.cpp' -o -name '*.hpp' \
                       -o -name '*.h' -o -name '*.c' \) | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "not formatted with .clang-format (run clang-format -i on them):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "${#files[@]} files follow .clang-format"
