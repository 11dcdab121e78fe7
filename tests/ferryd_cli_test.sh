#!/usr/bin/env bash
# ferryd's command-line contract, end to end: exit codes, FILE:LINE:COL errors, secrets never
# printed, the data-directory lock, a task run to completion, SIGTERM mid-run, the object
# commands, --release (against the test bed's PostgreSQL when FERRY_TEST_PG_DSN is set), refused
# plugins.
# Usage: ferryd_cli_test.sh FERRYD PLUGIN_DIR BROKEN_PLUGIN_DIR
set -euo pipefail
FERRYD=$1
PLUGINS=$2
BROKEN=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferryd-cli.XXXXXX")
DAEMON_PID=""
cleanup() {
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# expect_exit CODE CMD...: runs CMD, output in $WORK/out, fails unless it exits with CODE.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$WORK/out" 2>&1 || got=$?
  [[ "$got" -eq "$want" ]] || { cat "$WORK/out" >&2; fail "'$*' exited $got, expected $want"; }
}
expect_line() { grep -qxF -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "missing line: $1"; }; }
expect_text() { grep -qF -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "missing text: $1"; }; }

write_config() {  # write_config FILE ROWS DELAY_MS [WRITER_INPUT]
  cat >"$1" <<TOML
[server]
data_dir = "$WORK/data"
plugin_dir = "$PLUGINS"

[[task]]
id = "copy"
types = ["full"]
[task.source]
plugin = "fake"
tables = 2
rows = $2
delay_ms = $3
password_env = "FERRY_CLI_TEST_SECRET"
[task.destination]
plugin = "fake"
output = "$WORK/out.tsv"
[[task.stage]]
name = "full-import"
component = "snapshot-reader"
[task.stage.config]
batch_rows = 100
[[task.stage]]
name = "full-import-write"
component = "bulk-writer"
inputs = ["${4:-full-import}"]
TOML
}
export FERRY_CLI_TEST_SECRET="hunter2-do-not-print"
write_config "$WORK/ferryd.toml" 3000 0

expect_exit 0 "$FERRYD" --version
expect_text "(plugin ABI 1."
expect_exit 2 "$FERRYD" --check-config
expect_text "--config FILE is required"
expect_exit 2 "$FERRYD" --config "$WORK/ferryd.toml" --check-config --list-plugins
pass "usage errors exit 2"

expect_exit 0 "$FERRYD" --config "$WORK/ferryd.toml" --check-config
NPLUGINS=$(find "$PLUGINS" -maxdepth 1 -name 'ferry-*.so' | wc -l)
expect_line "$WORK/ferryd.toml: OK (1 task(s), $NPLUGINS plugin(s))"
pass "--check-config accepts a valid config"

# A transform stage from TOML: its config is checked against the transform's declared fields.
write_config "$WORK/filter.toml" 1000 0 drop-fifths
cat >>"$WORK/filter.toml" <<TOML
[[task.stage]]
name = "drop-fifths"
component = "fake-filter"
inputs = ["full-import"]
[task.stage.config]
drop_every = 5
TOML
expect_exit 0 "$FERRYD" --config "$WORK/filter.toml" --run copy
[[ $(wc -l <"$WORK/out.tsv") -eq 1600 ]] || fail "the filter should leave 1600 rows, got $(wc -l <"$WORK/out.tsv")"
rm -f "$WORK/out.tsv" && rm -rf "$WORK/data"
echo 'drop_evry = 3' >>"$WORK/filter.toml"
expect_exit 2 "$FERRYD" --config "$WORK/filter.toml" --check-config
expect_text "unknown key 'drop_evry'"
pass "a transform stage written in TOML is validated and filters rows"

cat >"$WORK/bad.toml" <<TOML
[server]
data_dir = "$WORK/data"
plugin_dir = "$PLUGINS"

[[task]]
id = "bad"
types = ["full"]
[task.source]
plugin = "fake"
rows = "many"
password = "hunter2-do-not-print"
[task.destination]
plugin = "nosuch"
TOML
expect_exit 2 "$FERRYD" --config "$WORK/bad.toml" --check-config
expect_line "$WORK/bad.toml:10:8: 'rows' must be an integer, not a string"
expect_line "$WORK/bad.toml:11:1: 'password' must not be written in the config; use password_env or password_file"
expect_line "$WORK/bad.toml:13:10: no loaded plugin provides destination 'nosuch'"
[[ $(wc -l <"$WORK/out") -eq 3 ]] || { cat "$WORK/out"; fail "expected exactly 3 error lines"; }
! grep -q "hunter2" "$WORK/out" || fail "a secret was printed"
pass "--check-config reports every problem as FILE:LINE:COL and exits 2"

(unset FERRY_CLI_TEST_SECRET; expect_exit 2 "$FERRYD" --config "$WORK/ferryd.toml" --check-config)
expect_line "$WORK/ferryd.toml:13:16: password_env: environment variable 'FERRY_CLI_TEST_SECRET' is not set"
pass "an unset password_env names the variable and the place"

expect_exit 0 "$FERRYD" --config "$WORK/ferryd.toml" --run copy
[[ $(wc -l <"$WORK/out.tsv") -eq 6000 ]] || fail "expected 6000 rows, got $(wc -l <"$WORK/out.tsv")"
[[ -z $(cut -f1,2 "$WORK/out.tsv" | sort | uniq -d) ]] || fail "duplicate rows"
expect_text "[copy] Completed"
! grep -rq "hunter2" "$WORK/out" "$WORK/data" || fail "the secret reached the output or the data directory"
pass "--run copies every row once; the secret is nowhere in the output or the meta store"

expect_exit 2 "$FERRYD" --config "$WORK/ferryd.toml" --run nosuch
expect_line "ferryd: $WORK/ferryd.toml has no task 'nosuch' (tasks: copy)"
pass "--run of an unknown task exits 2 and lists the tasks"

"$FERRYD" --config "$WORK/ferryd.toml" >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do grep -q "started" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q "started" "$WORK/daemon.log" || { cat "$WORK/daemon.log"; fail "daemon did not start"; }
expect_exit 3 "$FERRYD" --config "$WORK/ferryd.toml" --run copy
expect_text "ferryd: data directory '$WORK/data' is in use by another ferryd (pid $DAEMON_PID, started "
kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=""
[[ $rc -eq 0 ]] || fail "daemon exited $rc on SIGTERM"
pass "a second ferryd on the same data directory is refused with the holder's pid"

write_config "$WORK/slow.toml" 100000 5
rm -f "$WORK/out.tsv"
"$FERRYD" --config "$WORK/slow.toml" --run copy >"$WORK/out" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 100); do [[ -s "$WORK/out.tsv" ]] && break; sleep 0.1; done
kill -TERM "$RUN_PID"
rc=0
wait "$RUN_PID" || rc=$?
[[ $rc -eq 130 ]] || { cat "$WORK/out"; fail "SIGTERM mid-run exited $rc, expected 130"; }
expect_text "ferryd: task 'copy' stopped before it finished; run it again to resume"
rows=$(wc -l <"$WORK/out.tsv")
[[ $rows -gt 0 && $rows -lt 200000 ]] || fail "expected a partial copy, got $rows rows"
pass "SIGTERM stops the task at a batch boundary and exits 130 ($rows rows copied)"

# The operator's object commands: a task without objects lists none; bad operations and
# unknown objects are refused with the reason.
expect_exit 0 "$FERRYD" --config "$WORK/slow.toml" --objects copy list
expect_line "0 object(s)"
expect_exit 0 "$FERRYD" --config "$WORK/slow.toml" --objects copy
expect_line "0 object(s)"
expect_exit 1 "$FERRYD" --config "$WORK/slow.toml" --objects copy ddl table:a.b
expect_line "ferryd: task 'copy' has no object 'table:a.b'"
expect_exit 2 "$FERRYD" --config "$WORK/slow.toml" --objects copy frobnicate
expect_text "--objects TASK_ID takes one of: list [errors]"
expect_exit 2 "$FERRYD" --config "$WORK/slow.toml" --objects nosuch list
expect_text "has no task 'nosuch'"
expect_exit 0 "$FERRYD" --config "$WORK/slow.toml" --objects copy export-schema
expect_line "-- ferry: the schema of task 'copy'"
pass "--objects lists, refuses unknown objects and operations, exports the schema"

# --release: what a task holds on its source. The fake source holds nothing (its release is the
# SDK's default, which drops nothing); an unknown task and extra arguments are refused; the
# event and the Released state are in the meta store.
expect_exit 0 "$FERRYD" --config "$WORK/slow.toml" --release copy
expect_line "released task 'copy' (source 'fake'): nothing was left to release"
expect_exit 2 "$FERRYD" --config "$WORK/slow.toml" --release nosuch
expect_line "ferryd: $WORK/slow.toml has no task 'nosuch' (tasks: copy)"
expect_exit 2 "$FERRYD" --config "$WORK/slow.toml" --release copy extra
expect_text "unexpected argument 'extra'"
expect_exit 2 "$FERRYD" --config "$WORK/slow.toml" --release copy --run copy
expect_text "exclude each other"
if command -v sqlite3 >/dev/null; then
  [[ $(sqlite3 "$WORK/data/meta.db" "SELECT state FROM tasks WHERE id = 'copy'") == "Released" ]] ||
    fail "the released task is not marked Released"
  sqlite3 "$WORK/data/meta.db" "SELECT level, stage, message FROM events WHERE task_id = 'copy'" \
    >"$WORK/out"
  expect_line "info|release|task released on its source ('fake'): nothing was left to release"
else
  echo "note: sqlite3 is not installed: the release event in the meta store was not checked"
fi
pass "--release of a source that holds nothing, an unknown task, bad usage"

# --release of a PostgreSQL source drops the task's slot and the publication ferry created for
# it, against the test bed's server; a second release finds nothing left.
if [[ -n "${FERRY_TEST_PG_DSN:-}" && -e "$PLUGINS/ferry-postgres.so" ]] && command -v psql >/dev/null; then
  PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER="" PG_DB=postgres
  for kv in $FERRY_TEST_PG_DSN; do
    case "${kv%%=*}" in
      host) PG_HOST=${kv#*=} ;; port) PG_PORT=${kv#*=} ;; user) PG_USER=${kv#*=} ;;
      password) export FERRY_CLI_PG_PASSWORD=${kv#*=} ;; dbname) PG_DB=${kv#*=} ;;
    esac
  done
  cat >"$WORK/pg.toml" <<TOML
[server]
data_dir = "$WORK/pgdata"
plugin_dir = "$PLUGINS"

[[task]]
id = "cli_release"
types = ["full"]
[task.source]
plugin = "postgres"
host = "$PG_HOST"
port = $PG_PORT
user = "$PG_USER"
password_env = "FERRY_CLI_PG_PASSWORD"
database = "$PG_DB"
[task.destination]
plugin = "fake"
output = "$WORK/pg-out.tsv"
[[task.stage]]
name = "full-import"
component = "snapshot-reader"
[[task.stage]]
name = "full-import-write"
component = "bulk-writer"
inputs = ["full-import"]
TOML
  pg() { psql "$FERRY_TEST_PG_DSN" -v ON_ERROR_STOP=1 -qAtc "$1"; }
  pg "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'ferry_cli_release'" >/dev/null
  pg "DROP PUBLICATION IF EXISTS ferry_cli_release"
  pg "DROP TABLE IF EXISTS public.ferry_cli_release_t"
  pg "CREATE TABLE public.ferry_cli_release_t (id int PRIMARY KEY)"
  # What snapshot_position leaves on the server: the publication with ferry's comment, the slot.
  pg "CREATE PUBLICATION ferry_cli_release FOR TABLE public.ferry_cli_release_t"
  pg "COMMENT ON PUBLICATION ferry_cli_release IS 'created by ferry for task cli_release; dropped when the task is released'"
  pg "SELECT pg_create_logical_replication_slot('ferry_cli_release', 'pgoutput')" >/dev/null
  expect_exit 0 "$FERRYD" --config "$WORK/pg.toml" --release cli_release
  expect_line "released task 'cli_release' (source 'postgres'):"
  expect_line "  replication slot ferry_cli_release dropped"
  expect_line "  publication ferry_cli_release dropped"
  [[ $(pg "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ferry_cli_release'") == 0 ]] ||
    fail "the slot is still there after --release"
  [[ $(pg "SELECT count(*) FROM pg_publication WHERE pubname = 'ferry_cli_release'") == 0 ]] ||
    fail "the publication is still there after --release"
  expect_exit 0 "$FERRYD" --config "$WORK/pg.toml" --release cli_release
  expect_line "released task 'cli_release' (source 'postgres'): nothing was left to release"
  # A publication that is not ferry's (no comment) stays, and says so.
  pg "CREATE PUBLICATION ferry_cli_release FOR TABLE public.ferry_cli_release_t"
  expect_exit 0 "$FERRYD" --config "$WORK/pg.toml" --release cli_release
  expect_line "  publication ferry_cli_release was not created by ferry for this task: left in place"
  [[ $(pg "SELECT count(*) FROM pg_publication WHERE pubname = 'ferry_cli_release'") == 1 ]] ||
    fail "--release dropped a publication ferry did not create"
  pg "DROP PUBLICATION ferry_cli_release"
  pg "DROP TABLE public.ferry_cli_release_t"
  pass "--release drops a PostgreSQL task's slot and publication, and is idempotent"
elif [[ -n "${CI:-}" && "${CI}" != "0" && "${CI}" != "false" ]]; then
  fail "FERRY_TEST_PG_DSN is not set (or the postgres plugin is not built): the PostgreSQL --release check cannot run under CI"
else
  echo "skipped: --release against PostgreSQL (FERRY_TEST_PG_DSN not set, or no postgres plugin)"
fi

cat >"$WORK/refuse.toml" <<TOML
[server]
data_dir = "$WORK/data2"
plugin_dir = "$BROKEN/duplicate"
TOML
expect_exit 1 "$FERRYD" --config "$WORK/refuse.toml" --list-plugins
ABI_MINOR=$(sed -n 's/^#define FERRY_ABI_MINOR \([0-9]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../sdk/include/ferry/abi.h")
expect_text "dup-a 1.0.0  ABI 1.$ABI_MINOR  kinds: source"
expect_text "refused: $(cd "$BROKEN/duplicate" && pwd -P)/ferry-dup-b.so: plugin 'dup-b' 2.0.0: component 'dup' (source) is already provided by plugin 'dup-a' 1.0.0"
pass "--list-plugins lists what loaded, names what was refused, and exits 1"
# The annotated example in config/ stays valid (with this build's plugin directory).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sed -e "s|^plugin_dir = .*|plugin_dir = \"$PLUGINS\"|" -e "s|^data_dir = .*|data_dir = \"$WORK/ex\"|" \
  "$ROOT/config/ferryd.example.toml" >"$WORK/example.toml"
SRC_PASSWORD=example DST_PASSWORD=example expect_exit 0 "$FERRYD" --config "$WORK/example.toml" --check-config
pass "config/ferryd.example.toml passes --check-config"
echo "all ferryd CLI checks passed"
