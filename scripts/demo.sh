#!/usr/bin/env bash
# The demo: builds ferry, lists its plugins, validates a config and runs a task with
# `ferryd --run`, then checks what arrived.
#
# Today the task is the fake connector's generated tables copied through the generic pipeline
# stages (config/demo.toml); it becomes a real MariaDB → PostgreSQL migration with live changes
# and verification as the connector and migration components land.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${FERRY_BUILD_DIR:-build}"
cd "$ROOT"

step() { printf '\n== %s\n' "$*"; }

step "dependencies (apt-get, skipped when present)"
scripts/deps.sh
step "build"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target ferryd ferry_plugin_fake ferry_plugin_pipeline

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-demo.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
FERRYD="$ROOT/$BUILD_DIR/bin/ferryd"
sed -e "s|@DATA_DIR@|$WORK/data|" -e "s|@PLUGIN_DIR@|$ROOT/$BUILD_DIR/lib/ferry/plugins|" \
    -e "s|@OUTPUT@|$WORK/received.tsv|" config/demo.toml > "$WORK/ferryd.toml"

step "ferryd --list-plugins"
"$FERRYD" --config "$WORK/ferryd.toml" --list-plugins

step "ferryd --check-config"
"$FERRYD" --config "$WORK/ferryd.toml" --check-config

step "ferryd --check-config on a config with mistakes (exit 2, one FILE:LINE:COL line each)"
cat > "$WORK/broken.toml" <<TOML
[server]
data_dir = "$WORK/data"
plugin_dir = "$ROOT/$BUILD_DIR/lib/ferry/plugins"

[[task]]
id = "broken"
types = ["full", "fulll"]
concurency = "fast"
[task.source]
plugin = "fake"
rows = "many"
[task.destination]
plugin = "fake"
TOML
set +e
"$FERRYD" --config "$WORK/broken.toml" --check-config
echo "(exit $?)"
set -e

step "ferryd --run demo"
"$FERRYD" --config "$WORK/ferryd.toml" --run demo

step "what arrived"
expected=$((4 * 25000))
rows=$(wc -l < "$WORK/received.tsv")
dups=$(cut -f1,2 "$WORK/received.tsv" | sort | uniq -d | wc -l)
cut -f1 "$WORK/received.tsv" | sort | uniq -c | awk '{printf "  %-10s %s rows\n", $2, $1}'
echo "  total $rows rows, $dups duplicated keys (expected $expected rows, 0 duplicates)"
if [[ "$rows" -ne "$expected" || "$dups" -ne 0 ]]; then
  echo "demo: FAILED: the destination did not receive every row exactly once" >&2
  exit 1
fi
echo "demo: OK"
