// What the end-to-end migration tests share: endpoint fields for the test bed's servers, a
// fixture that owns a MySQL database and a PostgreSQL schema pair per test (source `<name>_s`,
// destination `<name>_d`, dropped before the test and after it), a meta store in a temporary
// data directory, the plugins of the build, and a way to run a task through ferryd's
// TaskRunner. Row sets are compared after rendering each value in SQL on its own engine (the
// test's own canonical text, not ferry's converters) and normalising it in C++.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/mysql_session.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"
#include "task/stage_graph.hpp"
#include "task/task_runner.hpp"

namespace ferry::migration_testing {

using ferry::testing::MysqlSession;
using ferry::testing::PgSession;
using Cells = std::vector<std::optional<std::string>>;
using Rows = std::vector<Cells>;

inline config::Field field(config::FieldValue v) {
  return config::Field{std::move(v), {}, false};
}

// The endpoint fields of a connector plugin for a test-bed DSN (both DSN formats have host,
// port, user, password and, for PostgreSQL, dbname).
inline config::EndpointConfig endpoint(const std::string& plugin, const std::string& dsn_text) {
  const auto dsn = ferry::testing::parse_mysql_dsn(dsn_text);
  config::EndpointConfig e;
  e.plugin = plugin;
  e.fields["host"] = field(dsn.host);
  e.fields["port"] = field(int64_t{dsn.port});
  e.fields["user"] = field(dsn.user);
  e.fields["password"] = field(config::Secret(dsn.password));
  if (!dsn.database.empty()) e.fields["database"] = field(dsn.database);
  return e;
}

// How a rendered value is normalised before two engines' renderings are compared.
enum class Norm {
  Text,     // as rendered
  Float,    // a floating-point number: compared as the double it parses to (nan, ±inf, -0)
  Json,     // a JSON document: compared as parsed (key order, spacing)
  Decimal,  // a decimal number: trailing fractional zeros dropped
  TimeTz,   // a time with offset: 08:30:00+02 and 8:30:00+02:00 are the same
};

inline std::string normalise(const std::string& v, Norm n) {
  switch (n) {
    case Norm::Text:
      return v;
    case Norm::Float: {
      std::string lower = v;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const double d = std::strtod(lower.c_str(), nullptr);
      if (std::isnan(d)) return "nan";
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, d);
      return std::string(buf, r.ptr);
    }
    case Norm::Json:
      try {
        return nlohmann::json::parse(v).dump();
      } catch (const std::exception&) {
        return "not JSON: " + v;
      }
    case Norm::Decimal: {
      std::string s = v;
      if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
      }
      if (s == "-0") s = "0";
      return s;
    }
    case Norm::TimeTz: {
      // [H]H:MM:SS[.f](+|-)HH[:MM]
      const size_t sign = v.find_first_of("+-", 1);
      std::string time = v.substr(0, sign),
                  offset = sign == std::string::npos ? "" : v.substr(sign);
      if (time.size() > 1 && time[0] == '0' && time[1] != ':') time.erase(0, 1);
      if (offset.size() == 3) offset += ":00";
      return time + offset;
    }
  }
  return v;
}

// One column as each side renders it: SQL expressions in which `$` stands for the column.
struct Col {
  std::string name;
  std::string src = "$", dst = "$";
  Norm norm = Norm::Text;
};

inline std::string render_sql(const std::vector<Col>& cols, bool source, const std::string& table,
                              char quote) {
  std::string sql;
  for (const auto& c : cols) {
    std::string e = source ? c.src : c.dst;
    const std::string q = std::string(1, quote) + c.name + std::string(1, quote);
    for (size_t at = e.find('$'); at != std::string::npos; at = e.find('$', at + q.size())) {
      e.replace(at, 1, q);
    }
    sql += (sql.empty() ? "SELECT " : ", ") + e;
  }
  return sql + " FROM " + table;
}

inline Rows normalised(Rows rows, const std::vector<Col>& cols) {
  for (auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < cols.size(); ++i) {
      if (r[i]) r[i] = normalise(*r[i], cols[i].norm);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

inline std::string show_row(const Cells& r) {
  std::string s;
  for (const auto& c : r) {
    std::string v = c.value_or("NULL");
    if (v.size() > 60) v = v.substr(0, 60) + "...(" + std::to_string(v.size()) + " bytes)";
    s += (s.empty() ? "" : " | ") + v;
  }
  return s;
}

// Equal row sets (after normalising and sorting), naming the first differing column.
inline ::testing::AssertionResult same_rows(const Rows& src_in, const Rows& dst_in,
                                            const std::vector<Col>& cols) {
  const Rows a = normalised(src_in, cols), b = normalised(dst_in, cols);
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure()
           << "source has " << a.size() << " rows, destination " << b.size();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    std::string which;
    for (size_t c = 0; c < a[i].size() && c < cols.size(); ++c) {
      if (a[i][c] != b[i][c]) {
        which += " " + cols[c].name + ": [" + a[i][c].value_or("NULL").substr(0, 80) + "] vs [" +
                 b[i][c].value_or("NULL").substr(0, 80) + "]";
      }
    }
    return ::testing::AssertionFailure()
           << "row " << i << " (" << show_row(a[i]) << ") differs:" << which;
  }
  return ::testing::AssertionSuccess();
}

class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    my_dsn_ = ferry::testing::testbed_dsn("FERRY_TEST_MYSQL_DSN");
    if (my_dsn_.empty()) return;
    pg_dsn_ = ferry::testing::testbed_dsn("FERRY_TEST_PG_DSN");
    if (pg_dsn_.empty()) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string n = info->name();
    for (auto& c : n) {
      c = std::isalnum(static_cast<unsigned char>(c))
              ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
              : '_';
    }
    name_ = "ferry_e2e_" + n.substr(0, 24);
    src_ = name_ + "_s";
    dst_ = name_ + "_d";
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-e2e-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    const auto refusals = plugins_.load_directory(FERRY_PLUGIN_BUILD_DIR);
    ASSERT_TRUE(refusals.empty()) << refusals.front();
    store_ = meta::MetaStore::open(dir_ / "data");
    my_ = std::make_unique<MysqlSession>(ferry::testing::parse_mysql_dsn(my_dsn_));
    pg_ = std::make_unique<PgSession>(pg_dsn_);
    pg_->exec("SET client_min_messages = warning");
    cleanup();
  }
  void TearDown() override {
    if (my_ && pg_ && !HasFailure()) cleanup();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void cleanup() {
    for (const auto& s : {src_, dst_}) {
      my_->exec("DROP DATABASE IF EXISTS `" + s + "`");
      pg_->exec("DROP SCHEMA IF EXISTS \"" + s + "\" CASCADE");
    }
  }
  bool ready() const { return my_ && pg_; }

  // A task of `types` from `from` to `to` ("mysql" / "postgres") over the source schema, renamed
  // to the destination schema; the stages' configs are given (the schema stage and full import
  // are then declared, full import after the schema stage).
  config::TaskConfig task(const std::string& from, const std::string& to,
                          std::vector<config::MigrationType> types,
                          config::FieldMap schema_config = {},
                          config::FieldMap full_config = {}) const {
    config::TaskConfig t;
    t.id = "e2e";
    t.types = std::move(types);
    t.where = {"task.toml", 1, 1};
    t.source = from == "mysql" ? endpoint("mysql", my_dsn_) : endpoint("postgres", pg_dsn_);
    t.destination = to == "mysql" ? endpoint("mysql", my_dsn_) : endpoint("postgres", pg_dsn_);
    t.objects.push_back(config::ObjectRule{{src_ + ".*"}, {}, {"task.toml", 2, 1}});
    t.rename.schemas[src_] = dst_;
    if (t.has(config::MigrationType::Schema)) {
      config::StageConfig s;
      s.name = "schema";
      s.component = "schema";
      s.config = std::move(schema_config);
      s.where = {"task.toml", 10, 1};
      t.stages.push_back(std::move(s));
    }
    if (t.has(config::MigrationType::Full)) {
      config::StageConfig s;
      s.name = "full-import";
      s.component = "full-import";
      if (t.has(config::MigrationType::Schema)) s.after = {"schema"};
      s.config = std::move(full_config);
      s.where = {"task.toml", 20, 1};
      t.stages.push_back(std::move(s));
    }
    return t;
  }

  // Runs the task to its end; keeps its last status.
  meta::TaskState run(const config::TaskConfig& t) {
    auto graph = host::build_stage_graph(t, plugins_);
    EXPECT_TRUE(graph.ok()) << (graph.errors.empty() ? "" : graph.errors.at(0).str());
    host::RunnerOptions opts;
    opts.data_dir = dir_ / "data";
    opts.persist_interval = std::chrono::milliseconds(200);
    host::TaskRunner runner(t, graph.graph, plugins_, *store_, opts);
    runner.start();
    const meta::TaskState st = runner.wait();
    last_ = runner.status();
    return st;
  }

  double metric(const std::string& stage, const std::string& name) const {
    for (const auto& s : last_.stages) {
      if (s.name != stage) continue;
      const auto it = s.metrics.find(name);
      return it == s.metrics.end() ? 0 : it->second;
    }
    return -1;
  }

  std::optional<meta::ObjectRecord> object(const std::string& key) const {
    return store_->object("e2e", key);
  }
  meta::ObjectStatus status(const std::string& key) const {
    const auto o = object(key);
    EXPECT_TRUE(o.has_value()) << "no object " << key;
    return o ? o->status : meta::ObjectStatus::Pending;
  }
  // Every object that is not succeeded, with its error.
  std::string unfinished_objects() const {
    std::string out;
    for (const auto& o : store_->objects("e2e", "")) {
      if (o.status != meta::ObjectStatus::Succeeded) {
        out += o.key + " " + std::string(meta::to_string(o.status)) + ": " + o.error + "\n";
      }
    }
    return out;
  }

  Rows my_rows(const std::string& sql) { return my_->query(sql).rows; }
  Rows pg_rows(const std::string& sql) { return pg_->query(sql).rows; }
  std::string my_scalar(const std::string& sql) { return my_->scalar(sql); }

  std::string my_dsn_, pg_dsn_, name_, src_, dst_;
  std::filesystem::path dir_;
  host::PluginRegistry plugins_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<MysqlSession> my_;
  std::unique_ptr<PgSession> pg_;
  host::TaskStatus last_;
};

}  // namespace ferry::migration_testing
