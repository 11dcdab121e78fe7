// Shared setup of the MySQL connector's database tests: a scratch database per test on the test
// bed's MariaDB, an admin session, and the plugin's source reached through its C entry point.
#pragma once

#include <gtest/gtest.h>
#include <ferry/testing/fake_host.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/mysql_session.hpp"
#include "support/testbed.hpp"

extern "C" const ferry_plugin_manifest* ferry_plugin_entry_v1(void);

namespace ferry::testing {

// One record of a change stream, flattened for assertions.
struct Change {
  ferry_op op = 0;
  std::string table;  // "db.t", empty for BEGIN/COMMIT/HEARTBEAT
  Row before, after;
  Bytes position;
  int64_t commit_time_us = 0;
};

inline Row image(const BatchView& v, uint64_t first, const ferry_table_ref* t) {
  Row row;
  if (first == FERRY_NO_ROW || !t) return row;
  for (uint32_t c = 0; c < t->column_count; ++c) {
    const Cell cell = v.cell(first, c);
    if (cell.is_null()) {
      row.emplace_back(std::nullopt);
    } else {
      row.emplace_back(std::string(cell.data));
    }
  }
  return row;
}

inline std::vector<Change> changes_of(const ferry_batch& b) {
  BatchView v(b);
  std::vector<Change> out;
  for (uint64_t r = 0; r < v.record_count(); ++r) {
    Change c;
    c.op = v.op(r);
    const ferry_table_ref* t = v.table(r);
    if (t) c.table = std::string(t->schema) + "." + t->name;
    if (c.op == FERRY_OP_DDL) {
      c.after = {std::string(v.cell(v.after(r)).data)};
    } else {
      c.before = image(v, v.before(r), t);
      c.after = image(v, v.after(r), t);
    }
    auto p = v.position(r);
    c.position.assign(p.begin(), p.end());
    c.commit_time_us = v.commit_time_us(r);
    out.push_back(std::move(c));
  }
  return out;
}

class MysqlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_MYSQL(text);
    dsn = parse_mysql_dsn(text);
    admin = std::make_unique<MysqlSession>(dsn);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db = "ferry_src_" + std::string(info->name());
    for (auto& ch : db) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    db = db.substr(0, 60);
    admin->exec("DROP DATABASE IF EXISTS `" + db + "`");
    admin->exec("CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4");
    admin->exec("USE `" + db + "`");
  }

  void TearDown() override {
    if (admin && !HasFailure()) admin->exec("DROP DATABASE IF EXISTS `" + db + "`");
  }

  ConfigMap config(ConfigMap extra = {}) const {
    ConfigMap c{{"host", dsn.host},
                {"port", int64_t{dsn.port}},
                {"user", dsn.user},
                {"password", SecretValue{dsn.password}}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
  }

  std::unique_ptr<TestInstance> source(ConfigMap extra = {}) {
    return host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "mysql", config(extra));
  }

  // {"include":["<db>.*"]}
  std::string only_this_db() const { return R"({"include":[")" + db + R"(.*"]})"; }

  // Reads change records until `done` says so (checked after each record), or fails after
  // `max_batches` batches.
  template <class Done>
  std::vector<Change> read_changes(StreamReader& stream, Done done, int max_batches = 100000) {
    std::vector<Change> out;
    for (int i = 0; i < max_batches; ++i) {
      OwnedBatch b = stream.next();
      if (b.is_end()) break;
      for (auto& c : changes_of(b.get())) {
        out.push_back(std::move(c));
        if (done(out)) return out;
      }
    }
    ADD_FAILURE() << "the change stream ended or ran too long before the expected records";
    return out;
  }

  static size_t count_ops(const std::vector<Change>& cs, ferry_op op) {
    size_t n = 0;
    for (const auto& c : cs) n += c.op == op;
    return n;
  }

  MysqlDsn dsn;
  std::unique_ptr<MysqlSession> admin;
  FakeHost host;
  std::string db;
};

}  // namespace ferry::testing
