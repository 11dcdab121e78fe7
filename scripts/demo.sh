#!/usr/bin/env bash
# The demo: a real migration between throwaway servers.
#
#   1. installs what is missing (scripts/deps.sh) and builds ferryd and its plugins;
#   2. starts a throwaway MariaDB and PostgreSQL on free loopback ports (scripts/testbed.sh),
#      in a temporary directory removed at the end;
#   3. loads the sample database `shop` into MariaDB (scripts/demo/shop.sql: five tables with
#      auto-increment, string and composite keys, a keyless table, indexes, foreign keys,
#      CHECKs, ENUM, JSON, DECIMAL, fractional timestamps, TEXT/BLOB, a view, comments);
#   4. runs the task of config/demo.toml — schema migration, then full data migration,
#      MariaDB → PostgreSQL — with `ferryd --run demo`;
#   5. prints what was migrated (`ferryd --objects demo list`, the tables as PostgreSQL now
#      has them, the view on both sides) and compares the two sides table by table; exits 1
#      when anything differs.
#
# Environment: FERRY_BUILD_DIR (default build); FERRY_DEMO_KEEP=1 keeps the servers and the
# work directory for a look around (the script prints how to reach and stop them);
# FERRY_DEMO_PREBUILT=1 skips the install and the build (the test suite runs the demo so).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${FERRY_BUILD_DIR:-build}"
cd "$ROOT"

step() { printf '\n== %s\n' "$*"; }
die() {
  echo "demo: FAILED: $*" >&2
  exit 1
}

if [[ "${FERRY_DEMO_PREBUILT:-0}" != 1 ]]; then
  step "dependencies (apt-get, skipped when present)"
  scripts/deps.sh
  step "build"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target ferryd ferry_plugin_mysql \
    ferry_plugin_postgres ferry_plugin_schema ferry_plugin_full-import
fi
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-demo.XXXXXX")"
chmod 755 "$WORK"
export FERRY_TESTBED_DIR="$WORK/servers"
cleanup() {
  if [[ "${FERRY_DEMO_KEEP:-0}" == 1 ]]; then
    echo
    echo "kept: $WORK (servers: source $FERRY_TESTBED_DIR/env; stop: FERRY_TESTBED_DIR=$FERRY_TESTBED_DIR scripts/testbed.sh stop)"
    return
  fi
  scripts/testbed.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "throwaway MariaDB and PostgreSQL (scripts/testbed.sh)"
scripts/testbed.sh start >/dev/null
# shellcheck disable=SC1091
source "$FERRY_TESTBED_DIR/env"
# One key=value field of a libpq-style DSN.
dsn() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
MY_PORT=$(dsn "$FERRY_TEST_MYSQL_DSN" port)
MY_USER=$(dsn "$FERRY_TEST_MYSQL_DSN" user)
PG_PORT=$(dsn "$FERRY_TEST_PG_DSN" port)
PG_USER=$(dsn "$FERRY_TEST_PG_DSN" user)
PG_DB=$(dsn "$FERRY_TEST_PG_DSN" dbname)
export FERRY_DEMO_MY_PASSWORD FERRY_DEMO_PG_PASSWORD
FERRY_DEMO_MY_PASSWORD=$(dsn "$FERRY_TEST_MYSQL_DSN" password)
FERRY_DEMO_PG_PASSWORD=$(dsn "$FERRY_TEST_PG_DSN" password)
echo "MariaDB on 127.0.0.1:$MY_PORT, PostgreSQL on 127.0.0.1:$PG_PORT"
my() { MYSQL_PWD="$FERRY_DEMO_MY_PASSWORD" mariadb -h127.0.0.1 -P"$MY_PORT" -u"$MY_USER" "$@"; }
pg() {
  PGPASSWORD="$FERRY_DEMO_PG_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" "$@"
}

step "the sample database 'shop' in MariaDB (scripts/demo/shop.sql)"
my <scripts/demo/shop.sql >/dev/null
my -t shop -e "SELECT table_name AS \`table\`, table_rows AS \`rows (estimate)\`, table_comment AS \`comment\`
  FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY table_type, table_name"

FERRYD="$BUILD_DIR/bin/ferryd"
sed -e "s|@DATA_DIR@|$WORK/data|" -e "s|@PLUGIN_DIR@|$BUILD_DIR/lib/ferry/plugins|" \
  -e "s|@MY_PORT@|$MY_PORT|" -e "s|@MY_USER@|$MY_USER|" -e "s|@PG_PORT@|$PG_PORT|" \
  -e "s|@PG_USER@|$PG_USER|" -e "s|@PG_DB@|$PG_DB|" config/demo.toml >"$WORK/ferryd.toml"

step "ferryd --check-config"
"$FERRYD" --config "$WORK/ferryd.toml" --check-config

step "ferryd --run demo (schema migration, then full data migration)"
"$FERRYD" --config "$WORK/ferryd.toml" --run demo

step "what was migrated: ferryd --objects demo list"
"$FERRYD" --config "$WORK/ferryd.toml" --objects demo list

step "shop.orders as PostgreSQL has it"
pg -c '\d shop.orders'

step "the view shop.customer_spend, top 3, on both sides"
TOP3="SELECT customer_id, email, orders, spent FROM shop.customer_spend ORDER BY spent DESC, customer_id LIMIT 3"
echo "MariaDB:"
my -t -e "$TOP3"
echo "PostgreSQL:"
pg -c "$TOP3"

step "both sides compared, table by table"
# The same figures computed by each engine; equal figures on every line, or the demo fails.
MY_CHECKS=(
  "customers|SELECT CONCAT_WS(' ', COUNT(*), COUNT(DISTINCT email), SUM(vip), COUNT(profile), SUM(CHAR_LENGTH(full_name)), MAX(signed_up)) FROM shop.customers"
  "products|SELECT CONCAT_WS(' ', COUNT(*), SUM(price), COUNT(weight_kg), SUM(status = 'discontinued'), SUM(CHAR_LENGTH(description)), SUM(LENGTH(thumbnail))) FROM shop.products"
  "orders|SELECT CONCAT_WS(' ', COUNT(*), SUM(total), COUNT(ship_date), SUM(state = 'cancelled'), SUM(CHAR_LENGTH(note)), MAX(id)) FROM shop.orders"
  "order_items|SELECT CONCAT_WS(' ', COUNT(*), SUM(qty), SUM(qty * unit_price), COUNT(DISTINCT sku)) FROM shop.order_items"
  "audit_log|SELECT CONCAT_WS(' ', COUNT(*), COUNT(actor), SUM(action = 'refund'), MIN(at), MAX(at)) FROM shop.audit_log"
)
PG_CHECKS=(
  "SELECT concat_ws(' ', count(*), count(DISTINCT email), sum(vip), count(profile), sum(char_length(full_name)), to_char(max(signed_up), 'YYYY-MM-DD HH24:MI:SS.MS')) FROM shop.customers"
  "SELECT concat_ws(' ', count(*), sum(price), count(weight_kg), sum((status = 'discontinued')::int), sum(char_length(description)), sum(octet_length(thumbnail))) FROM shop.products"
  "SELECT concat_ws(' ', count(*), sum(total), count(ship_date), sum((state = 'cancelled')::int), sum(char_length(note)), max(id)) FROM shop.orders"
  "SELECT concat_ws(' ', count(*), sum(qty), sum(qty * unit_price), count(DISTINCT sku)) FROM shop.order_items"
  "SELECT concat_ws(' ', count(*), count(actor), sum((action = 'refund')::int), min(at), max(at)) FROM shop.audit_log"
)
bad=0
printf '  %-12s %-62s %s\n' table "rows and checks (MariaDB | PostgreSQL)" ""
for i in "${!MY_CHECKS[@]}"; do
  table=${MY_CHECKS[$i]%%|*}
  a=$(my -N -e "${MY_CHECKS[$i]#*|}")
  b=$(pg -At -c "${PG_CHECKS[$i]}")
  verdict=same
  [[ "$a" == "$b" ]] || { verdict=DIFFERENT; bad=1; }
  printf '  %-12s %s\n  %-12s %s   %s\n' "$table" "$a" "" "$b" "$verdict"
done
echo
echo "The checks above are aggregates; row-by-row verification arrives with the verification"
echo "component. Data directory of this run: $WORK/data (removed at exit unless FERRY_DEMO_KEEP=1)."
[[ $bad == 0 ]] || die "the two sides differ"
echo "demo: OK"
