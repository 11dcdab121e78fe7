#!/usr/bin/env bash
# The full-migration benchmark: ferry against the peer tools, every direction, in one run.
#
# On the benchmark data set of /work/shared/bench (servers.sh start; make_dataset.sh: sbtest1..4,
# 4 x 250000 sysbench rows, and wide_types, 100000 rows of typed columns, in the MariaDB source
# 127.0.0.1:33062 and in the PostgreSQL database sbtest on 127.0.0.1:54322), each run measures:
#
#   direction      ferry (ferryd --run, types = ["schema", "full"])   peer (peers.sh one CASE)
#   MySQL -> PG    mysql -> postgres, into PG database dst           pgloader_my2pg
#   MySQL -> MySQL mysql -> mysql, into MariaDB :33063 sbtest        mydumper_myloader
#   PG -> PG       postgres -> postgres, sbtest -> dst               pgcopydb_pg2pg
#   PG -> MySQL    postgres -> mysql, public -> MariaDB :33063 sbtest (no peer)
#
# and the destinations' load-from-file limits (peers.sh pg_copy_from_file: COPY FROM the TSV
# files + PK + index, 2 jobs; my_load_data_file: LOAD DATA LOCAL INFILE into tables with PK +
# index, 2 jobs), so "% of limit" is measured side by side, not quoted. With WIDE=1 (default) the
# same directions again on wide_types alone (ferry, and the peers that can copy it).
#
# Every case: the destination is reset (untimed: database dropped and created, ferry's data
# directory removed), the copy runs under /usr/bin/time (wall, peak RSS of the largest process,
# client CPU), then the rows are checked (untimed): row counts for every case, and for ferry a
# content digest of every row compared with the source's (sbtest: the sum over rows of the first
# 32 bits of md5(id|k|c|pad), the same number on both engines; wide_types: sums, counts and
# extremes of every column family). The cases of a run are interleaved, the order reversed on
# every other run; each figure is the median of RUNS runs (min-max beside it).
#
# Usage: scripts/bench-full.sh [RUNS]          (default 3)
#        On a machine shared with other jobs, as root: renice -n -10 the three servers (every
#        thread of each mariadbd, the postmaster) and run `nice -n -10 scripts/bench-full.sh`;
#        the results record the niceness.
# Env:   BUILD_DIR  (/tmp/ferry-build-bench) ferry built here (Release) unless SKIP_BUILD=1
#        BENCH_DIR  (/work/shared/bench)     servers.sh / make_dataset.sh / peers.sh
#        DIRECTIONS ("my2pg my2my pg2pg pg2my")
#        WIDE       (1)  also measure wide_types; 0: the sbtest tables only
#        PEERS      (1)  run the peer and limit cases; 0: ferry only (tuning)
#        EXTRA      ("")  more peers.sh cases to run beside, e.g. "pipe_my2pg pipe_pg2my"
#        CONCURRENCY (fast) the task's concurrency preset
#        STAGE_CONFIG ("") extra lines for the full-import stage's config, e.g. "readers = 2"
#        OUT        (bench/results/full-migration.md in the repository)
#        NOTE       free text for the results' machine note (what else was running)
# Scratch: $BASE/work/bench-full (BASE as servers.sh: ${TMPDIR:-/tmp}/ferry-bench). With WIDE=1
# a PostgreSQL database wsrc holding only wide_types is created once (pgcopydb's filters cannot
# take one table of sbtest; see peers.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly RUNS="${1:-${RUNS:-3}}"
readonly BUILD_DIR="${BUILD_DIR:-/tmp/ferry-build-bench}"
readonly BENCH_DIR="${BENCH_DIR:-/work/shared/bench}"
readonly PEERS_SH="$BENCH_DIR/peers.sh"
readonly DIRECTIONS="${DIRECTIONS:-my2pg my2my pg2pg pg2my}"
readonly WIDE="${WIDE:-1}" PEERS="${PEERS:-1}" EXTRA="${EXTRA:-}"
readonly CONCURRENCY="${CONCURRENCY:-fast}"
readonly STAGE_CONFIG="${STAGE_CONFIG:-}"
readonly OUT="${OUT:-$ROOT/bench/results/full-migration.md}"
readonly BASE="${BASE:-${TMPDIR:-/tmp}/ferry-bench}"
readonly WORK="$BASE/work/bench-full"
readonly FERRYD="$BUILD_DIR/bin/ferryd"
readonly PLUGIN_DIR="$BUILD_DIR/lib/ferry/plugins"
readonly N_SB=4

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RUNS]   (RUNS a positive integer, got '$RUNS')" >&2
  exit 2
fi

MYSRC=(mariadb -uroot -h127.0.0.1 -P33062 -N -B)
MYDST=(mariadb -uroot -h127.0.0.1 -P33063 -N -B)
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 54322 -U postgres)

say() {
  echo "bench-full: $*" >&2
}

mkdir -p "$WORK"
rm -f "$WORK"/s.* "$WORK"/results.log

SB_TABLES="$(for t in $(seq 1 $N_SB); do printf 'sbtest%d ' "$t"; done)"
readonly SB_TABLES

# ---- build ---------------------------------------------------------------------------------------

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  say "building ferryd and its plugins (Release) in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=OFF \
    >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; exit 1; }
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target ferryd ferry_plugin_mysql ferry_plugin_postgres \
    ferry_plugin_schema ferry_plugin_full-import >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; exit 1; }
fi
[[ -x "$FERRYD" ]] || { say "no $FERRYD (build ferry first, or unset SKIP_BUILD)"; exit 1; }

# ---- the source digests (untimed, once) ----------------------------------------------------------

# sbtest: rows and the sum of the first 32 bits of md5(id|k|c|pad) over the tables; the same
# expression on both engines (CHAR values read without their pad on both).
my_sb_digest() {  # $1 = mariadb command (array name), $2 = database
  local -n cmd=$1
  "${cmd[@]}" -e "SELECT SUM(n), SUM(d) FROM ($(for t in $SB_TABLES; do
    printf 'SELECT COUNT(*) n, SUM(CAST(CONV(LEFT(MD5(CONCAT_WS(%s, id, k, c, pad)), 8), 16, 10) AS UNSIGNED)) d FROM %s.%s UNION ALL ' "'|'" "$2" "$t"
  done) SELECT 0, 0) x" | tr '\t' ' '
}
pg_sb_digest() {  # $1 = database, $2 = schema
  "${PSQL[@]}" -d "$1" -At -F ' ' -c "SELECT sum(n), sum(d) FROM ($(for t in $SB_TABLES; do
    printf "SELECT count(*) n, sum(('x' || left(md5(concat_ws('|', id, k, c::text, pad::text)), 8))::bit(32)::bigint) d FROM %s.%s UNION ALL " "$2" "$t"
  done) SELECT 0, 0) x"
}
# wide_types: rows, then sums / counts / extremes of its columns (engine-neutral renderings).
my_wide_digest() {
  local -n cmd=$1
  "${cmd[@]}" -e "SELECT COUNT(*), SUM(amount), SUM(price), COUNT(note), SUM(LENGTH(note)),
    COUNT(payload), SUM(LENGTH(payload)), COUNT(attrs), CAST(SUM(ratio) AS DECIMAL(30,3)),
    COUNT(name), SUM(CHAR_LENGTH(name)), SUM(flag), SUM(big), MAX(created), MIN(day),
    SUM(status = 'suspended') FROM \`$2\`.wide_types" | tr '\t' ' '
}
pg_wide_digest() {
  "${PSQL[@]}" -d "$1" -At -F ' ' -c "SELECT count(*), sum(amount), sum(price), count(note),
    sum(octet_length(note)), count(payload), sum(octet_length(payload)), count(attrs),
    sum(ratio)::numeric(30,3), count(name), sum(char_length(name)), sum(flag::int), sum(big),
    to_char(max(created), 'YYYY-MM-DD HH24:MI:SS.US'), min(day),
    count(*) FILTER (WHERE status::text = 'suspended') FROM $2.wide_types"
}

say "reading the source digests"
DIGEST_MY_SB="$(my_sb_digest MYSRC sbtest)"
DIGEST_PG_SB="$(pg_sb_digest sbtest public)"
say "  mariadb sbtest: $DIGEST_MY_SB; postgres sbtest: $DIGEST_PG_SB"
if [[ "$DIGEST_MY_SB" != "$DIGEST_PG_SB" || "${DIGEST_MY_SB%% *}" != $((N_SB * 250000)) ]]; then
  say "the sources differ or are not the data set: run $BENCH_DIR/make_dataset.sh first"
  exit 1
fi
if [[ "$WIDE" == 1 ]]; then
  DIGEST_MY_WIDE="$(my_wide_digest MYSRC sbtest)"
  DIGEST_PG_WIDE="$(pg_wide_digest sbtest public)"
  say "  mariadb wide_types: $DIGEST_MY_WIDE"
  say "  postgres wide_types: $DIGEST_PG_WIDE"
  if [[ "$DIGEST_MY_WIDE" != "$DIGEST_PG_WIDE" ]]; then
    say "the wide_types tables differ: run $BENCH_DIR/make_dataset.sh first"
    exit 1
  fi
  # pgcopydb copies whole databases: a database with wide_types alone (and its enum type).
  if [[ "$PEERS" == 1 ]] &&
    [[ "$("${PSQL[@]}" -d wsrc -Atc "SELECT count(*) FROM public.wide_types" 2>/dev/null)" != 100000 ||
      "$("${PSQL[@]}" -d wsrc -Atc "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")" != 1 ]]; then
    say "creating the PostgreSQL database wsrc (wide_types only) for pgcopydb"
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS wsrc WITH (FORCE)" \
      -c "CREATE DATABASE wsrc TEMPLATE sbtest" >/dev/null
    "${PSQL[@]}" -d wsrc -c "DROP TABLE $(echo "$SB_TABLES" | xargs | tr ' ' ',')" >/dev/null
  fi
fi
readonly DIGEST_MY_SB DIGEST_PG_SB DIGEST_MY_WIDE DIGEST_PG_WIDE

# ---- CPU of the servers (as peers.sh: mariadbd from /proc, postgres = postmaster + backends) -------

HZ="$(getconf CLK_TCK)"
readonly HZ
my_cpu() {  # my1 | my2
  awk '{ print $14 + $15 }' "/proc/$(cat "$BASE/$1.pid")/stat"
}
pg_cpu() {
  local pm s
  pm="$(head -1 "$BASE/pg/postmaster.pid")"
  s="$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat")"
  for c in $(ps -o pid= --ppid "$pm"); do
    s=$((s + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
  done
  echo "$s"
}
srv_cpu() {
  case $1 in my1 | my2) my_cpu "$1" ;; pg) pg_cpu ;; *) echo 0 ;; esac
}

# ---- ferry's cases --------------------------------------------------------------------------------

# direction → source/destination plugin, ports, databases, selection; the "wide" variants copy
# wide_types alone.
src_engine() { case $1 in my2*) echo mysql ;; *) echo postgres ;; esac; }
dst_engine() { case $1 in *2pg) echo postgres ;; *) echo mysql ;; esac; }

endpoint_toml() {  # engine role
  if [[ $1 == mysql ]]; then
    if [[ $2 == source ]]; then echo 'port = 33062'; else echo 'port = 33063'; fi
    printf 'plugin = "mysql"\nhost = "127.0.0.1"\nuser = "root"\n'
  else
    if [[ $2 == source ]]; then echo 'database = "sbtest"'; else echo 'database = "dst"'; fi
    printf 'plugin = "postgres"\nhost = "127.0.0.1"\nport = 54322\nuser = "postgres"\n'
  fi
}

write_config() {  # dir wide(0|1) → path
  local dir=$1 wide=$2 id="bench-$1" src dst tables
  [[ "$wide" == 1 ]] && id="$id-wide"
  local f="$WORK/$id.toml"
  src="$(src_engine "$dir")"
  dst="$(dst_engine "$dir")"
  if [[ "$wide" == 1 ]]; then tables=wide_types; else tables='sbtest*'; fi
  {
    echo '[server]'
    echo 'listen = "127.0.0.1:0"'
    echo "data_dir = \"$WORK/data-$id\""
    echo "plugin_dir = \"$PLUGIN_DIR\""
    echo 'log_level = "info"'
    echo
    echo '[[task]]'
    echo "id = \"$id\""
    echo 'types = ["schema", "full"]'
    echo "concurrency = \"$CONCURRENCY\""
    echo
    echo '[task.source]'
    endpoint_toml "$src" source
    echo
    echo '[task.destination]'
    endpoint_toml "$dst" destination
    echo
    echo '[[task.objects]]'
    if [[ $src == mysql ]]; then echo "include = \"sbtest.$tables\""; else echo "include = \"public.$tables\""; fi
    if [[ $dir == pg2my ]]; then
      echo
      echo '[task.rename]'
      echo 'schemas = { public = "sbtest" }'
    fi
    if [[ -n "$STAGE_CONFIG" ]]; then
      echo
      echo '[[task.stage]]'
      echo 'name = "full-import"'
      echo 'component = "full-import"'
      echo 'after = ["schema"]'
      echo '[task.stage.config]'
      echo -e "$STAGE_CONFIG"
    fi
  } >"$f"
  echo "$f"
}

reset_dst() {  # engine
  if [[ $1 == mysql ]]; then
    "${MYDST[@]}" -e "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest"
  else
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS dst WITH (FORCE)" -c "CREATE DATABASE dst" \
      >/dev/null
  fi
}

# The destination's digest, compared with the source's.
dst_digest() {  # dir wide
  local dst
  dst="$(dst_engine "$1")"
  if [[ "$2" == 1 ]]; then
    if [[ $dst == mysql ]]; then my_wide_digest MYDST sbtest; elif [[ $1 == my2pg ]]; then
      pg_wide_digest dst sbtest
    else pg_wide_digest dst public; fi
  else
    if [[ $dst == mysql ]]; then my_sb_digest MYDST sbtest; elif [[ $1 == my2pg ]]; then
      pg_sb_digest dst sbtest
    else pg_sb_digest dst public; fi
  fi
}

# One ferry run: RESULT line on stdout.
ferry_one() {  # dir wide
  local dir=$1 wide=$2 name="ferry_$1" cfg id src dst expect rows
  [[ "$wide" == 1 ]] && name="ferry_wide_$1"
  cfg="$(write_config "$dir" "$wide")"
  id="$(sed -n 's/^id = "\(.*\)"$/\1/p' "$cfg")"
  src="$(src_engine "$dir")"
  dst="$(dst_engine "$dir")"
  if [[ "$wide" == 1 ]]; then expect="$DIGEST_MY_WIDE"; else expect="$DIGEST_MY_SB"; fi
  rows="${expect%% *}"
  reset_dst "$dst"
  rm -rf "$WORK/data-$id"
  sync
  sleep 0.5
  local ssrv dsrv s0 d0 t0 t1 s1 d1 rc=0 tf="$WORK/time.$name" log="$WORK/$name.log"
  ssrv=$([[ $src == mysql ]] && echo my1 || echo pg)
  dsrv=$([[ $dst == mysql ]] && echo my2 || echo pg)
  s0="$(srv_cpu "$ssrv")"
  d0="$(srv_cpu "$dsrv")"
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%M %U %S" -o "$tf" "$FERRYD" --config "$cfg" --run "$id" >"$log" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  sleep 0.3
  s1="$(srv_cpu "$ssrv")"
  d1="$(srv_cpu "$dsrv")"
  local got ok
  got="$(dst_digest "$dir" "$wide" 2>/dev/null || echo "?")"
  if [[ "$got" == "$expect" ]]; then ok=yes; else ok="NO($got)"; fi
  local rss u s
  read -r rss u s <"$tf"
  [[ $rc == 0 ]] || tail -5 "$log" >&2
  awk -v c="$name" -v rc="$rc" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v u="$u" -v s="$s" \
    -v s0="$s0" -v s1="$s1" -v d0="$d0" -v d1="$d1" -v hz="$HZ" -v same="$([[ $ssrv == "$dsrv" ]] && echo 1 || echo 0)" \
    -v rows="$rows" -v ok="$ok" -v ncpu="$(nproc)" 'BEGIN {
    w = t1 - t0; cc = u + s; ss = (s1 - s0) / hz; dd = same ? 0 : (d1 - d0) / hz;
    printf "RESULT case=%s rc=%d wall=%.2f rss_mb=%.0f ccpu=%.2f scpu_src=%.2f scpu_dst=%.2f util=%.2f rows_per_s=%.0f content_ok=%s\n",
      c, rc, w, rss / 1024, cc, ss, dd, (cc + ss + dd) / w / ncpu, rows / w, ok }'
}

# One peers.sh case, with the peak RSS of its largest process.
peer_one() {  # case [wide]
  local c=$1 wide=${2:-0} name=$1 tf="$WORK/time.peer" line rc=0
  [[ "$wide" == 1 ]] && name="${1}_wide"
  local -a env=()
  if [[ "$wide" == 1 ]]; then
    env=(TABLES=wide_types ROWS=100000)
    [[ $c == pgcopydb_pg2pg ]] && env+=(PG_SRC_DB=wsrc)
  fi
  line="$(env "${env[@]}" /usr/bin/time -f "%M" -o "$tf" "$PEERS_SH" one "$c" 2>"$WORK/peer.err" | grep '^RESULT')" || rc=$?
  if [[ -z "$line" ]]; then
    say "peers.sh one $c printed no RESULT: $(tail -3 "$WORK/peer.err" | tr '\n' ' ')"
    line="RESULT case=$c rc=1 wall=nan rows_ok=NO"
  fi
  echo "${line/case=$c/case=$name} rss_mb=$(awk '{ printf "%.0f", $1 / 1024 }' "$tf")"
}

# ---- the runs -------------------------------------------------------------------------------------

peer_of() {
  case $1 in
    my2pg) echo pgloader_my2pg ;; my2my) echo mydumper_myloader ;; pg2pg) echo pgcopydb_pg2pg ;;
    *) echo "" ;;
  esac
}
limit_of() { case $1 in *2pg) echo pg_copy_from_file ;; *) echo my_load_data_file ;; esac; }

CASES=()
for d in $DIRECTIONS; do
  CASES+=("ferry $d 0")
  if [[ "$PEERS" == 1 && -n "$(peer_of "$d")" ]]; then CASES+=("peer $(peer_of "$d") 0"); fi
done
if [[ "$PEERS" == 1 ]]; then
  CASES+=("peer pg_copy_from_file 0" "peer my_load_data_file 0")
  for e in $EXTRA; do CASES+=("peer $e 0"); done
fi
if [[ "$WIDE" == 1 ]]; then
  for d in $DIRECTIONS; do
    CASES+=("ferry $d 1")
    if [[ "$PEERS" == 1 && -n "$(peer_of "$d")" ]]; then CASES+=("peer $(peer_of "$d") 1"); fi
  done
fi

field() {  # name line
  tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}
record() {
  echo "$2" >>"$WORK/s.$1"
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
# What else runs: processes above 10% CPU over one second (top's second sample).
busy() {
  top -b -n 2 -d 1 -w 200 | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 10 {
    printf "%s (%s%%) ", $12, $9 }'
}
BUSY_START="$(busy)"
for ((run = 1; run <= RUNS; run++)); do
  say "run $run of $RUNS"
  order=("${CASES[@]}")
  if ((run % 2 == 0)); then
    order=()
    for ((i = ${#CASES[@]} - 1; i >= 0; i--)); do order+=("${CASES[$i]}"); done
  fi
  for c in "${order[@]}"; do
    read -r kind what wide <<<"$c"
    if [[ $kind == ferry ]]; then line="$(ferry_one "$what" "$wide")"; else line="$(peer_one "$what" "$wide")"; fi
    echo "$line" | tee -a "$WORK/results.log" >&2
    name="$(field case "$line")"
    record "$name.wall" "$(field wall "$line")"
    record "$name.rss" "$(field rss_mb "$line")"
    record "$name.ccpu" "$(field ccpu "$line")"
    ok="$(field content_ok "$line")"
    [[ -n "$ok" ]] || ok="$(field rows_ok "$line")"
    [[ "$(field rc "$line")" == 0 && "$ok" == yes ]] || record "$name.bad" "run $run: rc=$(field rc "$line") check=$ok"
  done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
BUSY_END="$(busy)"

# ---- the report -----------------------------------------------------------------------------------

median() {
  if [[ ! -s "$WORK/s.$1" ]] || grep -q nan "$WORK/s.$1"; then
    echo -
    return
  fi
  sort -g "$WORK/s.$1" | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m }'
}
median0() {  # the median as an integer (megabytes)
  local m
  m="$(median "$1")"
  if [[ "$m" == - ]]; then echo -; else printf '%.0f\n' "$m"; fi
}
spread() {  # "median (min-max)"
  local m
  m="$(median "$1")"
  if [[ "$m" == - ]]; then
    echo -
    return
  fi
  sort -g "$WORK/s.$1" | awk -v m="$m" 'NR == 1 { lo = $1 } { hi = $1 } END {
    if (NR == 1) printf "%s\n", m; else printf "%s (%.2f-%.2f)\n", m, lo, hi }'
}
rate() {  # rows seconds → 123k
  awk -v r="$1" -v s="$2" 'BEGIN { if (s != "-" && s > 0) printf "%.0fk\n", r / s / 1000; else print "-" }'
}
ratio() {  # a / b
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f\n", a / b; else print "-" }'
}
pct() {  # a / b in %
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.0f%%\n", 100 * a / b; else print "-" }'
}
status() {  # case → "ok" or the failures
  if [[ -s "$WORK/s.$1.bad" ]]; then tr '\n' ';' <"$WORK/s.$1.bad"; else echo ok; fi
}
title() {
  case $1 in my2pg) echo "MySQL → PG" ;; my2my) echo "MySQL → MySQL" ;; pg2pg) echo "PG → PG" ;;
    pg2my) echo "PG → MySQL" ;; esac
}
peer_title() {
  case $1 in
    pgloader_my2pg) echo "pgloader" ;; mydumper_myloader) echo "mydumper + myloader (2 threads)" ;;
    pgcopydb_pg2pg) echo "pgcopydb clone (2 jobs)" ;; *) echo "$1" ;;
  esac
}

mkdir -p "$(dirname "$OUT")"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
SB_ROWS=$((N_SB * 250000))
{
  echo "# Full migration: ferry against the peer tools"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), ferry $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet -- . ':!bench/results' 2>/dev/null || echo ' + working-tree changes')"
  echo "- machine: $(nproc) cores ($cpu_model), $(free -g | awk '/^Mem:/ { print $2 }') GB; MariaDB $("${MYSRC[@]}" -e 'SELECT VERSION()') (source :33062, destination :33063) and PostgreSQL $("${PSQL[@]}" -d postgres -Atc 'SHOW server_version' | cut -d' ' -f1) (:54322) on the same host as the clients"
  echo "- niceness: this script and its clients $(nice), the servers $(ps -o ni= -p "$(cat "$BASE/my1.pid")" | tr -d ' ') (MariaDB source) / $(ps -o ni= -p "$(cat "$BASE/my2.pid")" | tr -d ' ') (MariaDB destination) / $(ps -o ni= -p "$(head -1 "$BASE/pg/postmaster.pid")" | tr -d ' ') (PostgreSQL)"
  echo "- load average at the start $LOAD_START, at the end $LOAD_END; processes above 10% CPU (one-second sample) at the start: ${BUSY_START:-none}; at the end: ${BUSY_END:-none}${NOTE:+; $NOTE}"
  command_line="scripts/bench-full.sh $RUNS"
  [[ "$(nice)" == 0 ]] || command_line="nice -n $(nice) $command_line"
  [[ "$CONCURRENCY" == fast ]] || command_line="CONCURRENCY=$CONCURRENCY $command_line"
  [[ -z "$STAGE_CONFIG" ]] || command_line="STAGE_CONFIG=\"$STAGE_CONFIG\" $command_line"
  [[ "$WIDE" == 1 ]] || command_line="WIDE=$WIDE $command_line"
  [[ "$PEERS" == 1 ]] || command_line="PEERS=$PEERS $command_line"
  [[ -z "$EXTRA" ]] || command_line="EXTRA=\"$EXTRA\" $command_line"
  [[ "$DIRECTIONS" == "my2pg my2my pg2pg pg2my" ]] || command_line="DIRECTIONS=\"$DIRECTIONS\" $command_line"
  echo "- command: \`$command_line\`; median of $RUNS runs (min-max); cases interleaved, order reversed every other run"
  echo "- data: $BENCH_DIR/make_dataset.sh: sbtest1..$N_SB ($SB_ROWS rows, ~193 MB as TSV) and wide_types (100000 rows)"
  echo "- ferry: \`ferryd --run\` of a task with \`types = [\"schema\", \"full\"]\`, \`concurrency = \"$CONCURRENCY\"\`$([[ -n "$STAGE_CONFIG" ]] && echo ", full-import config: $STAGE_CONFIG") (the TOML files are written by the script); the time is the whole process: start, plugin loading, schema migration, copy, indexes"
  echo "- peers: \`$PEERS_SH one CASE\` (copy phase timed, destination reset untimed); peak RSS = the largest process of the case (/usr/bin/time %M)"
  echo
  echo "## sbtest: $SB_ROWS rows"
  echo
  echo "| direction | ferry s | ferry rows/s | ferry peak RSS MB | peer | peer s | peer rows/s | peer peak RSS MB | peer s / ferry s | limit: load from file s | ferry % of limit speed | checks |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for d in $DIRECTIONS; do
    f="ferry_$d"
    p="$(peer_of "$d")"
    l="$(limit_of "$d")"
    fm="$(median "$f.wall")"
    pm="-"
    [[ -n "$p" ]] && pm="$(median "$p.wall")"
    lm="$(median "$l.wall")"
    ptitle="—"
    [[ -n "$p" ]] && ptitle="$(peer_title "$p")"
    checks="ferry $(status "$f")"
    [[ -n "$p" && "$PEERS" == 1 ]] && checks+=", peer $(status "$p")"
    echo "| $(title "$d") | **$(spread "$f.wall")** | $(rate $SB_ROWS "$fm") | $(median0 "$f.rss") | $ptitle | $([[ -n "$p" ]] && spread "$p.wall" || echo -) | $(rate $SB_ROWS "$pm") | $([[ -n "$p" ]] && median0 "$p.rss" || echo -) | $(ratio "$pm" "$fm") | $l $(median "$l.wall") | $(pct "$lm" "$fm") | $checks |"
  done
  if [[ "$PEERS" == 1 ]]; then
    echo
    echo "Limits, same runs: PostgreSQL COPY FROM the TSV files + PK + index (pg_copy_from_file, 2 jobs) $(spread pg_copy_from_file.wall) s = $(rate $SB_ROWS "$(median pg_copy_from_file.wall)") rows/s; MariaDB LOAD DATA LOCAL INFILE into tables with PK + index (my_load_data_file, 2 jobs) $(spread my_load_data_file.wall) s = $(rate $SB_ROWS "$(median my_load_data_file.wall)") rows/s. \"ferry % of limit speed\" = limit seconds / ferry seconds (70% is the target)."
    for e in $EXTRA; do
      echo "Also: $e $(spread "$e.wall") s = $(rate $SB_ROWS "$(median "$e.wall")") rows/s."
    done
  fi
  if [[ "$WIDE" == 1 ]]; then
    echo
    echo "## wide_types: 100000 rows (DECIMAL, DATETIME(6), DATE, DOUBLE, TEXT, BLOB, JSON, ENUM, utf8mb4 VARCHAR, boolean, BIGINT, NULLs)"
    echo
    echo "| direction | ferry s | ferry rows/s | ferry peak RSS MB | peer | peer s | peer rows/s | peer s / ferry s | checks |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for d in $DIRECTIONS; do
      f="ferry_wide_$d"
      p="$(peer_of "$d")"
      fm="$(median "$f.wall")"
      pm="-"
      [[ -n "$p" && "$PEERS" == 1 ]] && pm="$(median "${p}_wide.wall")"
      checks="ferry $(status "$f")"
      [[ -n "$p" && "$PEERS" == 1 ]] && checks+=", peer $(status "${p}_wide")"
      echo "| $(title "$d") | **$(spread "$f.wall")** | $(rate 100000 "$fm") | $(median0 "$f.rss") | $([[ -n "$p" ]] && peer_title "$p" || echo —) | $([[ -n "$p" && "$PEERS" == 1 ]] && spread "${p}_wide.wall" || echo -) | $(rate 100000 "$pm") | $(ratio "$pm" "$fm") | $checks |"
    done
  fi
  echo
  echo "Checks: ferry's rows are compared with the source's by content (sbtest: row count and the sum of the first 32 bits of md5(id|k|c|pad); wide_types: row count and sums / counts / extremes of every column); a peer's by row count (peers.sh)."
  echo
  echo "## Raw results"
  echo
  echo "wall = seconds; rss_mb = peak RSS of the largest process; ccpu = client user+sys CPU seconds; scpu_src / scpu_dst = CPU seconds of the source / destination server processes; util = all of it / wall / cores."
  echo
  echo '```'
  cat "$WORK/results.log"
  echo '```'
} >"$OUT"
cat "$OUT"
say "written to $OUT"
