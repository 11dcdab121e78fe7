#!/usr/bin/env bash
# The test bed: throwaway MariaDB 10.11 and PostgreSQL 15 servers for the integration tests.
#
# Usage: scripts/testbed.sh start|stop|status|env
#
#   start   Start both servers on free loopback ports, create the `ferry` accounts and write
#           $FERRY_TESTBED_DIR/env (mode 0600), then print it. When the test bed is already
#           running, only print the env. When a server of an existing test bed has died (a
#           test killed it), start it again on the same port with the same data.
#   stop    Stop both servers and remove $FERRY_TESTBED_DIR.
#   status  Say what runs; exit 0 when both servers run, 3 otherwise.
#   env     Print the env file: `source <(scripts/testbed.sh env)` or
#           `source "$FERRY_TESTBED_DIR/env"`.
#
# Environment:
#   FERRY_TESTBED_DIR  where the servers keep everything (default ${TMPDIR:-/tmp}/ferry-testbed-$UID)
#   FERRY_PGBIN        PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#
# Needs the packages of scripts/deps.sh. As root, mariadbd runs as root and PostgreSQL as the
# `postgres` system user; otherwise both run as the current user. No systemd, no Docker.
set -euo pipefail
umask 022
# mariadbd and runuser live in /usr/sbin, which is not on an ordinary user's PATH on Debian.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

readonly SELF="testbed.sh"
readonly PGBIN="${FERRY_PGBIN:-/usr/lib/postgresql/15/bin}"
readonly START_TIMEOUT=60
readonly STOP_TIMEOUT=60
# Ports are drawn from below Linux's default ephemeral range (32768-60999), so an outgoing
# connection rarely holds one; a port taken between the check and the bind is retried.
readonly PORT_MIN=20000
readonly PORT_SPAN=12000
readonly PORT_ATTEMPTS=5

DIR="${FERRY_TESTBED_DIR:-${TMPDIR:-/tmp}/ferry-testbed-$UID}"
[[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
DIR="${DIR%/}"
readonly DIR
readonly MARKER="$DIR/.ferry-testbed"
readonly STATE="$DIR/state"
readonly ENV_FILE="$DIR/env"
readonly MY="$DIR/mysql"
readonly MY_DATA="$MY/data"
readonly MY_SOCK="$MY/mysqld.sock"
readonly MY_PID="$MY/mysqld.pid"
readonly MY_LOG="$MY/error.log"
readonly MY_CLIENT_CNF="$MY/client.cnf"
readonly PG="$DIR/pg"
readonly PG_DATA="$PG/data"
readonly PG_RUN="$PG/run"
readonly PG_LOG="$PG/server.log"

OS_USER="$(id -un)"
readonly OS_USER
IS_ROOT=0
[[ "$(id -u)" -eq 0 ]] && IS_ROOT=1
readonly IS_ROOT

# Filled by load_state or by a fresh start.
MY_PORT=""
PG_PORT=""
MY_PASSWORD=""
PG_PASSWORD=""

die() {
  echo "$SELF: error: $*" >&2
  exit 1
}

say() {
  echo "$SELF: $*" >&2
}

# ---------------------------------------------------------------------------------------------
# helpers

# Runs "$@" as the user that owns the PostgreSQL cluster (initdb and pg_ctl refuse root).
as_pg() {
  if [[ "$IS_ROOT" -eq 1 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

random_password() {
  od -An -N18 -tx1 /dev/urandom | tr -d ' \n'
}

port_in_use() {
  [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# Prints a port nobody listens on; never $1.
pick_port() {
  local avoid="${1:-}" port i
  for ((i = 0; i < 500; i++)); do
    port=$((PORT_MIN + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
    [[ "$port" != "$avoid" ]] || continue
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  die "found no free TCP port in $PORT_MIN-$((PORT_MIN + PORT_SPAN - 1)) on 127.0.0.1"
}

# True when process $1 is alive and its command line mentions $2 (guards against pid reuse).
process_matches() {
  local pid="$1" needle="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$needle"* ]]
}

# True while process $1 exists and is not a zombie (a server this script launched and has not
# reaped yet is a zombie once it exits).
process_alive() {
  local stat
  stat="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$stat" && "$stat" != Z* ]]
}

# Waits up to $2 seconds for process $1 to exit; true when it did.
wait_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while process_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

file_size() {
  stat -c %s "$1" 2>/dev/null || echo 0
}

# Prints what was appended to file $1 after it was $2 bytes long.
log_since() {
  tail -c "+$(($2 + 1))" "$1" 2>/dev/null || true
}

print_log() { # $1 = file, $2 = what
  echo "----- last lines of $2 ($1) -----" >&2
  tail -n 60 "$1" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----" >&2
}

# Writes stdin to $1 with mode 0600.
write_secret_file() {
  (
    umask 077
    cat >"$1"
  )
}

# ---------------------------------------------------------------------------------------------
# state

load_state() {
  [[ -f "$STATE" ]] || return 1
  # shellcheck source=/dev/null
  source "$STATE"
  [[ -n "$MY_PORT" && -n "$PG_PORT" && -n "$MY_PASSWORD" && -n "$PG_PASSWORD" ]]
}

save_state() {
  write_secret_file "$STATE" <<EOF
MY_PORT=$MY_PORT
PG_PORT=$PG_PORT
MY_PASSWORD=$MY_PASSWORD
PG_PASSWORD=$PG_PASSWORD
EOF
}

write_env_file() {
  write_secret_file "$ENV_FILE.tmp" <<EOF
# ferry test bed (scripts/testbed.sh): source this file before running the integration tests.
export FERRY_TESTBED_DIR=$(printf '%q' "$DIR")
export FERRY_TEST_MYSQL_DSN="host=127.0.0.1 port=$MY_PORT user=ferry password=$MY_PASSWORD"
export FERRY_TEST_MYSQL_PORT=$MY_PORT
export FERRY_TEST_PG_DSN="host=127.0.0.1 port=$PG_PORT user=ferry password=$PG_PASSWORD dbname=ferry"
export FERRY_TEST_PG_PORT=$PG_PORT
EOF
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# MariaDB

mysql_pid() {
  local pid
  pid="$(cat "$MY_PID" 2>/dev/null)" || return 1
  process_matches "$pid" "$MY_DATA" || return 1
  echo "$pid"
}

mysql_running() {
  mysql_pid >/dev/null
}

mysql_init() {
  mkdir -p "$MY_DATA"
  local -a args=(--no-defaults --datadir="$MY_DATA" --auth-root-socket-user="$OS_USER"
    --skip-test-db --skip-name-resolve)
  [[ "$IS_ROOT" -eq 1 ]] && args+=(--user=root)
  if ! mariadb-install-db "${args[@]}" >"$MY/install.log" 2>&1; then
    print_log "$MY/install.log" "mariadb-install-db"
    die "mariadb-install-db failed (is mariadb-server installed? run scripts/deps.sh)"
  fi
}

# Starts mariadbd on $MY_PORT and waits until it answers on its socket.
# Returns 2 when the port was taken, dies on any other failure.
mysql_launch() {
  local -a args=(
    --no-defaults
    --datadir="$MY_DATA" --socket="$MY_SOCK" --pid-file="$MY_PID" --log-error="$MY_LOG"
    --port="$MY_PORT" --bind-address=127.0.0.1 --skip-name-resolve
    --log-bin="$MY_DATA/binlog" --binlog-format=ROW --binlog-row-image=FULL --server-id=1
    --gtid-strict-mode=1 --log-slave-updates
    --local-infile=1
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
    --default-time-zone=+00:00
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2
    --max-allowed-packet=64M
  )
  [[ "$IS_ROOT" -eq 1 ]] && args+=(--user=root)

  rm -f "$MY_PID"
  local log_offset
  log_offset="$(file_size "$MY_LOG")"
  # fd 9 holds the test bed lock: the server must not inherit it.
  mariadbd "${args[@]}" </dev/null >>"$MY_LOG" 2>&1 9<&- &
  local pid=$! deadline=$((SECONDS + START_TIMEOUT))

  while ! mariadb-admin --no-defaults --socket="$MY_SOCK" --user="$OS_USER" \
    --connect-timeout=2 ping >/dev/null 2>&1; do
    if ! process_alive "$pid"; then
      wait "$pid" 2>/dev/null || true
      if log_since "$MY_LOG" "$log_offset" | grep -q -e 'Address already in use' -e 'Bind on TCP/IP port'; then
        return 2
      fi
      print_log "$MY_LOG" "the MariaDB error log"
      die "mariadbd exited during startup; see the log above"
    fi
    if ((SECONDS >= deadline)); then
      print_log "$MY_LOG" "the MariaDB error log"
      kill "$pid" 2>/dev/null || true
      die "MariaDB did not accept connections within ${START_TIMEOUT}s; see the log above"
    fi
    sleep 0.5
  done
}

# Picks a port and starts mariadbd, trying another port when the chosen one is taken.
mysql_launch_on_free_port() {
  local attempt rc
  for ((attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)); do
    MY_PORT="$(pick_port)"
    rc=0
    mysql_launch || rc=$?
    [[ "$rc" -eq 0 ]] && return 0
    say "port $MY_PORT was taken, trying another one"
  done
  die "could not bind MariaDB to a free port after $PORT_ATTEMPTS attempts"
}

mysql_create_account() {
  # The password goes through stdin, never through argv. No binlog entry: CDC tests reading
  # the binlog from its start see only their own events.
  mariadb --no-defaults --socket="$MY_SOCK" --user="$OS_USER" --batch <<SQL
SET SESSION sql_log_bin = 0;
CREATE USER 'ferry'@'127.0.0.1' IDENTIFIED BY '$MY_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'ferry'@'127.0.0.1' WITH GRANT OPTION;
SQL
}

write_mysql_client_cnf() {
  write_secret_file "$MY_CLIENT_CNF" <<EOF
# mariadb --defaults-file=$MY_CLIENT_CNF   (the ferry account over TCP)
[client]
host=127.0.0.1
port=$MY_PORT
user=ferry
password=$MY_PASSWORD
EOF
}

mysql_check_login() {
  local out
  if ! out="$(mariadb --defaults-file="$MY_CLIENT_CNF" --batch --skip-column-names \
    -e 'SELECT CURRENT_USER()' 2>&1)"; then
    echo "$out" >&2
    print_log "$MY_LOG" "the MariaDB error log"
    die "cannot log in to MariaDB on 127.0.0.1:$MY_PORT as ferry"
  fi
}

mysql_stop() {
  local pid
  if ! pid="$(mysql_pid)"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" "$STOP_TIMEOUT"; then
    say "mariadbd (pid $pid) did not stop within ${STOP_TIMEOUT}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || die "mariadbd (pid $pid) does not die"
  fi
  say "stopped MariaDB (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_pid() {
  local pid
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null)" || return 1
  process_matches "$pid" "$PG_DATA" || return 1
  echo "$pid"
}

pg_running() {
  pg_pid >/dev/null
}

# The settings the test bed owns, in a file postgresql.conf includes; rewritten per start so
# the port can change when the first one was taken.
write_pg_conf() {
  cat >"$PG_DATA/ferry_testbed.conf" <<EOF
# written by scripts/testbed.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
# Durability stays at the defaults (fsync, synchronous_commit on): crash tests kill servers and
# must not lose commits a client was told had succeeded.
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  [[ "$IS_ROOT" -eq 1 ]] && chown postgres:postgres "$PG_DATA/ferry_testbed.conf"
  return 0
}

pg_init() {
  mkdir -p "$PG_DATA" "$PG_RUN"
  chmod 0755 "$PG" "$PG_RUN"
  chmod 0700 "$PG_DATA"
  if [[ "$IS_ROOT" -eq 1 ]]; then
    id postgres >/dev/null 2>&1 ||
      die "there is no 'postgres' system user: install postgresql-15 (scripts/deps.sh)"
    chown -R postgres:postgres "$PG"
    runuser -u postgres -- test -w "$PG_RUN" ||
      die "the postgres user cannot reach $PG (is a parent of $DIR private?): set FERRY_TESTBED_DIR to a directory under /tmp"
  fi

  local pwfile="$PG/superuser.pw"
  printf '%s\n' "$1" | write_secret_file "$pwfile"
  [[ "$IS_ROOT" -eq 1 ]] && chown postgres:postgres "$pwfile"
  if ! as_pg "$PGBIN/initdb" -D "$PG_DATA" -U postgres -A scram-sha-256 --pwfile="$pwfile" \
    -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >"$PG/initdb.log" 2>&1; then
    rm -f "$pwfile"
    print_log "$PG/initdb.log" "initdb"
    die "initdb failed (is postgresql-15 installed? run scripts/deps.sh)"
  fi
  rm -f "$pwfile"

  printf "\ninclude = 'ferry_testbed.conf'\n" >>"$PG_DATA/postgresql.conf"
  # initdb's pg_hba.conf already admits local and 127.0.0.1 connections with scram-sha-256;
  # the replication line for ferry goes first so that it is explicit.
  {
    echo "host    replication     ferry           127.0.0.1/32            scram-sha-256"
    cat "$PG_DATA/pg_hba.conf"
  } >"$PG_DATA/pg_hba.conf.new"
  mv -f "$PG_DATA/pg_hba.conf.new" "$PG_DATA/pg_hba.conf"
  chmod 0600 "$PG_DATA/pg_hba.conf"
  [[ "$IS_ROOT" -eq 1 ]] && chown postgres:postgres "$PG_DATA/pg_hba.conf"
  return 0
}

# Starts PostgreSQL on $PG_PORT and waits until it accepts connections.
# Returns 2 when the port was taken, dies on any other failure.
pg_launch() {
  write_pg_conf
  touch "$PG_LOG"
  [[ "$IS_ROOT" -eq 1 ]] && chown postgres:postgres "$PG_LOG"
  local log_offset
  log_offset="$(file_size "$PG_LOG")"
  # pg_ctl puts the postmaster in its own session; fd 9 (the lock) must not reach it.
  if ! as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" start \
    >"$PG/pg_ctl.log" 2>&1 9<&-; then
    if ! pg_running && log_since "$PG_LOG" "$log_offset" | grep -q 'Address already in use'; then
      return 2
    fi
    cat "$PG/pg_ctl.log" >&2
    print_log "$PG_LOG" "the PostgreSQL server log"
    if pg_running; then
      as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 9<&- || true
    fi
    die "PostgreSQL did not accept connections within ${START_TIMEOUT}s; see the log above"
  fi
}

pg_launch_on_free_port() {
  local attempt rc
  for ((attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)); do
    PG_PORT="$(pick_port "$MY_PORT")"
    rc=0
    pg_launch || rc=$?
    [[ "$rc" -eq 0 ]] && return 0
    say "port $PG_PORT was taken, trying another one"
  done
  die "could not bind PostgreSQL to a free port after $PORT_ATTEMPTS attempts"
}

pg_create_account() { # $1 = the bootstrap superuser's password
  PGPASSWORD="$1" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" \
    -U postgres -d postgres >/dev/null <<SQL
CREATE ROLE ferry LOGIN SUPERUSER REPLICATION PASSWORD '$PG_PASSWORD';
CREATE DATABASE ferry OWNER ferry;
SQL
}

pg_check_login() {
  local out
  if ! out="$(PGPASSWORD="$PG_PASSWORD" "$PGBIN/psql" -X -At \
    "host=127.0.0.1 port=$PG_PORT user=ferry dbname=ferry connect_timeout=5" \
    -c 'SELECT current_user' 2>&1)"; then
    echo "$out" >&2
    print_log "$PG_LOG" "the PostgreSQL server log"
    die "cannot log in to PostgreSQL on 127.0.0.1:$PG_PORT as ferry"
  fi
}

pg_stop() {
  local pid
  if ! pid="$(pg_pid)"; then
    return 0
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1; then
    say "PostgreSQL (pid $pid) did not stop within ${STOP_TIMEOUT}s; stopping it immediately"
    as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if ! wait_exit "$pid" 10; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || die "postgres (pid $pid) does not die"
  fi
  say "stopped PostgreSQL (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# commands

check_tools() {
  local tool
  for tool in mariadbd mariadb-install-db mariadb mariadb-admin ss flock od ps; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: run scripts/deps.sh"
  done
  [[ -x "$PGBIN/initdb" && -x "$PGBIN/pg_ctl" && -x "$PGBIN/psql" ]] ||
    die "PostgreSQL 15 not found in $PGBIN: run scripts/deps.sh (or set FERRY_PGBIN)"
  if [[ "$IS_ROOT" -eq 1 ]]; then
    command -v runuser >/dev/null 2>&1 || die "'runuser' not found: run scripts/deps.sh"
  fi
  # Unix socket paths are limited to 107 bytes.
  ((${#PG_RUN} + 20 <= 107)) ||
    die "FERRY_TESTBED_DIR is too long for a unix socket path ($DIR): choose a shorter one"
}

# Serializes start and stop of test beds (flock on the parent directory leaves no file behind).
take_lock() {
  local parent
  parent="$(dirname "$DIR")"
  mkdir -p "$parent"
  exec 9<"$parent"
  flock -w 300 9 || die "another testbed.sh start/stop holds the lock on $parent for 5 minutes"
}

# Refuses to touch a directory that is not a test bed.
check_dir_is_testbed() {
  if [[ -e "$DIR" && ! -f "$MARKER" ]]; then
    die "$DIR exists but is not a ferry test bed: remove it or set FERRY_TESTBED_DIR elsewhere"
  fi
}

teardown() {
  mysql_stop || true
  pg_stop || true
  if [[ -f "$MARKER" ]]; then
    rm -rf -- "$DIR"
  fi
}

FRESH_START_DONE=1
on_start_exit() {
  local rc=$?
  if [[ "$FRESH_START_DONE" -eq 0 ]]; then
    say "start failed; removing the half-made test bed"
    teardown
  fi
  exit "$rc"
}

fresh_start() {
  FRESH_START_DONE=0
  trap on_start_exit EXIT
  mkdir -p "$DIR"
  chmod 0755 "$DIR"
  touch "$MARKER"
  if [[ "$IS_ROOT" -eq 1 ]] && ! runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
    die "the postgres user cannot reach $DIR (a parent directory is private): set FERRY_TESTBED_DIR or TMPDIR to a directory under /tmp"
  fi
  mkdir -p "$MY"

  MY_PASSWORD="$(random_password)"
  PG_PASSWORD="$(random_password)"
  local pg_superuser_password
  pg_superuser_password="$(random_password)"

  say "initializing MariaDB in $MY_DATA"
  mysql_init
  mysql_launch_on_free_port
  mysql_create_account
  write_mysql_client_cnf
  mysql_check_login

  say "initializing PostgreSQL in $PG_DATA"
  pg_init "$pg_superuser_password"
  pg_launch_on_free_port
  pg_create_account "$pg_superuser_password"
  pg_check_login

  save_state
  write_env_file
  FRESH_START_DONE=1
  trap - EXIT
}

# Starts the servers of an existing test bed that are not running, on their recorded ports.
restart_stopped() {
  local rc
  if ! mysql_running; then
    port_in_use "$MY_PORT" && die "MariaDB's port $MY_PORT is taken by another process: run '$0 stop' and start again"
    say "starting MariaDB again on port $MY_PORT"
    rc=0
    mysql_launch || rc=$?
    [[ "$rc" -eq 0 ]] || die "MariaDB's port $MY_PORT is taken by another process: run '$0 stop' and start again"
  fi
  if ! pg_running; then
    port_in_use "$PG_PORT" && die "PostgreSQL's port $PG_PORT is taken by another process: run '$0 stop' and start again"
    say "starting PostgreSQL again on port $PG_PORT"
    rc=0
    pg_launch || rc=$?
    [[ "$rc" -eq 0 ]] || die "PostgreSQL's port $PG_PORT is taken by another process: run '$0 stop' and start again"
  fi
  mysql_check_login
  pg_check_login
  write_env_file
}

cmd_start() {
  check_tools
  take_lock
  check_dir_is_testbed
  if [[ -f "$MARKER" ]] && load_state && [[ -d "$MY_DATA/mysql" && -f "$PG_DATA/PG_VERSION" ]]; then
    if mysql_running && pg_running && [[ -f "$ENV_FILE" ]]; then
      say "already running in $DIR"
    else
      restart_stopped
    fi
  else
    if [[ -f "$MARKER" ]]; then
      say "$DIR holds an incomplete test bed; starting over"
      teardown
    fi
    fresh_start
  fi
  say "MariaDB on 127.0.0.1:$MY_PORT, PostgreSQL on 127.0.0.1:$PG_PORT; env file: $ENV_FILE"
  cat "$ENV_FILE"
}

cmd_stop() {
  take_lock
  if [[ ! -e "$DIR" ]]; then
    say "no test bed in $DIR"
    return 0
  fi
  check_dir_is_testbed
  teardown
  say "removed $DIR"
}

cmd_status() {
  local pid ok=1
  if [[ ! -f "$MARKER" ]]; then
    echo "no test bed in $DIR"
    return 3
  fi
  load_state || true
  if pid="$(mysql_pid)"; then
    echo "mariadb:    running (pid $pid) on 127.0.0.1:${MY_PORT:-?}, data $MY_DATA"
  else
    echo "mariadb:    not running (log: $MY_LOG)"
    ok=0
  fi
  if pid="$(pg_pid)"; then
    echo "postgresql: running (pid $pid) on 127.0.0.1:${PG_PORT:-?}, data $PG_DATA"
  else
    echo "postgresql: not running (log: $PG_LOG)"
    ok=0
  fi
  echo "env file:   $ENV_FILE"
  [[ "$ok" -eq 1 ]] || return 3
}

cmd_env() {
  [[ -f "$ENV_FILE" ]] || die "no test bed in $DIR: run scripts/testbed.sh start"
  cat "$ENV_FILE"
}

usage() { # $1 = exit status
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit "$1"
}

main() {
  case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h | --help | help) usage 0 ;;
    *)
      echo "$SELF: unknown command '${1:-}'" >&2
      usage 2
      ;;
  esac
}

main "$@"
