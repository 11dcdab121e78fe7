// The test bed's servers are what the connectors need: these tests check the server facts the
// MySQL and PostgreSQL connectors depend on (ROW binlog with full images and strict GTIDs, LOAD
// DATA LOCAL, logical WAL, pgoutput slots), not merely that a connection opens.
//
// Every test names its objects after its process id: ctest runs tests in parallel, one process
// per test.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "support/mysql_session.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"

namespace ferry::testing {
namespace {

std::string unique_name(const char* prefix) {
  return std::string(prefix) + "_" + std::to_string(::getpid());
}

// Runs `undo` when the scope ends, so a failing test still leaves the server clean (a logical
// slot left behind would retain WAL forever). Errors while undoing are reported, not thrown.
template <typename Undo>
class Cleanup {
 public:
  explicit Cleanup(Undo undo) : undo_(std::move(undo)) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    try {
      undo_();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup failed: " << e.what();
    }
  }

 private:
  Undo undo_;
};

// ----- MariaDB ---------------------------------------------------------------------------------

TEST(MariadbSmoke, ServerIsMariadb1011AndFerryHasAllPrivileges) {
  FERRY_REQUIRE_MYSQL(dsn);
  MysqlSession db(parse_mysql_dsn(dsn));

  const std::string version = db.scalar("SELECT @@version");
  EXPECT_EQ(version.rfind("10.11", 0), 0u) << "version " << version;
  EXPECT_NE(version.find("MariaDB"), std::string::npos) << "version " << version;

  // REPLICATION SLAVE, BINLOG MONITOR, RELOAD and the rest: the connectors' precheck tests
  // revoke what they need to from here.
  const QueryResult grants = db.query("SHOW GRANTS FOR CURRENT_USER()");
  ASSERT_FALSE(grants.rows.empty());
  const std::string grant = grants.rows[0][0].value_or("");
  EXPECT_NE(grant.find("GRANT ALL PRIVILEGES ON *.*"), std::string::npos) << grant;
  EXPECT_NE(grant.find("WITH GRANT OPTION"), std::string::npos) << grant;
}

TEST(MariadbSmoke, BinlogIsRowWithFullImagesAndStrictGtid) {
  FERRY_REQUIRE_MYSQL(dsn);
  MysqlSession db(parse_mysql_dsn(dsn));

  EXPECT_EQ(db.scalar("SELECT @@global.log_bin"), "1");
  EXPECT_EQ(db.scalar("SELECT @@global.binlog_format"), "ROW");
  EXPECT_EQ(db.scalar("SELECT @@global.binlog_row_image"), "FULL");
  EXPECT_EQ(db.scalar("SELECT @@global.gtid_strict_mode"), "1");
  EXPECT_EQ(db.scalar("SELECT @@global.log_slave_updates"), "1");
  EXPECT_NE(db.scalar("SELECT @@global.server_id"), "0");
  EXPECT_EQ(db.scalar("SELECT @@global.local_infile"), "1");
  EXPECT_EQ(db.scalar("SELECT @@global.time_zone"), "+00:00");
  EXPECT_EQ(db.scalar("SELECT @@global.character_set_server"), "utf8mb4");
  EXPECT_EQ(db.scalar("SELECT @@global.collation_server"), "utf8mb4_general_ci");
}

TEST(MariadbSmoke, WriteAdvancesTheBinlogWithRowEvents) {
  FERRY_REQUIRE_MYSQL(dsn);
  MysqlSession db(parse_mysql_dsn(dsn));
  const std::string schema = unique_name("ferry_smoke");
  db.exec("DROP DATABASE IF EXISTS " + schema);
  db.exec("CREATE DATABASE " + schema);
  Cleanup drop([&] { db.exec("DROP DATABASE IF EXISTS " + schema); });
  db.exec("CREATE TABLE " + schema + ".t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");

  const QueryResult before = db.query("SHOW MASTER STATUS");
  ASSERT_EQ(before.rows.size(), 1u) << "SHOW MASTER STATUS is empty: binary log off?";
  const std::string file = before.at(0, "File").value_or("");
  const unsigned long long position = std::stoull(before.at(0, "Position").value_or("0"));

  db.exec("INSERT INTO " + schema + ".t VALUES (1, 'one'), (2, 'two')");

  const QueryResult after = db.query("SHOW MASTER STATUS");
  ASSERT_EQ(after.rows.size(), 1u);
  const std::string file_after = after.at(0, "File").value_or("");
  const unsigned long long position_after = std::stoull(after.at(0, "Position").value_or("0"));
  ASSERT_EQ(file_after, file) << "the binlog rotated during the test";
  EXPECT_GT(position_after, position);

  // The write is in the binlog as a GTID transaction carrying a row event.
  const QueryResult events =
      db.query("SHOW BINLOG EVENTS IN " + db.quote(file) + " FROM " + std::to_string(position));
  bool gtid = false;
  bool write_rows = false;
  for (std::size_t i = 0; i < events.rows.size(); ++i) {
    const std::string type = events.at(i, "Event_type").value_or("");
    gtid = gtid || type == "Gtid";
    write_rows = write_rows || type.rfind("Write_rows", 0) == 0;
  }
  EXPECT_TRUE(gtid) << "no Gtid event after " << file << ":" << position;
  EXPECT_TRUE(write_rows) << "no Write_rows event after " << file << ":" << position;
  EXPECT_FALSE(db.scalar("SELECT @@global.gtid_binlog_pos").empty());
}

TEST(MariadbSmoke, LoadDataLocalInfileLoadsRows) {
  FERRY_REQUIRE_MYSQL(dsn);
  MysqlSession::Options options;
  options.local_infile = true;
  MysqlSession db(parse_mysql_dsn(dsn), options);
  const std::string schema = unique_name("ferry_smoke_load");
  db.exec("DROP DATABASE IF EXISTS " + schema);
  db.exec("CREATE DATABASE " + schema);
  Cleanup drop([&] { db.exec("DROP DATABASE IF EXISTS " + schema); });
  db.exec("CREATE TABLE " + schema + ".t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");

  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / (unique_name("ferry_smoke_load") + ".tsv");
  {
    std::ofstream out(file, std::ios::binary);
    out << "1\tone\n2\ttwo\n3\t\\N\n";
  }
  Cleanup remove([&] { std::filesystem::remove(file); });

  db.exec("LOAD DATA LOCAL INFILE " + db.quote(file.string()) + " INTO TABLE " + schema + ".t");
  EXPECT_EQ(db.affected_rows(), 3u);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM " + schema + ".t WHERE v IS NULL"), "1");
  EXPECT_EQ(db.scalar("SELECT v FROM " + schema + ".t WHERE id = 2"), "two");
}

// ----- PostgreSQL ------------------------------------------------------------------------------

TEST(PostgresSmoke, ServerIsPostgres15WithLogicalWal) {
  FERRY_REQUIRE_PG(dsn);
  PgSession db(dsn);

  const int version = std::stoi(db.scalar("SHOW server_version_num"));
  EXPECT_GE(version, 150000);
  EXPECT_EQ(db.scalar("SHOW wal_level"), "logical");
  EXPECT_GE(std::stoi(db.scalar("SHOW max_replication_slots")), 10);
  EXPECT_GE(std::stoi(db.scalar("SHOW max_wal_senders")), 10);
  EXPECT_EQ(db.scalar("SHOW server_encoding"), "UTF8");
  EXPECT_EQ(db.scalar("SHOW fsync"), "on") << "tests kill servers: fsync must stay on";
  EXPECT_EQ(db.scalar("SELECT current_database()"), "ferry");
  EXPECT_EQ(db.scalar("SELECT rolsuper AND rolreplication FROM pg_roles "
                      "WHERE rolname = current_user"),
            "t");
}

TEST(PostgresSmoke, PgoutputSlotDecodesWritesAndIsDroppedAgain) {
  FERRY_REQUIRE_PG(dsn);
  PgSession db(dsn);
  const std::string name = unique_name("ferry_smoke");  // table, publication and slot

  db.exec("DROP TABLE IF EXISTS " + name);
  db.exec("DROP PUBLICATION IF EXISTS " + name);
  db.exec("CREATE TABLE " + name + " (id int PRIMARY KEY, v text)");
  db.exec("CREATE PUBLICATION " + name + " FOR TABLE " + name);
  Cleanup drop_objects([&] {
    db.exec("DROP PUBLICATION IF EXISTS " + name);
    db.exec("DROP TABLE IF EXISTS " + name);
  });
  Cleanup drop_slot_if_left([&] {
    db.exec(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = " +
        db.quote(name));
  });

  {
    PgSession replication(dsn + " replication=database");
    const QueryResult system = replication.query("IDENTIFY_SYSTEM");
    ASSERT_EQ(system.rows.size(), 1u);
    EXPECT_EQ(system.at(0, "dbname").value_or(""), "ferry");

    const QueryResult slot = replication.query("CREATE_REPLICATION_SLOT " + name +
                                               " LOGICAL pgoutput (SNAPSHOT 'nothing')");
    ASSERT_EQ(slot.rows.size(), 1u);
    EXPECT_EQ(slot.at(0, "slot_name").value_or(""), name);
    EXPECT_EQ(slot.at(0, "output_plugin").value_or(""), "pgoutput");
    EXPECT_FALSE(slot.at(0, "consistent_point").value_or("").empty());
  }

  const QueryResult slots =
      db.query("SELECT slot_type, plugin, database FROM pg_replication_slots WHERE slot_name = " +
               db.quote(name));
  ASSERT_EQ(slots.rows.size(), 1u);
  EXPECT_EQ(slots.at(0, "slot_type").value_or(""), "logical");
  EXPECT_EQ(slots.at(0, "plugin").value_or(""), "pgoutput");
  EXPECT_EQ(slots.at(0, "database").value_or(""), "ferry");

  // A write after the slot's consistent point comes out of pgoutput: Begin, Relation, Insert,
  // Commit (the message type is the first byte of each message). Logical decoding reads only
  // flushed WAL; with synchronous_commit on (the default, stated here so the test does not
  // depend on the server setting) the commit has been flushed when it returns.
  db.exec("SET synchronous_commit = on");
  db.exec("INSERT INTO " + name + " VALUES (1, 'one')");
  const QueryResult changes = db.query(
      "SELECT chr(get_byte(data, 0)) FROM pg_logical_slot_peek_binary_changes(" + db.quote(name) +
      ", NULL, NULL, 'proto_version', '1', 'publication_names', " + db.quote(name) + ")");
  std::string types;
  for (const auto& row : changes.rows) types += row[0].value_or("?");
  EXPECT_EQ(types, "BRIC") << "pgoutput message types";

  {
    PgSession replication(dsn + " replication=database");
    replication.exec("DROP_REPLICATION_SLOT " + name + " WAIT");
  }
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = " + db.quote(name)),
      "0");
}

}  // namespace
}  // namespace ferry::testing
