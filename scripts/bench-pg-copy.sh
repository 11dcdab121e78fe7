#!/usr/bin/env bash
# COPY BINARY or COPY TEXT for the PostgreSQL connector? Measures, in one run, on the benchmark
# data set of /work/shared/bench (servers.sh start; make_dataset.sh: sbtest1..4 and wide_types in
# the PostgreSQL database sbtest):
#   1. read:  COPY t TO STDOUT, text vs (FORMAT binary), received by psql and discarded
#             (seconds, MB on the wire, server CPU);
#   2. read:  the same through ferry's own code (tools/bench/pg_copy_read.cpp, linking
#             ferry_postgres_core): raw libpq, + the text split, the source's whole text path
#             and whole binary path (CopyRowStream → canonical batches, copy_format = "text" /
#             "binary"), the destination's text and binary encoders; plus a check that the
#             binary path produces exactly the text path's canonical values (on the data set
#             and on an edge-value table), with client and server CPU;
#   3. write: COPY t FROM STDIN, text vs binary, into an empty logged copy of the table (same PK
#             and indexes: LIKE ... INCLUDING ALL), after a CHECKPOINT: from files COPY TO wrote
#             in each format (psql \copy), and through ferry's code (pg_copy_read write-text /
#             write-binary: the canonical rows encoded as bulk_write does, 1 MiB chunks, one
#             transaction) (seconds, server CPU).
# Server CPU is read from /proc, so it is shown only when the server runs on this host.
# Text and binary runs are interleaved (the order alternates per run); each figure is the median
# of RUNS runs, with min-max beside it. The results go to OUT (markdown) and to stdout.
#
# Usage: scripts/bench-pg-copy.sh [RUNS]        (default 3)
# Env:   PG_HOST (127.0.0.1) PG_PORT (54322) PG_USER (postgres) PG_DB (sbtest)
#        TABLES ("sbtest1 wide_types")   tables of PG_DB's public schema to measure
#        BUILD_DIR (/tmp/ferry-build-copybench)  configured with -DFERRY_BUILD_BENCH=ON and built
#                  here unless SKIP_BUILD=1
#        OUT (bench/results/pg-copy-format.md in the repository)
#        NOTE   free text for the results' machine note
# Scratch: a schema ferry_copybench in PG_DB (dropped at the end) and a temporary directory
# holding one text and one binary COPY file per table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly RUNS="${1:-${RUNS:-3}}"
readonly PG_HOST="${PG_HOST:-127.0.0.1}" PG_PORT="${PG_PORT:-54322}"
readonly PG_USER="${PG_USER:-postgres}" PG_DB="${PG_DB:-sbtest}"
readonly BUILD_DIR="${BUILD_DIR:-/tmp/ferry-build-copybench}"
readonly OUT="${OUT:-$ROOT/bench/results/pg-copy-format.md}"
read -r -a TABLE_LIST <<<"${TABLES:-sbtest1 wide_types}"
readonly TABLE_LIST
readonly SCRATCH=ferry_copybench
readonly TOOL="$BUILD_DIR/tools/bench/pg_copy_read"
readonly MODES=(raw-text raw-binary unescape ferry-text ferry-binary encode-text encode-binary)

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RUNS]   (RUNS a positive integer, got '$RUNS')" >&2
  exit 2
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB")
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-pg-copy.XXXXXX")"
readonly WORK

say() {
  echo "bench-pg-copy: $*" >&2
}

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
  "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $SCRATCH CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# seconds (wall) that "$@" takes; its stdout goes to $WORK/last.out
timed() {
  local t0=$EPOCHREALTIME
  "$@" >"$WORK/last.out"
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

# Server CPU of a psql command: its backend's CPU time is added to the postmaster's cutime and
# cstime when the postmaster reaps it, so read those before and after (with a pause for the
# reaping). Only with the server on this host (its data directory readable), else "-".
PM_PID=""
if dd="$("${PSQL[@]}" -Atc "SHOW data_directory" 2>/dev/null)" && [[ -r "$dd/postmaster.pid" ]]; then
  PM_PID="$(head -1 "$dd/postmaster.pid")"
fi
readonly PM_PID
CLK_TCK="$(getconf CLK_TCK)"
readonly CLK_TCK
reaped_cpu() {
  if [[ -z "$PM_PID" || ! -r "/proc/$PM_PID/stat" ]]; then
    echo -
    return
  fi
  # after "pid (comm) " the fields start at 3: cutime and cstime (16, 17) are $14 and $15
  sed 's/^.*) //' "/proc/$PM_PID/stat" | awk -v tck="$CLK_TCK" '{ printf "%.2f\n", ($14 + $15) / tck }'
}
# records NAME.s (wall seconds) and NAME.srv (server CPU seconds) of a psql command "$@"
measure() {
  local name=$1 c0 c1
  shift
  sleep 0.3
  c0="$(reaped_cpu)"
  record "$name.s" "$(timed "$@")"
  sleep 0.3
  c1="$(reaped_cpu)"
  if [[ "$c0" != - && "$c1" != - ]]; then
    record "$name.srv" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f\n", b - a }')"
  fi
}

# key=value from the tool's one output line
field() {
  tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

# sample files: $WORK/s.<name> hold one number a line
record() {
  echo "$2" >>"$WORK/s.$1"
}
median() {
  if [[ ! -s "$WORK/s.$1" ]]; then
    echo -
    return
  fi
  sort -g "$WORK/s.$1" | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f\n", m }'
}
# "median (min-max)"
spread() {
  local m
  m="$(median "$1")"
  if [[ "$m" == - ]]; then
    echo -
    return
  fi
  sort -g "$WORK/s.$1" | awk -v m="$m" 'NR == 1 { lo = $1 } { hi = $1 } END {
    if (NR == 1) printf "%s\n", m; else printf "%s (%.3f-%.3f)\n", m, lo, hi }'
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f\n", a / b; else print "-" }'
}
rate() {  # rows, seconds → "123k"
  awk -v r="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0fk\n", r / s / 1000; else print "-" }'
}
mb() {
  awk -v b="$1" 'BEGIN { printf "%.1f\n", b / 1048576 }'
}

# ---- preconditions ---------------------------------------------------------------------------

declare -A ROWS
for t in "${TABLE_LIST[@]}"; do
  if ! ROWS[$t]="$("${PSQL[@]}" -Atc "SELECT count(*) FROM public.$t" 2>/dev/null)"; then
    say "cannot count public.$t in $PG_DB on $PG_HOST:$PG_PORT: start the servers and load the"
    say "data set first (/work/shared/bench/servers.sh start; /work/shared/bench/make_dataset.sh)"
    exit 1
  fi
  say "$t: ${ROWS[$t]} rows"
done

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  say "building pg_copy_read in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=ON \
    -DFERRY_BUILD_BENCH=ON >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; exit 1; }
  cmake --build "$BUILD_DIR" --target ferry_bench_pg_copy_read -j"$(nproc)" >"$WORK/build.log" \
    2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
fi
[[ -x "$TOOL" ]] || { say "no $TOOL (build with -DFERRY_BUILD_BENCH=ON)"; exit 1; }

tool() {
  "$TOOL" --host "$PG_HOST" --port "$PG_PORT" --user "$PG_USER" --db "$PG_DB" "$@"
}

"${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $SCRATCH CASCADE" -c "CREATE SCHEMA $SCRATCH" >/dev/null

# ---- exactness: ferry's binary read path against its text path ------------------------------

# Edge values (BC and far dates, infinities, NaN, -0, numeric scales, escapes, padding, zones,
# arrays, a column read as its output function's text, NULLs), beside the data set's own values.
# tests/db/postgres/copy_format_test.cpp checks every type the same way.
"${PSQL[@]}" >/dev/null <<SQL
CREATE TYPE $SCRATCH.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE $SCRATCH.edge (
  id int PRIMARY KEY, i2 smallint, i8 bigint, b boolean, f4 real, f8 double precision,
  n numeric, n2 numeric(12,4), d date, ts timestamp, tstz timestamptz, bp char(5), t text,
  by bytea, j jsonb, js json, u uuid, e $SCRATCH.mood, ttz timetz, iv interval, ip inet,
  ai int[], bt bit(8));
INSERT INTO $SCRATCH.edge VALUES
 (1, -32768, -9223372036854775808, true, 'NaN', 'NaN', 'NaN', 0, 'infinity', 'infinity',
  'infinity', 'a', E'tab\there\nnl\\\\bs', '\x00090a5c0d', '{"b": 1, "a": [1, 2.50]}',
  '{"b":1,  "a":2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'sad', '08:30:00+02',
  '-00:00:00.5', '192.168.0.1', '{1,NULL,-3}', B'00000101'),
 (2, 32767, 9223372036854775807, false, '-Infinity', 'Infinity', 'Infinity', -0.0005,
  '-infinity', '-infinity', '-infinity', '', '名前-ü', '\x', '[]', 'null',
  '00000000-0000-0000-0000-000000000000', 'happy', '24:00:00-05:30:15', '838:59:59.000001',
  '::1', '{{1,2},{3,4}}', B'11111111'),
 (3, 0, 0, true, '-0', '-0', '-Infinity', 12345678.9, '0044-03-15 BC',
  '0044-03-15 08:30:00.5 BC', '0001-01-01 00:00:00+00 BC', 'abcde', '', '\xff', '"x"', '1',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ok', NULL, NULL, '10.0.0.0/8', '{}', NULL),
 (4, 1, 1, false, 1.1, 0.1, 0, 1, '10000-01-01', '1969-12-31 23:59:59.999999',
  '2024-06-30 23:59:59.5+05:30', 'ab  ', ' lead and trail ', '\x0102', '{"k": null}',
  '{"k":"v"}', NULL, 'ok', NULL, NULL, NULL, NULL, NULL),
 (5, -1, -1, true, 1e-45, 5e-324, 0.000, -1.10, '2000-01-01', '2000-01-01 00:00:00',
  '1999-12-31 19:00:00-05', ' x', '', NULL, NULL, NULL, NULL, 'sad', NULL, NULL, NULL, NULL,
  NULL),
 (6, NULL, NULL, NULL, 3.4028235e38, 1.7976931348623157e308,
  123456789012345678901234567890.123456789012345678901234567890, -99999999.9999,
  '1999-12-31', '294276-12-31 23:59:59.999999', '4713-01-01 00:00:00+00 BC', NULL, NULL,
  NULL, NULL, NULL, NULL, 'happy', NULL, NULL, NULL, NULL, NULL),
 (7, 7, 7, false, 7, 7, 1e-20, 0.0001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  'ok', NULL, NULL, NULL, NULL, NULL),
 (8, NULL, NULL, NULL, NULL, NULL, 10000, 10000, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, 'sad', NULL, NULL, NULL, NULL, NULL);
SQL

declare -A EXACT
check_exact() {  # schema table: ferry-text against ferry-binary
  local a b
  a="$(tool --schema "$1" --table "$2" --mode ferry-text --digest)"
  b="$(tool --schema "$1" --table "$2" --mode ferry-binary --digest)"
  if [[ "$(field rows "$a")/$(field digest "$a")" == "$(field rows "$b")/$(field digest "$b")" ]]; then
    EXACT[$2]="identical ($(field rows "$a") rows, digest $(field digest "$a"))"
  else
    EXACT[$2]="DIFFERENT: ferry-text $(field rows "$a") rows $(field digest "$a"), ferry-binary $(field rows "$b") rows $(field digest "$b")"
  fi
  say "exactness $1.$2: ${EXACT[$2]}"
}
check_exact "$SCRATCH" edge
for t in "${TABLE_LIST[@]}"; do check_exact public "$t"; done

# ---- the COPY files (also the first, warming read of each table) -----------------------------

declare -A BYTES
for t in "${TABLE_LIST[@]}"; do
  "${PSQL[@]}" -c "\\copy public.$t to '$WORK/$t.text'"
  "${PSQL[@]}" -c "\\copy public.$t to '$WORK/$t.binary' with (format binary)"
  BYTES[$t.text]="$(stat -c %s "$WORK/$t.text")"
  BYTES[$t.binary]="$(stat -c %s "$WORK/$t.binary")"
  # no autovacuum: an autoanalyze after a load would be counted as the next load's server CPU
  "${PSQL[@]}" -c "CREATE TABLE $SCRATCH.${t}_in (LIKE public.$t INCLUDING ALL)
                   WITH (autovacuum_enabled = false)" >/dev/null
done

# ---- the runs ----------------------------------------------------------------------------------

for ((run = 1; run <= RUNS; run++)); do
  say "run $run of $RUNS"
  if ((run % 2)); then formats=(text binary); else formats=(binary text); fi
  for t in "${TABLE_LIST[@]}"; do
    # 1. psql receives and discards
    for f in "${formats[@]}"; do
      opt=""
      if [[ "$f" == binary ]]; then opt=" with (format binary)"; fi
      measure "read.$t.$f" "${PSQL[@]}" -c "\\copy public.$t to '/dev/null'$opt"
    done
    # 2. ferry's code; the order rotates with the run
    n=${#MODES[@]}
    for ((i = 0; i < n; i++)); do
      m="${MODES[$(((i + run - 1) % n))]}"
      line="$(tool --table "$t" --mode "$m")"
      record "tool.$t.$m.s" "$(field seconds "$line")"
      record "tool.$t.$m.cpu" "$(field client_cpu "$line")"
      record "tool.$t.$m.srv" "$(field server_cpu "$line")"
      if [[ "$m" == encode-* ]]; then
        record "tool.$t.$m.enc" "$(field encode_seconds "$line")"
      fi
    done
    # 3. COPY FROM into the empty copy, after a checkpoint so that one run's WAL is not the
    # next one's flush
    for f in "${formats[@]}"; do
      opt=""
      if [[ "$f" == binary ]]; then opt=" with (format binary)"; fi
      "${PSQL[@]}" -c "TRUNCATE $SCRATCH.${t}_in" -c "CHECKPOINT" >/dev/null
      measure "write.$t.$f" "${PSQL[@]}" -c "\\copy $SCRATCH.${t}_in from '$WORK/$t.$f'$opt"
      got="$("${PSQL[@]}" -Atc "SELECT count(*) FROM $SCRATCH.${t}_in")"
      [[ "$got" == "${ROWS[$t]}" ]] || { say "$t $f: COPY FROM stored $got rows"; exit 1; }
      # ferry's encoders and COPY FROM STDIN (the rows are read before the clock starts)
      "${PSQL[@]}" -c "TRUNCATE $SCRATCH.${t}_in" -c "CHECKPOINT" >/dev/null
      line="$(tool --table "$t" --mode "write-$f" --into "$SCRATCH.${t}_in")"
      record "fwrite.$t.$f.s" "$(field seconds "$line")"
      record "fwrite.$t.$f.cpu" "$(field client_cpu "$line")"
      record "fwrite.$t.$f.srv" "$(field server_cpu "$line")"
      got="$("${PSQL[@]}" -Atc "SELECT count(*) FROM $SCRATCH.${t}_in")"
      [[ "$got" == "${ROWS[$t]}" ]] || { say "$t ferry $f: COPY FROM stored $got rows"; exit 1; }
    done
  done
done

# ---- the report ------------------------------------------------------------------------------

mkdir -p "$(dirname "$OUT")"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
pg_version="$("${PSQL[@]}" -Atc "SHOW server_version")"
{
  echo "# PostgreSQL COPY: text vs binary"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), ferry $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- machine: $(nproc) cores ($cpu_model), load average at the end $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $pg_version on $PG_HOST:$PG_PORT, client on the same host${NOTE:+; $NOTE}"
  echo "- command: \`scripts/bench-pg-copy.sh $RUNS\` (TABLES=\"${TABLE_LIST[*]}\"); median of $RUNS runs (min-max), text and binary interleaved"
  echo "- data: /work/shared/bench/make_dataset.sh ($(for t in "${TABLE_LIST[@]}"; do printf '%s %s rows; ' "$t" "${ROWS[$t]}"; done | sed 's/; $//'))"
  echo
  echo "## 1. Read: COPY TO STDOUT received by psql and discarded (\\copy ... to '/dev/null')"
  echo
  echo "| table | format | MB on the wire | seconds | rows/s | text/binary time | server CPU s |"
  echo "|---|---|---|---|---|---|---|"
  for t in "${TABLE_LIST[@]}"; do
    for f in text binary; do
      m="$(median "read.$t.$f.s")"
      r=""
      if [[ "$f" == binary ]]; then r="$(ratio "$(median "read.$t.text.s")" "$m")"; fi
      echo "| $t | $f | $(mb "${BYTES[$t.$f]}") | $(spread "read.$t.$f.s") | $(rate "${ROWS[$t]}" "$m") | $r | $(spread "read.$t.$f.srv") |"
    done
  done
  echo
  echo "## 2. Read through ferry's code (tools/bench/pg_copy_read, one connection, whole table)"
  echo
  echo "Same statement as the source (\`COPY (SELECT cols FROM ONLY t) TO STDOUT\`), ferry's session settings."
  echo "client CPU = the reader's own user+system time (what ferry's thread would spend); server CPU = the backend's (from /proc, 10 ms ticks)."
  echo
  echo "| table | path | seconds | rows/s | client CPU s | server CPU s |"
  echo "|---|---|---|---|---|---|"
  for t in "${TABLE_LIST[@]}"; do
    for m in "${MODES[@]}"; do
      case "$m" in
        raw-text) d="libpq only, text (PQgetCopyData, nothing parsed)" ;;
        raw-binary) d="libpq only, binary" ;;
        unescape) d="text + the text split (CopyTextSplitter: zero-copy, unescape only fields with a backslash)" ;;
        ferry-text) d="**ferry's text path** (copy_format = \"text\"): CopyRowStream, split + Decoder → canonical batches" ;;
        ferry-binary) d="**ferry's binary path** (copy_format = \"binary\", the default): CopyRowStream, send formats → the same canonical batches" ;;
        encode-text) d="ferry-binary, then the destination's text encoder (append_copy_field) on every batch" ;;
        encode-binary) d="ferry-binary, then the destination's binary encoders (append_binary_value) on every batch" ;;
      esac
      echo "| $t | $d | $(spread "tool.$t.$m.s") | $(rate "${ROWS[$t]}" "$(median "tool.$t.$m.s")") | $(spread "tool.$t.$m.cpu") | $(spread "tool.$t.$m.srv") |"
    done
    echo "| $t | of which the destination's text encoder alone | $(spread "tool.$t.encode-text.enc") | | | |"
    echo "| $t | of which the destination's binary encoders alone | $(spread "tool.$t.encode-binary.enc") | | | |"
  done
  echo
  for t in "${TABLE_LIST[@]}"; do
    echo "- $t: ferry-text / ferry-binary time $(ratio "$(median "tool.$t.ferry-text.s")" "$(median "tool.$t.ferry-binary.s")"), client CPU $(ratio "$(median "tool.$t.ferry-text.cpu")" "$(median "tool.$t.ferry-binary.cpu")"), server CPU $(ratio "$(median "tool.$t.ferry-text.srv")" "$(median "tool.$t.ferry-binary.srv")")"
  done
  echo
  echo "Exactness (canonical cells of ferry-text vs ferry-binary, hashed): $SCRATCH.edge (edge values): ${EXACT[edge]}$(for t in "${TABLE_LIST[@]}"; do printf '; %s: %s' "$t" "${EXACT[$t]}"; done)."
  echo
  echo "## 3. Write: COPY FROM STDIN into an empty logged copy (LIKE ... INCLUDING ALL: PK + indexes)"
  echo
  echo "From a file (psql \\copy), and through ferry's encoders (pg_copy_read write-text / write-binary: the rows read first, then encoded as bulk_write does and sent in 1 MiB chunks, one transaction; client CPU = encoding and sending)."
  echo
  echo "| table | path | format | file MB | seconds | rows/s | text/binary time | client CPU s | server CPU s |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for t in "${TABLE_LIST[@]}"; do
    for f in text binary; do
      m="$(median "write.$t.$f.s")"
      r=""
      if [[ "$f" == binary ]]; then r="$(ratio "$(median "write.$t.text.s")" "$m")"; fi
      echo "| $t | psql \\copy | $f | $(mb "${BYTES[$t.$f]}") | $(spread "write.$t.$f.s") | $(rate "${ROWS[$t]}" "$m") | $r | | $(spread "write.$t.$f.srv") |"
    done
    for f in text binary; do
      m="$(median "fwrite.$t.$f.s")"
      r=""
      if [[ "$f" == binary ]]; then r="$(ratio "$(median "fwrite.$t.text.s")" "$m")"; fi
      echo "| $t | **ferry** | $f | | $(spread "fwrite.$t.$f.s") | $(rate "${ROWS[$t]}" "$m") | $r | $(spread "fwrite.$t.$f.cpu") | $(spread "fwrite.$t.$f.srv") |"
    done
  done
} >"$OUT"
cat "$OUT"
say "written to $OUT"
