// Helpers for the postgres destination's and verification's database tests: a fixture that
// gives each test its own schema (dropped first), the destination created through the plugin's
// entry point with FakeHost, and the row / change batch builders the mysql destination tests
// use (db/mysql/destination_support.hpp, engine-neutral).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/mysql/destination_support.hpp"
#include "pg_config.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"

namespace ferry::testing::pgdst {

using Cells = std::vector<std::optional<std::string>>;

class PgDestinationFixture : public ::testing::Test {
 public:
  void SetUp() override {
    FERRY_REQUIRE_PG(text);
    // The destination is a second database on the test bed's server (the source tests use the
    // first one).
    {
      PgSession first(text);
      if (first.query("SELECT 1 FROM pg_database WHERE datname = 'ferry_dst'").rows.empty()) {
        first.exec("CREATE DATABASE ferry_dst");
      }
    }
    dsn_ = text + " dbname=ferry_dst";
    admin_ = std::make_unique<PgSession>(dsn_);
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    schema_ = ("dst_" + name).substr(0, 60);
    admin_->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    admin_->exec("CREATE SCHEMA " + schema_);
    admin_->exec("SET search_path = " + schema_);
    admin_->exec("SET TimeZone = 'UTC'");
  }

  // The connection fields of the test bed's DSN plus a per-test checkpoint table.
  ConfigMap config() const {
    ConfigMap c = pg_connection_config(dsn_);
    c["checkpoint_table"] = schema_ + ".apply_checkpoint";
    return c;
  }

  std::unique_ptr<TestInstance> destination(const std::string& instance = "test") {
    return destination(config(), instance);
  }
  std::unique_ptr<TestInstance> destination(const ConfigMap& cfg,
                                            const std::string& instance = "test") {
    return host_.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "postgres", cfg, instance);
  }

  void exec(const std::string& sql) { admin_->exec(sql); }
  std::vector<Cells> rows(const std::string& sql) { return admin_->query(sql).rows; }
  std::string scalar(const std::string& sql) { return admin_->scalar(sql); }
  std::string t(const std::string& name) const { return schema_ + "." + name; }

  // The error a call throws (fails the test when it does not throw).
  template <class F>
  Error error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "expected a ferry::Error";
    return Error(FERRY_OK, "");
  }

  bool logged(const std::string& part) const {
    const auto logs = host_.logs();
    return std::any_of(logs.begin(), logs.end(),
                       [&](const auto& l) { return l.second.find(part) != std::string::npos; });
  }

  // A split of `table` by its key `key_columns` (canonical bounds; nullopt = open).
  Split split(const std::string& table, std::vector<std::string> key_columns = {},
              std::optional<std::vector<std::string>> lower = std::nullopt,
              std::optional<std::vector<std::string>> upper = std::nullopt) const {
    Split s;
    s.schema = schema_;
    s.table = table;
    s.key_columns = std::move(key_columns);
    s.lower = std::move(lower);
    s.upper = std::move(upper);
    return s;
  }

  std::string dsn_, schema_;
  std::unique_ptr<PgSession> admin_;
  FakeHost host_;
};

// The canonical rows of a read_range, all batches.
inline std::vector<Row> read_range(TestInstance& d, const Split& s, uint32_t batch_rows = 1000) {
  return read_all(d.destination().read_range(s, batch_rows));
}

}  // namespace ferry::testing::pgdst
