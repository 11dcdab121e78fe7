// Shared setup of the PostgreSQL connector's database tests: a schema per test in the test
// bed's database, the task's slot and publication named after the test and dropped around it,
// and the plugin's source reached through its C entry point.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <ferry/testing/fake_host.hpp>

#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pg_config.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"

extern "C" const ferry_plugin_manifest* ferry_plugin_entry_v1(void);

namespace ferry::testing {

class PgSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_PG(text);
    dsn = text;
    admin = std::make_unique<PgSession>(dsn);
    admin->exec("SET client_min_messages = warning");
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    schema = ("src_" + name).substr(0, 60);
    slot = ("ferry_t_" + name).substr(0, 60);
    cleanup();
    admin->exec("CREATE SCHEMA " + schema);
    admin->exec("SET search_path = " + schema);
  }
  void TearDown() override {
    if (admin && !HasFailure()) cleanup();
  }
  void cleanup() {
    // A walsender exits a moment after its client: wait until the slot is free, then drop it.
    for (int i = 0; i < 100; ++i) {
      const auto r =
          admin->query("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
      if (r.rows.empty()) break;
      if (r.rows[0][0] == "f") {
        admin->exec("SELECT pg_drop_replication_slot('" + slot + "')");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    admin->exec("DROP PUBLICATION IF EXISTS " + slot);
    admin->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  ConfigMap config() const {
    ConfigMap c = pg_connection_config(dsn);
    c["slot"] = slot;
    c["publication"] = slot;
    return c;
  }
  std::unique_ptr<TestInstance> source(ConfigMap extra = {}) {
    ConfigMap c = config();
    for (auto& [k, v] : extra) c[k] = v;
    return host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "postgres", c);
  }
  std::string only_this_schema() const { return R"({"include":[")" + schema + R"(.*"]})"; }

  std::string dsn, schema, slot;
  std::unique_ptr<PgSession> admin;
  FakeHost host;
};

// The type matrix: a table of every PostgreSQL type the connector converts, with edge values,
// and the canonical text each must read as (written by hand from the INSERTs).
inline void create_pg_type_matrix_rows(PgSession& admin_session) {
  PgSession* admin = &admin_session;
  admin->exec(
      "INSERT INTO types VALUES (1, -32768, -2147483648, -9223372036854775808, "
      "'-123456789012345678901234567890.123456789', -0.01, '-Infinity', 'NaN', false, 'ab', "
      "'', 'line1\nline2\ttab\\', '\\x00ff0a5c', '0044-03-15 BC', '00:00:00', '08:30:00+02', "
      "'-infinity', '2024-02-29 12:34:56.5+00', '-00:00:00.5', "
      "'123e4567-e89b-12d3-a456-426614174000', '{\"b\": 1,  \"a\": [1, 2]}', '{\"b\": 1, \"a\": "
      "[1, 2]}', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', B'00000101', 'sad', "
      "'{1,NULL,3}', '{\"a b\",\"c\\\"d\"}')");
  admin->exec("INSERT INTO types (id) VALUES (2)");
  admin->exec(
      "INSERT INTO types (id, i8, n, r, d, dt, tm, ts, tstz, iv) VALUES (3, "
      "9223372036854775807, 'NaN', 1.00000012, '-0', '2024-01-31', '24:00:00', "
      "'2024-01-31 08:30:00.25', 'infinity', '838:59:59.000001')");
}

inline void create_pg_type_matrix(PgSession& admin_session) {
  PgSession* admin = &admin_session;
  admin->exec("CREATE TYPE mood AS ENUM ('sad', 'ok')");
  admin->exec(
      "CREATE TABLE types (id int PRIMARY KEY, i2 smallint, i4 int, i8 bigint, n numeric, "
      "n2 numeric(10,2), r real, d double precision, b boolean, c char(3), vc varchar(10), "
      "t text, ba bytea, dt date, tm time(6), ttz timetz, ts timestamp(6), tstz timestamptz, "
      "iv interval, u uuid, j json, jb jsonb, ip inet, cidr_ cidr, mac macaddr, bt bit(8), "
      "m mood, arr int[], tarr text[])");
  create_pg_type_matrix_rows(admin_session);
}

inline void check_pg_type_matrix(const std::vector<Row>& rows, const Table& table) {
  ASSERT_EQ(rows.size(), 3u);
  using S = std::optional<std::string>;
  const std::vector<S> row1 = {"1",
                               "-32768",
                               "-2147483648",
                               "-9223372036854775808",
                               "-123456789012345678901234567890.123456789",
                               "-0.01",
                               "-inf",
                               "nan",
                               "0",
                               "ab",  // char(3): without its pad
                               "",
                               "line1\nline2\ttab\\",
                               std::string("\x00\xff\x0a\x5c", 4),
                               "-0043-03-15",
                               "0:00:00",
                               "8:30:00+02:00",
                               "-infinity",
                               "2024-02-29T12:34:56.5Z",
                               "-0:00:00.5",
                               "123e4567-e89b-12d3-a456-426614174000",
                               "{\"b\": 1,  \"a\": [1, 2]}",
                               "{\"a\": [1, 2], \"b\": 1}",
                               "192.168.0.1/24",
                               "10.0.0.0/8",
                               "08:00:2b:01:02:03",
                               "5",
                               "sad",
                               "[\"1\",null,\"3\"]",
                               "[\"a b\",\"c\\\"d\"]"};
  for (size_t c = 0; c < row1.size(); ++c) {
    EXPECT_EQ(rows[0].at(c), row1[c]) << "column " << table.columns[c].name;
  }
  for (size_t c = 1; c < rows[1].size(); ++c) EXPECT_EQ(rows[1][c], std::nullopt);
  EXPECT_EQ(rows[2][3], "9223372036854775807");
  EXPECT_EQ(rows[2][4], "NaN");
  EXPECT_EQ(rows[2][6], "1.0000001");
  EXPECT_EQ(rows[2][7], "-0");
  EXPECT_EQ(rows[2][13], "2024-01-31");
  EXPECT_EQ(rows[2][14], "24:00:00");
  EXPECT_EQ(rows[2][16], "2024-01-31T08:30:00.25");
  EXPECT_EQ(rows[2][17], "infinity");
  EXPECT_EQ(rows[2][18], "838:59:59.000001");
}

}  // namespace ferry::testing
