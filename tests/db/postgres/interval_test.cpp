// Intervals with a year, month or day part: the snapshot (both COPY formats) and the change
// stream give the same canonical value — the ISO 8601 form IntervalStyle iso_8601 prints —,
// PostgreSQL to PostgreSQL carries every interval exactly (bulk_write in both COPY formats,
// apply_changes), and a MySQL TIME column refuses one naming the column and the value.
#include <gtest/gtest.h>

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../../plugins/mysql/destination.hpp"
#include "db/postgres/destination_support.hpp"
#include "pg_fixture.hpp"
#include "support/mysql_session.hpp"

namespace ferry::testing {
namespace {

// Every shape of interval: pure time (canonical H:MM:SS) and with year / month / day parts,
// mixed signs, the extremes.
const char* const kIntervals[] = {
    "04:05:06.789",
    "-00:00:00.5",
    "100000:00:00",
    "1 year 2 mons 3 days 04:05:06.5",
    "-1 days +02:03:04.5",
    "1 day",
    "3 mons",
    "-178000000 years",
    "1 mon -00:00:00.5",
    "-1 years -2 mons +3 days -04:05:06.000001",
    "2 days 2562047788:00:54.775807",
    "-2147483648 days -2562047788:00:54.775807",
    "1 day 00:00:00.25",
};

class PgIntervalTest : public PgSourceTest {
 protected:
  void create_table(PgSession& s) {
    s.exec("CREATE TABLE ivs (id int PRIMARY KEY, iv interval, iv3 interval(3), arr interval[])");
  }
  void fill() {
    int id = 1;
    for (const char* v : kIntervals) {
      // interval(3) rounds; at the extremes PostgreSQL's rounding overflows: not those there.
      const std::string v3 =
          std::string(v).find("2562047788") == std::string::npos ? v : "-1 days +00:00:00.123";
      admin->exec("INSERT INTO ivs VALUES (" + std::to_string(id++) + ", '" + v + "', '" + v3 +
                  "', ARRAY['" + v + "'::interval, '1 mon'])");
    }
    admin->exec("INSERT INTO ivs VALUES (" + std::to_string(id) + ", NULL, NULL, NULL)");
  }
  // What each row must read as: ISO 8601 as PostgreSQL's IntervalStyle iso_8601 prints it for
  // an interval with a year, month or day part, [-]H:MM:SS[.f] otherwise.
  std::map<int, Row> expected() {
    auto canonical = [&](const std::string& expr) {
      std::map<int, std::optional<std::string>> out;
      const auto pg =
          admin->query("SELECT id, " + expr + "::text, " + expr + " IS NULL OR (" +
                       "extract(year from " + expr + ") = 0 AND extract(month from " + expr +
                       ") = 0 AND extract(day from " + expr + ") = 0) FROM ivs ORDER BY id");
      admin->exec("SET IntervalStyle = iso_8601");
      const auto iso = admin->query("SELECT id, " + expr + "::text FROM ivs ORDER BY id");
      admin->exec("SET IntervalStyle = postgres");
      for (size_t i = 0; i < pg.rows.size(); ++i) {
        const int id = std::stoi(*pg.rows[i][0]);
        std::optional<std::string> v = pg.rows[i][1];
        if (v && *pg.rows[i][2] == "t") {
          const size_t digit = (*v)[0] == '-' ? 1 : 0;  // H:MM:SS: no leading zero
          if ((*v)[digit] == '0' && (*v)[digit + 1] != ':') v->erase(digit, 1);
        } else if (v) {
          v = iso.rows[i][1];
        }
        out[id] = v;
      }
      return out;
    };
    const auto iv = canonical("iv"), iv3 = canonical("iv3"),
               one_mon = canonical("'1 mon'::interval");
    std::map<int, Row> out;
    for (const auto& [id, v] : iv) {
      std::optional<std::string> arr;
      if (v) arr = "[\"" + *v + "\",\"" + *one_mon.begin()->second + "\"]";
      out[id] = Row{std::to_string(id), v, iv3.at(id), arr};
    }
    return out;
  }
  std::vector<OwnedBatch> snapshot_batches(const std::string& format) {
    auto src = source({{"copy_format", format}});
    const Catalog cat = src->source().discover(R"({"include":[")" + schema + R"(.ivs"]})");
    const TableRefHolder ref(schema_of(cat.tables.at(0)));
    std::vector<OwnedBatch> out;
    for (const auto& s : src->source().plan_splits(*ref.ref(), 1000)) {
      auto stream = src->source().open_snapshot(s, 4);
      for (auto b = stream.next(); !b.is_end(); b = stream.next()) out.push_back(std::move(b));
    }
    return out;
  }
  static std::vector<Row> rows_of_batches(const std::vector<OwnedBatch>& batches) {
    std::vector<Row> rows;
    for (const auto& b : batches) {
      for (auto& r : ::ferry::testing::rows_of(b.get())) rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return std::stoi(*a[0]) < std::stoi(*b[0]); });
    return rows;
  }
};

TEST_F(PgIntervalTest, SnapshotInBothFormatsAndTheChangeStreamGiveTheSameExactValues) {
  create_table(*admin);
  fill();
  const auto want = expected();
  EXPECT_EQ(want.at(4)[1], "P1Y2M3DT4H5M6.5S");
  EXPECT_EQ(want.at(5)[1], "P-1DT2H3M4.5S");
  EXPECT_EQ(want.at(2)[1], "-0:00:00.5");
  for (const char* format : {"binary", "text"}) {
    const auto rows = rows_of_batches(snapshot_batches(format));
    ASSERT_EQ(rows.size(), want.size()) << format;
    for (const auto& r : rows) EXPECT_EQ(r, want.at(std::stoi(*r[0]))) << format;
  }
  // The change stream: the same rows again, inserted after the snapshot.
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("INSERT INTO ivs SELECT id + 1000, iv, iv3, arr FROM ivs");
  auto stream = src->source().open_changes(at);
  std::vector<Row> changed;
  while (changed.size() < want.size()) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    const BatchView v(b.get());
    for (uint64_t r = 0; r < v.record_count(); ++r) {
      if (v.op(r) != FERRY_OP_INSERT) continue;
      Row row;
      for (uint32_t c = 0; c < v.table(r)->column_count; ++c) {
        const Cell cell = v.cell(v.after(r), c);
        row.push_back(cell.is_null() ? std::nullopt : std::optional<std::string>(cell.data));
      }
      row[0] = std::to_string(std::stoi(*row[0]) - 1000);
      changed.push_back(std::move(row));
    }
  }
  for (const auto& r : changed) EXPECT_EQ(r, want.at(std::stoi(*r[0]))) << "change stream";
}

TEST_F(PgIntervalTest, PostgresToPostgresCarriesEveryIntervalExactly) {
  create_table(*admin);
  fill();
  {
    PgSession first(dsn);
    if (first.query("SELECT 1 FROM pg_database WHERE datname = 'ferry_dst'").rows.empty()) {
      first.exec("CREATE DATABASE ferry_dst");
    }
  }
  PgSession to(dsn + " dbname=ferry_dst");
  to.exec("SET client_min_messages = warning");
  to.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  to.exec("CREATE SCHEMA " + schema);
  to.exec("SET search_path = " + schema);
  create_table(to);
  const std::string all = "SELECT id, iv::text, iv3::text, arr::text FROM ivs ORDER BY id";
  auto destination = [&](const std::string& format) {
    ConfigMap c = pg_connection_config(dsn + " dbname=ferry_dst");
    c["checkpoint_table"] = schema + ".apply_checkpoint";
    c["copy_format"] = format;
    return host.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "postgres", c);
  };
  // bulk_write: binary COPY sends a batch holding an ISO value in text format; text as is.
  for (const char* format : {"binary", "text"}) {
    to.exec("TRUNCATE ivs");
    auto d = destination(format);
    for (const auto& b : snapshot_batches(format)) {
      d->destination().bulk_write(*BatchView(b.get()).table_at(0), b.get());
    }
    EXPECT_EQ(to.query(all).rows, admin->query(all).rows) << format;
  }
  // apply_changes: the change stream's INSERTs and UPDATEs.
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("INSERT INTO ivs SELECT id + 1000, iv, iv3, arr FROM ivs");
  admin->exec("UPDATE ivs SET iv = iv + '1 mon', iv3 = -iv3 WHERE id < 1000");
  auto d = destination("binary");
  auto stream = src->source().open_changes(at);
  size_t updates = 0;
  int batch_no = 0;
  while (updates < std::size(kIntervals) + 1) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    const BatchView v(b.get());
    for (uint64_t r = 0; r < v.record_count(); ++r) updates += v.op(r) == FERRY_OP_UPDATE;
    d->destination().apply_changes(b.get(), 0, dst::cp("i" + std::to_string(++batch_no)));
  }
  EXPECT_EQ(to.query(all).rows, admin->query(all).rows);
  EXPECT_EQ(to.scalar("SELECT count(*) FROM ivs"), std::to_string(2 * (std::size(kIntervals) + 1)));
  to.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

// The mysql destination, built into this test (the postgres plugin owns the entry point).
std::vector<FieldDecl> mysql_destination_fields() {
  using namespace ferry::field;
  return {string("host", "").with_default("127.0.0.1"),
          integer("port", "").with_default("3306"),
          string("user", "").required(),
          secret("password", ""),
          string("database", "").with_default(""),
          integer("connect_timeout_s", "").with_default("10"),
          integer("read_timeout_s", "").with_default("60"),
          string("ssl_mode", "").with_default("preferred"),
          string("ssl_ca", "").with_default(""),
          string("checkpoint_table", "").with_default("ferry.apply_checkpoint"),
          boolean("local_infile", "").with_default("true"),
          integer("max_statement_bytes", "").with_default("4194304")};
}
const ferry_plugin_manifest* mysql_manifest() {
  static const PluginDef def(
      "mysql-in-test", "0", "",
      std::vector<ComponentDef>{destination<mysql::MysqlDestination>(
          "mysql", "", FERRY_CAP_DEST_BULK | FERRY_CAP_DEST_APPLY, mysql_destination_fields())});
  return def.manifest();
}

// PostgreSQL to MySQL: interval → time(f) (the schema step's mapping with allow_lossy). A pure
// time within MySQL's range is stored exactly; one with a day part is refused by MySQL, naming
// the column and the ISO 8601 value — never folded into hours.
TEST_F(PgIntervalTest, AMysqlTimeColumnRefusesAnIntervalWithADayPartNamingIt) {
  FERRY_REQUIRE_MYSQL(mysql_text);
  const MysqlDsn my_dsn = parse_mysql_dsn(mysql_text);
  MysqlSession my(my_dsn);
  my.exec("DROP DATABASE IF EXISTS `" + schema + "`");
  my.exec("CREATE DATABASE `" + schema + "`");
  my.exec("CREATE TABLE `" + schema + "`.ivs (id INT PRIMARY KEY, iv TIME(6))");
  admin->exec("CREATE TABLE ivs (id int PRIMARY KEY, iv interval)");
  admin->exec("INSERT INTO ivs VALUES (1, '838:59:59'), (2, '-00:00:00.5'), (3, '1 day 02:00:00')");
  const auto batches = [&] {
    auto src = source();
    const Catalog cat = src->source().discover(R"({"include":[")" + schema + R"(.ivs"]})");
    const TableRefHolder ref(schema_of(cat.tables.at(0)));
    std::vector<Row> rows;
    for (const auto& s : src->source().plan_splits(*ref.ref(), 1000)) {
      for (auto& r : read_all(src->source().open_snapshot(s, 100))) rows.push_back(std::move(r));
    }
    return rows;
  }();
  ASSERT_EQ(batches.size(), 3u);
  const auto table =
      dst::table(schema, "ivs", {dst::key("id"), dst::col("iv", FERRY_TYPE_INTERVAL)});
  ConfigMap c;
  c["host"] = my_dsn.host;
  c["port"] = int64_t{my_dsn.port};
  c["user"] = my_dsn.user;
  c["password"] = SecretValue{my_dsn.password};
  c["checkpoint_table"] = schema + ".apply_checkpoint";
  for (const bool local_infile : {true, false}) {
    my.exec("DELETE FROM `" + schema + "`.ivs");
    c["local_infile"] = local_infile;
    auto d = host.create(mysql_manifest(), FERRY_KIND_DESTINATION, "mysql", c);
    std::vector<dst::Image> fits, day;
    for (const auto& r : batches) (r[0] == "3" ? day : fits).push_back({*r[0], *r[1]});
    auto ok = dst::rows(table, fits);
    d->destination().bulk_write(*table->ref(), ok.get());
    EXPECT_EQ(my.query("SELECT id, CAST(iv AS CHAR) FROM `" + schema + "`.ivs ORDER BY id").rows,
              (std::vector<std::vector<std::optional<std::string>>>{{"1", "838:59:59.000000"},
                                                                    {"2", "-00:00:00.500000"}}));
    ASSERT_EQ(day.size(), 1u);
    EXPECT_EQ(*day[0][1].value, "P1DT2H");
    auto bad = dst::rows(table, day);
    Error e(FERRY_OK, "");
    try {
      d->destination().bulk_write(*table->ref(), bad.get());
      ADD_FAILURE() << "an interval with a day part was written into MySQL TIME";
    } catch (const Error& err) {
      e = err;
    }
    // LOAD DATA reports the column and the row (as a warning, which rolls the load back);
    // INSERT reports the value too.
    EXPECT_NE(std::string(e.what()).find(local_infile ? "column 'iv' at row 1" : "'P1DT2H'"),
              std::string::npos)
        << e.what();
    auto change = dst::Changes({table}).begin().insert(0, day[0]).commit().done();
    try {
      d->destination().apply_changes(change.get(), 0, dst::cp("x"));
      ADD_FAILURE() << "an interval with a day part was applied into MySQL TIME";
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find("'P1DT2H' for column"), std::string::npos)
          << err.what();
    }
    EXPECT_EQ(my.scalar("SELECT COUNT(*) FROM `" + schema + "`.ivs"), "2");
  }
  my.exec("DROP DATABASE IF EXISTS `" + schema + "`");
}

}  // namespace
}  // namespace ferry::testing
