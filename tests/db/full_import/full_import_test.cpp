// The full-import component through the real host (TaskRunner, meta store, plugin registry)
// with the real mysql and postgres connector plugins, against the test bed: MySQL → PostgreSQL,
// PostgreSQL → MySQL and same-engine copies into tables the test creates (no schema stage: the
// common columns are copied and that is stated), tables without a key, composite string keys,
// empty tables, a table with no common column; a stop in the middle and a second run that copies
// only the unfinished chunks, exactly; indexes and constraints created after the data with their
// statuses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <ferry/sdk/values.hpp>

#include "config/config.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/mysql_session.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"
#include "task/objects.hpp"
#include "task/stage_graph.hpp"
#include "task/task_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;
using meta::TaskState;
using Rows = std::vector<std::vector<QueryResult::Cell>>;

config::Field field(config::FieldValue v) {
  return config::Field{std::move(v), {}, false};
}

Rows sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string show(const Rows& rows, size_t i) {
  std::string s;
  for (const auto& c : rows[i]) s += (s.empty() ? "" : " | ") + c.value_or("NULL");
  return s;
}

// Equal row sets (after sorting), with the first difference in the message.
::testing::AssertionResult same_rows(const Rows& a_in, const Rows& b_in) {
  const Rows a = sorted(a_in), b = sorted(b_in);
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      return ::testing::AssertionFailure()
             << "row " << i << " differs: [" << show(a, i) << "] vs [" << show(b, i) << "]";
    }
  }
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << a.size() << " rows vs " << b.size() << " rows";
  }
  return ::testing::AssertionSuccess();
}

class FullImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_MYSQL(mysql_text);
    FERRY_REQUIRE_PG(pg_text);
    mysql_dsn_ = parse_mysql_dsn(mysql_text);
    pg_dsn_ = pg_text;
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    db_ = ("fi_" + name).substr(0, 40);
    dst_db_ = db_ + "_dst";
    my_ = std::make_unique<MysqlSession>(mysql_dsn_);
    pg_ = std::make_unique<PgSession>(pg_dsn_);
    pg_->exec("SET client_min_messages = warning");
    cleanup();
    my_->exec("CREATE DATABASE " + db_);
    my_->exec("CREATE DATABASE " + dst_db_);
    pg_->exec("CREATE SCHEMA " + db_);
    pg_->exec("CREATE SCHEMA " + dst_db_);

    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-fi-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    store_ = meta::MetaStore::open(dir_ / "data");
    for (const auto& refusal : plugins_.load_directory(FERRY_PLUGIN_BUILD_DIR)) {
      ADD_FAILURE() << "plugin refused: " << refusal;
    }
    ready_ = true;
  }

  void TearDown() override {
    if (ready_ && !HasFailure()) cleanup();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void cleanup() {
    my_->exec("DROP DATABASE IF EXISTS " + db_);
    my_->exec("DROP DATABASE IF EXISTS " + dst_db_);
    pg_->exec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE");
    pg_->exec("DROP SCHEMA IF EXISTS " + dst_db_ + " CASCADE");
  }

  config::EndpointConfig mysql_endpoint() const {
    config::EndpointConfig e;
    e.plugin = "mysql";
    e.fields["host"] = field(mysql_dsn_.host);
    e.fields["port"] = field(int64_t{mysql_dsn_.port});
    e.fields["user"] = field(mysql_dsn_.user);
    e.fields["password"] = field(config::Secret(mysql_dsn_.password));
    return e;
  }

  config::EndpointConfig pg_endpoint() const {
    config::EndpointConfig e;
    e.plugin = "postgres";
    PQconninfoOption* opts = PQconninfoParse(pg_dsn_.c_str(), nullptr);
    for (auto* o = opts; o && o->keyword; ++o) {
      if (!o->val) continue;
      const std::string k = o->keyword, v = o->val;
      if (k == "host") e.fields["host"] = field(v);
      if (k == "port") e.fields["port"] = field(int64_t{std::stoi(v)});
      if (k == "user") e.fields["user"] = field(v);
      if (k == "password") e.fields["password"] = field(config::Secret(v));
      if (k == "dbname") e.fields["database"] = field(v);
    }
    PQconninfoFree(opts);
    return e;
  }

  // A full-import task of the tables of `schema` (types = full only: no schema stage).
  config::TaskConfig task(config::EndpointConfig source, config::EndpointConfig destination,
                          const std::string& schema, config::FieldMap stage_config = {}) const {
    config::TaskConfig t;
    t.id = "fi";
    t.types = {config::MigrationType::Full};
    t.where = {"task.toml", 1, 1};
    t.source = std::move(source);
    t.destination = std::move(destination);
    t.objects.push_back(config::ObjectRule{{schema + ".*"}, {}, {"task.toml", 2, 1}});
    config::StageConfig s;
    s.name = "full-import";
    s.component = "full-import";
    s.config = std::move(stage_config);
    s.where = {"task.toml", 10, 1};
    t.stages.push_back(std::move(s));
    return t;
  }

  std::unique_ptr<host::TaskRunner> runner(const config::TaskConfig& t) {
    task_ = t;
    auto graph = host::build_stage_graph(task_, plugins_);
    EXPECT_TRUE(graph.ok()) << (graph.errors.empty() ? "" : graph.errors.at(0).str());
    host::RunnerOptions opts;
    opts.persist_interval = 100ms;
    opts.data_dir = dir_ / "data";
    return std::make_unique<host::TaskRunner>(task_, graph.graph, plugins_, *store_, opts);
  }

  // Runs the task to its end; returns the final state and keeps the last status.
  TaskState run(const config::TaskConfig& t) {
    auto r = runner(t);
    r->start();
    const TaskState state = r->wait();
    last_ = r->status();
    return state;
  }

  const host::StageStatus& stage() const {
    for (const auto& s : last_.stages) {
      if (s.name == "full-import") return s;
    }
    throw std::runtime_error("no full-import stage in the status");
  }
  double metric(const std::string& name) const {
    const auto& m = stage().metrics;
    const auto it = m.find(name);
    return it == m.end() ? 0 : it->second;
  }
  nlohmann::json progress() const { return nlohmann::json::parse(stage().progress_json); }

  std::optional<meta::ObjectRecord> object(const std::string& key) const {
    return store_->object("fi", key);
  }
  nlohmann::json detail(const std::string& key) const {
    const auto o = object(key);
    if (!o) return nlohmann::json::object();
    return nlohmann::json::parse(o->detail_json.empty() ? "{}" : o->detail_json);
  }

  // Chunk checkpoints of a table: n → "started" / "done <rows>".
  std::map<size_t, std::string> chunk_states(const std::string& table) const {
    std::map<size_t, std::string> out;
    const std::string prefix = "full-import/chunk/" + table + "/";
    for (const auto& key : store_->checkpoint_keys("fi")) {
      if (key.rfind(prefix, 0) != 0) continue;
      const auto v = store_->checkpoint("fi", key);
      out[std::stoul(key.substr(prefix.size()))] = std::string(v->begin(), v->end());
    }
    return out;
  }

  // Multi-row INSERTs of `n` rows made by `row(i)` (i from 1), 500 rows per statement.
  void mysql_fill(const std::string& table, int n, const std::function<std::string(int)>& row) {
    std::string sql;
    for (int i = 1; i <= n; ++i) {
      sql += (sql.empty() ? "INSERT INTO " + table + " VALUES " : ",") + row(i);
      if (i % 500 == 0 || i == n) {
        my_->exec(sql);
        sql.clear();
      }
    }
  }

  Rows mysql_rows(const std::string& sql) { return my_->query(sql).rows; }
  Rows pg_rows(const std::string& sql) { return pg_->query(sql).rows; }

  MysqlDsn mysql_dsn_;
  std::string pg_dsn_, db_, dst_db_;
  std::unique_ptr<MysqlSession> my_;
  std::unique_ptr<PgSession> pg_;
  std::filesystem::path dir_;
  std::unique_ptr<meta::MetaStore> store_;
  host::PluginRegistry plugins_;
  config::TaskConfig task_;
  host::TaskStatus last_;
  bool ready_ = false;
};

// Small chunks and batches, two readers and two writers: many chunks per table.
config::FieldMap small_chunks() {
  return {{"split_rows", field(int64_t{400})},
          {"batch_rows", field(int64_t{100})},
          {"readers", field(int64_t{2})},
          {"writers", field(int64_t{2})}};
}

std::string mysql_text(int i) {
  // Quotes, backslashes, tabs, newlines and 4-byte UTF-8 go through both encodings.
  return "'name-" + std::to_string(i) + " it''s \\\\ a\\tb\\nc é 😀'";
}

TEST_F(FullImportTest, MysqlToPostgresCopiesEveryRowExactlyAndStatesTheColumnOverlap) {
  const std::string s = db_;
  my_->exec("CREATE TABLE " + s +
            ".orders (id INT PRIMARY KEY, name VARCHAR(100), amount DECIMAL(10,2), note TEXT, "
            "src_only INT)");
  mysql_fill(s + ".orders", 3000, [](int i) {
    return "(" + std::to_string(i) + "," + mysql_text(i) + "," + std::to_string(i) + ".25," +
           (i % 7 == 0 ? std::string("NULL") : "'note " + std::to_string(i) + "'") + "," +
           std::to_string(i * 3) + ")";
  });
  my_->exec("CREATE TABLE " + s + ".nokey (a INT, b VARCHAR(20))");
  // Identical rows: a table without a key keeps its duplicates.
  mysql_fill(s + ".nokey", 900, [](int i) {
    return "(" + std::to_string(i % 300) + ",'b" + std::to_string(i % 300) + "')";
  });
  my_->exec("CREATE TABLE " + s +
            ".pairs (k1 VARCHAR(30), k2 VARCHAR(30), v INT, PRIMARY KEY (k1, k2))");
  mysql_fill(s + ".pairs", 1500, [](int i) {
    return "('k1-" + std::to_string(i % 37) + "','k2-" + std::to_string(i) + " x'," +
           std::to_string(i) + ")";
  });
  my_->exec("CREATE TABLE " + s + ".empty_t (id INT PRIMARY KEY, v TEXT)");
  my_->exec("ANALYZE TABLE " + s + ".orders, " + s + ".nokey, " + s + ".pairs");

  // The destination tables, made by hand: `orders` lacks src_only and has dst_only.
  pg_->exec("CREATE TABLE " + s +
            ".orders (id int PRIMARY KEY, name varchar(100), amount numeric(10,2), note text, "
            "dst_only int DEFAULT 7)");
  pg_->exec("CREATE TABLE " + s + ".nokey (a int, b varchar(20))");
  pg_->exec("CREATE TABLE " + s +
            ".pairs (k1 varchar(30), k2 varchar(30), v int, "
            "PRIMARY KEY (k1, k2))");
  pg_->exec("CREATE TABLE " + s + ".empty_t (id int PRIMARY KEY, v text)");

  ASSERT_EQ(run(task(mysql_endpoint(), pg_endpoint(), s, small_chunks())), TaskState::Completed)
      << last_.error;

  EXPECT_TRUE(
      same_rows(mysql_rows("SELECT id, name, amount, note FROM " + s + ".orders"),
                pg_rows("SELECT id::text, name, amount::text, note FROM " + s + ".orders")));
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM " + s + ".orders WHERE dst_only = 7"), "3000");
  EXPECT_TRUE(same_rows(mysql_rows("SELECT a, b FROM " + s + ".nokey"),
                        pg_rows("SELECT a::text, b FROM " + s + ".nokey")));
  EXPECT_TRUE(same_rows(mysql_rows("SELECT k1, k2, v FROM " + s + ".pairs"),
                        pg_rows("SELECT k1, k2, v::text FROM " + s + ".pairs")));
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM " + s + ".empty_t"), "0");

  // Several chunks were planned, and every one is done.
  EXPECT_GT(metric("chunks_total"), 8);
  EXPECT_EQ(metric("chunks_done"), metric("chunks_total"));
  EXPECT_EQ(metric("rows_written"), 3000 + 900 + 1500);
  EXPECT_GT(metric("read_calls"), 0);
  EXPECT_GT(metric("write_calls"), 0);
  EXPECT_GT(metric("split_calls"), 0);

  // Per table: the data object with its counts; the overlap is stated.
  for (const char* t : {"orders", "nokey", "pairs", "empty_t"}) {
    const auto o = object("data:" + s + "." + t);
    ASSERT_TRUE(o) << t;
    EXPECT_EQ(o->status, meta::ObjectStatus::Succeeded) << t << ": " << o->error;
    EXPECT_GT(o->finished_at_ms, 0) << t;
  }
  EXPECT_EQ(detail("data:" + s + ".orders")["migrated_rows"], 3000);
  EXPECT_EQ(detail("data:" + s + ".orders")["columns_left_out"],
            nlohmann::json::array({"src_only"}));
  EXPECT_GT(detail("data:" + s + ".orders")["chunks_total"].get<int>(), 1);
  EXPECT_EQ(detail("data:" + s + ".empty_t")["migrated_rows"], 0);
  EXPECT_FALSE(detail("data:" + s + ".pairs").contains("columns_left_out"));
  const auto p = progress();
  EXPECT_EQ(p["tables_total"], 4);
  EXPECT_EQ(p["tables_done"], 4);
  EXPECT_EQ(p["tables_failed"], 0);
  EXPECT_EQ(p["rows_migrated"], 5400);
  EXPECT_NE(p["columns"].get<std::string>().find("only the columns present on both sides"),
            std::string::npos);
  EXPECT_EQ(p["tables_with_columns_left_out"], 1);
  EXPECT_EQ(p["columns_left_out"][0]["table"], s + ".orders");
  EXPECT_TRUE(p.contains("avg_read_ms") && p.contains("avg_write_ms") &&
              p.contains("avg_split_ms") && p.contains("rows_per_second"));
  // The host's time series has the stage's counters.
  const auto series = store_->metric_samples("fi", "full-import", "rows_written");
  ASSERT_FALSE(series.empty());
  EXPECT_EQ(series.back().value, 5400);
}

TEST_F(FullImportTest, PostgresToMysqlCopiesEveryRowExactly) {
  const std::string s = db_;
  pg_->exec("CREATE TABLE " + s +
            ".items (id bigint PRIMARY KEY, label text, price numeric(12,3), ok boolean, "
            "extra text)");
  pg_->exec("INSERT INTO " + s +
            ".items SELECT i, 'label ' || i || E' \\\\ ''q'' é', i * 1.125, i % 2 = 0, 'x' "
            "FROM generate_series(1, 2500) i");
  pg_->exec("CREATE TABLE " + s + ".bag (a int, b text)");
  pg_->exec("INSERT INTO " + s +
            ".bag SELECT i % 50, 'b' || (i % 50) FROM generate_series(1, 2000) i");
  pg_->exec("CREATE TABLE " + s + ".pairs (k1 text, k2 text, v int, PRIMARY KEY (k1, k2))");
  pg_->exec("INSERT INTO " + s +
            ".pairs SELECT 'a' || (i % 13), 'b ' || i, i FROM generate_series(1, 1200) i");
  pg_->exec("CREATE TABLE " + s + ".nothing (id int PRIMARY KEY)");
  pg_->exec("ANALYZE " + s + ".items");
  pg_->exec("ANALYZE " + s + ".bag");
  pg_->exec("ANALYZE " + s + ".pairs");

  my_->exec("CREATE TABLE " + s +
            ".items (id BIGINT PRIMARY KEY, label TEXT, price DECIMAL(12,3), ok TINYINT(1))");
  my_->exec("CREATE TABLE " + s + ".bag (a INT, b TEXT)");
  my_->exec("CREATE TABLE " + s +
            ".pairs (k1 VARCHAR(20), k2 VARCHAR(20), v INT, PRIMARY KEY (k1, k2))");
  my_->exec("CREATE TABLE " + s + ".nothing (id INT PRIMARY KEY)");

  ASSERT_EQ(run(task(pg_endpoint(), mysql_endpoint(), s, small_chunks())), TaskState::Completed)
      << last_.error;
  EXPECT_TRUE(same_rows(
      pg_rows("SELECT id::text, label, price::text, (ok::int)::text FROM " + s + ".items"),
      mysql_rows("SELECT id, label, price, ok FROM " + s + ".items")));
  EXPECT_TRUE(same_rows(pg_rows("SELECT a::text, b FROM " + s + ".bag"),
                        mysql_rows("SELECT a, b FROM " + s + ".bag")));
  EXPECT_TRUE(same_rows(pg_rows("SELECT k1, k2, v::text FROM " + s + ".pairs"),
                        mysql_rows("SELECT k1, k2, v FROM " + s + ".pairs")));
  EXPECT_EQ(my_->scalar("SELECT count(*) FROM " + s + ".nothing"), "0");
  EXPECT_EQ(detail("data:" + s + ".items")["columns_left_out"], nlohmann::json::array({"extra"}));
  EXPECT_EQ(metric("rows_written"), 2500 + 2000 + 1200);
  EXPECT_EQ(metric("chunks_done"), metric("chunks_total"));
  EXPECT_GT(metric("chunks_total"), 8);
}

TEST_F(FullImportTest, SameEngineCopiesIntoRenamedSchemas) {
  // MySQL → MySQL and PostgreSQL → PostgreSQL, the destination schema renamed.
  my_->exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v VARCHAR(50), d DATETIME(6))");
  mysql_fill(db_ + ".t", 1200, [](int i) {
    return "(" + std::to_string(i) + ",'v" + std::to_string(i) + "','2024-01-02 03:04:05.1234" +
           std::to_string(i % 10) + "')";
  });
  my_->exec("ANALYZE TABLE " + db_ + ".t");
  my_->exec("CREATE TABLE " + dst_db_ + ".t (id INT PRIMARY KEY, v VARCHAR(50), d DATETIME(6))");
  auto t = task(mysql_endpoint(), mysql_endpoint(), db_, small_chunks());
  t.rename.schemas[db_] = dst_db_;
  ASSERT_EQ(run(t), TaskState::Completed) << last_.error;
  EXPECT_TRUE(same_rows(mysql_rows("SELECT id, v, d FROM " + db_ + ".t"),
                        mysql_rows("SELECT id, v, d FROM " + dst_db_ + ".t")));
  EXPECT_EQ(object("data:" + db_ + ".t")->dest_name, dst_db_ + ".t");

  // A fresh meta store for the second task.
  store_.reset();
  std::filesystem::remove_all(dir_ / "data");
  std::filesystem::create_directories(dir_ / "data");
  store_ = meta::MetaStore::open(dir_ / "data");
  pg_->exec("CREATE TABLE " + db_ + ".t (id int PRIMARY KEY, v text, j jsonb, a int[])");
  pg_->exec("INSERT INTO " + db_ +
            ".t SELECT i, 'v' || i, jsonb_build_object('k', i), "
            "ARRAY[i, i + 1] FROM generate_series(1, 1500) i");
  pg_->exec("ANALYZE " + db_ + ".t");
  pg_->exec("CREATE TABLE " + dst_db_ + ".t (id int PRIMARY KEY, v text, j jsonb, a int[])");
  auto p = task(pg_endpoint(), pg_endpoint(), db_, small_chunks());
  p.rename.schemas[db_] = dst_db_;
  ASSERT_EQ(run(p), TaskState::Completed) << last_.error;
  EXPECT_TRUE(same_rows(pg_rows("SELECT id::text, v, j::text, a::text FROM " + db_ + ".t"),
                        pg_rows("SELECT id::text, v, j::text, a::text FROM " + dst_db_ + ".t")));
}

TEST_F(FullImportTest, ATableWithNoCommonColumnFailsNamingItAndTheOthersAreCopied) {
  const std::string s = db_;
  my_->exec("CREATE TABLE " + s + ".good (id INT PRIMARY KEY, v INT)");
  mysql_fill(s + ".good", 100, [](int i) { return "(" + std::to_string(i) + ",1)"; });
  my_->exec("CREATE TABLE " + s + ".odd (x INT)");
  my_->exec("INSERT INTO " + s + ".odd VALUES (1)");
  my_->exec("CREATE TABLE " + s + ".missing (x INT)");
  pg_->exec("CREATE TABLE " + s + ".good (id int PRIMARY KEY, v int)");
  pg_->exec("CREATE TABLE " + s + ".odd (y int)");

  ASSERT_EQ(run(task(mysql_endpoint(), pg_endpoint(), s)), TaskState::Failed);
  EXPECT_NE(last_.error.find(s + ".odd"), std::string::npos) << last_.error;
  EXPECT_NE(last_.error.find(s + ".missing"), std::string::npos) << last_.error;
  EXPECT_EQ(object("data:" + s + ".good")->status, meta::ObjectStatus::Succeeded);
  const auto odd = object("data:" + s + ".odd");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, meta::ObjectStatus::Failed);
  EXPECT_NE(odd->error.find("no column of the source table"), std::string::npos) << odd->error;
  EXPECT_NE(object("data:" + s + ".missing")->error.find("does not exist"), std::string::npos);
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM " + s + ".good"), "100");
  // "View Objects with Errors".
  host::TaskObjects objects(*store_, "fi");
  const auto errors = objects.list({.stage = "full-import", .kind = "data", .errors_only = true});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(progress()["tables_failed"], 2);
}

TEST_F(FullImportTest, ARestartAfterAStopCopiesOnlyTheUnfinishedChunksExactly) {
  const std::string s = db_;
  // a_nokey: one chunk, no key (copied again from scratch after the stop: truncated first);
  // b_keyed: many chunks (the finished ones are not copied again).
  my_->exec("CREATE TABLE " + s + ".a_nokey (a INT, b VARCHAR(20))");
  mysql_fill(s + ".a_nokey", 8000, [](int i) {
    return "(" + std::to_string(i % 1000) + ",'b" + std::to_string(i % 1000) + "')";
  });
  my_->exec("CREATE TABLE " + s + ".b_keyed (id INT PRIMARY KEY, name VARCHAR(100))");
  mysql_fill(s + ".b_keyed", 12000,
             [](int i) { return "(" + std::to_string(i) + "," + mysql_text(i) + ")"; });
  my_->exec("ANALYZE TABLE " + s + ".a_nokey, " + s + ".b_keyed");
  pg_->exec("CREATE TABLE " + s + ".a_nokey (a int, b varchar(20))");
  pg_->exec("CREATE TABLE " + s + ".b_keyed (id int PRIMARY KEY, name varchar(100))");

  auto slow = task(mysql_endpoint(), pg_endpoint(), s,
                   {{"split_rows", field(int64_t{1000})},
                    {"batch_rows", field(int64_t{100})},
                    {"readers", field(int64_t{2})},
                    {"writers", field(int64_t{2})},
                    {"max_rows_per_second", field(4000.0)}});
  {
    auto r = runner(slow);
    r->start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    auto chunks_done = [&] {
      for (const auto& st : r->status().stages) {
        const auto it = st.metrics.find("chunks_done");
        if (it != st.metrics.end()) return it->second;
      }
      return 0.0;
    };
    while (chunks_done() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(chunks_done(), 3);
    r->stop();
    ASSERT_TRUE(r->wait_for(20s));
    EXPECT_EQ(r->status().state, TaskState::Paused);
  }
  // What the checkpoints say now: a_nokey started, not done; some of b_keyed done, not all.
  const auto a_states = chunk_states(s + ".a_nokey");
  ASSERT_EQ(a_states.size(), 1u);
  EXPECT_EQ(a_states.at(0), "started");
  const auto b_states = chunk_states(s + ".b_keyed");
  std::vector<size_t> done;
  for (const auto& [n, v] : b_states) {
    if (v.rfind("done ", 0) == 0) done.push_back(n);
  }
  ASSERT_FALSE(done.empty());
  const size_t planned = detail("data:" + s + ".b_keyed")["chunks_total"].get<size_t>();
  ASSERT_GT(planned, 8u);
  ASSERT_LT(done.size(), planned);

  // Mark a row of a finished chunk on the destination: it must not be copied again.
  const std::string plan_text = [&] {
    const auto v = store_->checkpoint("fi", "full-import/plan/" + s + ".b_keyed");
    return std::string(v->begin(), v->end());
  }();
  ASSERT_FALSE(plan_text.empty());
  const auto first_done = pg_->query("SELECT min(id) FROM " + s + ".b_keyed").rows;
  ASSERT_TRUE(first_done.at(0).at(0));
  // Which id is in a done chunk: the key range of the first done chunk (decoded by the
  // component's format: hex of canonical text), or id 1 when chunk 0 is done.
  std::string marked_id;
  {
    const auto plan = nlohmann::json::parse(plan_text);
    const auto& split = plan["splits"][done.front()];
    if (split["lower"].is_null()) {
      marked_id = "1";
    } else {
      const std::string h = split["lower"][0].get<std::string>();
      for (size_t i = 0; i < h.size(); i += 2) {
        marked_id += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
      }
    }
  }
  pg_->exec("UPDATE " + s + ".b_keyed SET name = 'marked' WHERE id = " + marked_id);
  ASSERT_EQ(pg_->scalar("SELECT count(*) FROM " + s + ".b_keyed WHERE name = 'marked'"), "1");

  // kill -9 between a chunk's last commit and its "done" checkpoint: the chunk reads as
  // started, and is written again over its own rows (idempotently, so without a duplicate key).
  ASSERT_GE(done.size(), 2u);
  const size_t redone = done.back();
  ASSERT_NE(redone, done.front());
  store_->put_checkpoint("fi", "full-import/chunk/" + s + ".b_keyed/" + std::to_string(redone),
                         to_bytes("started"));
  const size_t skipped = done.size() - 1;

  // The second run, at full speed.
  auto fast = slow;
  fast.stages[0].config.erase("max_rows_per_second");
  ASSERT_EQ(run(fast), TaskState::Completed) << last_.error;
  EXPECT_EQ(metric("chunks_skipped"), static_cast<double>(skipped));
  EXPECT_EQ(metric("chunks_done"), static_cast<double>(planned - skipped + 1));
  EXPECT_EQ(metric("tables_truncated"), 1);
  EXPECT_EQ(pg_->scalar("SELECT name FROM " + s + ".b_keyed WHERE id = " + marked_id), "marked");
  pg_->exec("UPDATE " + s + ".b_keyed SET name = " +
            pg_->quote(my_->scalar("SELECT name FROM " + s + ".b_keyed WHERE id = " + marked_id)) +
            " WHERE id = " + marked_id);
  EXPECT_TRUE(same_rows(mysql_rows("SELECT id, name FROM " + s + ".b_keyed"),
                        pg_rows("SELECT id::text, name FROM " + s + ".b_keyed")));
  EXPECT_TRUE(same_rows(mysql_rows("SELECT a, b FROM " + s + ".a_nokey"),
                        pg_rows("SELECT a::text, b FROM " + s + ".a_nokey")));
  for (const auto& [n, v] : chunk_states(s + ".b_keyed")) {
    EXPECT_EQ(v.rfind("done ", 0), 0u) << "chunk " << n << ": " << v;
  }
  EXPECT_EQ(detail("data:" + s + ".b_keyed")["migrated_rows"], 12000);
  EXPECT_EQ(detail("data:" + s + ".b_keyed")["chunks_skipped"], skipped);

  // A third run has nothing left to copy.
  ASSERT_EQ(run(fast), TaskState::Completed) << last_.error;
  EXPECT_EQ(metric("rows_written"), 0);
  EXPECT_EQ(progress()["tables_done"], 2);
}

// The same into MySQL (REPLACE for the chunks written again), from PostgreSQL, whose table
// without a key is read in several ctid-range chunks.
TEST_F(FullImportTest, PostgresToMysqlRestartIsExactToo) {
  const std::string s = db_;
  // a_keyed first (in the catalog's order by name or by creation): its 3 chunks are handed
  // out before bag's 9.
  pg_->exec("CREATE TABLE " + s + ".a_keyed (id int PRIMARY KEY, v text)");
  pg_->exec("INSERT INTO " + s + ".a_keyed SELECT i, 'v ' || i FROM generate_series(1, 2400) i");
  pg_->exec("CREATE TABLE " + s + ".bag (a int, b text)");
  pg_->exec("INSERT INTO " + s +
            ".bag SELECT i % 100, 'b' || (i % 100) FROM generate_series(1, 6000) i");
  pg_->exec("ANALYZE " + s + ".bag");
  pg_->exec("ANALYZE " + s + ".a_keyed");
  my_->exec("CREATE TABLE " + s + ".bag (a INT, b TEXT)");
  my_->exec("CREATE TABLE " + s + ".a_keyed (id INT PRIMARY KEY, v TEXT)");

  auto slow = task(pg_endpoint(), mysql_endpoint(), s,
                   {{"split_rows", field(int64_t{800})},
                    {"batch_rows", field(int64_t{100})},
                    {"readers", field(int64_t{2})},
                    {"writers", field(int64_t{2})},
                    {"max_rows_per_second", field(3000.0)}});
  {
    auto r = runner(slow);
    r->start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    auto chunks_done = [&] {
      for (const auto& st : r->status().stages) {
        const auto it = st.metrics.find("chunks_done");
        if (it != st.metrics.end()) return it->second;
      }
      return 0.0;
    };
    while (chunks_done() < 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(chunks_done(), 4);
    r->stop();
    ASSERT_TRUE(r->wait_for(20s));
  }
  const size_t bag_chunks = detail("data:" + s + ".bag")["chunks_total"].get<size_t>();
  EXPECT_GT(bag_chunks, 1u) << "the table without a key should be read in ctid ranges";
  // As if ferryd died after the first done chunk's commit but before its checkpoint (and before
  // the table was recorded as copied).
  size_t keyed_done = 0;
  for (const auto& [n, v] : chunk_states(s + ".a_keyed")) {
    if (v.rfind("done ", 0) == 0) {
      ++keyed_done;
      if (keyed_done == 1) {
        store_->put_checkpoint("fi", "full-import/chunk/" + s + ".a_keyed/" + std::to_string(n),
                               to_bytes("started"));
      }
    }
  }
  host::put_object_json(
      *store_, "fi", "full-import",
      nlohmann::json{{"key", "data:" + s + ".a_keyed"}, {"status", "running"}}.dump());
  ASSERT_EQ(run(slow), TaskState::Completed) << last_.error;
  EXPECT_TRUE(same_rows(pg_rows("SELECT a::text, b FROM " + s + ".bag"),
                        mysql_rows("SELECT a, b FROM " + s + ".bag")));
  EXPECT_TRUE(same_rows(pg_rows("SELECT id::text, v FROM " + s + ".a_keyed"),
                        mysql_rows("SELECT id, v FROM " + s + ".a_keyed")));
  ASSERT_GT(keyed_done, 0u);
  EXPECT_EQ(metric("chunks_skipped"), static_cast<double>(keyed_done - 1));
  EXPECT_EQ(metric("tables_truncated"), 1);
}

// With the schema stage in the task (when the schema component is built): full import copies
// into the tables schema migration created (its table objects say where, column renames
// included), sets the identity counters, then creates the indexes and — no incremental sync —
// the constraints schema migration recorded.
TEST_F(FullImportTest, AfterSchemaMigrationCopiesIntoItsTablesThenIndexesAndConstraints) {
  if (!plugins_.find(FERRY_KIND_COMPONENT, "schema")) {
    GTEST_SKIP() << "the schema component is not built in this tree";
  }
  const std::string s = db_;
  pg_->exec("DROP SCHEMA " + s);  // schema migration creates it
  my_->exec("CREATE TABLE " + s +
            ".acct (id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(40) NOT NULL, "
            "balance DECIMAL(12,2), KEY k_owner (owner))");
  mysql_fill(s + ".acct", 700, [](int i) {
    return "(" + std::to_string(i) + ",'owner " + std::to_string(i % 50) + "'," +
           std::to_string(i) + ".50)";
  });
  my_->exec("CREATE TABLE " + s +
            ".movement (id BIGINT PRIMARY KEY, acct_id INT NOT NULL, amount DECIMAL(12,2), "
            "CONSTRAINT mv_acct FOREIGN KEY (acct_id) REFERENCES " +
            s + ".acct (id), CONSTRAINT mv_nonzero CHECK (amount <> 0))");
  mysql_fill(s + ".movement", 1500, [](int i) {
    return "(" + std::to_string(i) + "," + std::to_string(1 + i % 700) + "," +
           std::to_string(i % 9 + 1) + ")";
  });
  my_->exec("ANALYZE TABLE " + s + ".acct, " + s + ".movement");

  auto t = task(mysql_endpoint(), pg_endpoint(), s, small_chunks());
  t.types = {config::MigrationType::Schema, config::MigrationType::Full};
  t.stages[0].after = {"schema"};
  t.rename.columns[s + ".acct.owner"] = "holder";
  ASSERT_EQ(run(t), TaskState::Completed) << last_.error;

  EXPECT_TRUE(same_rows(mysql_rows("SELECT id, owner, balance FROM " + s + ".acct"),
                        pg_rows("SELECT id::text, holder, balance::text FROM " + s + ".acct")));
  EXPECT_TRUE(
      same_rows(mysql_rows("SELECT id, acct_id, amount FROM " + s + ".movement"),
                pg_rows("SELECT id::text, acct_id::text, amount::text FROM " + s + ".movement")));
  const auto acct = object("data:" + s + ".acct");
  ASSERT_TRUE(acct);
  EXPECT_EQ(acct->status, meta::ObjectStatus::Succeeded) << acct->error;
  EXPECT_EQ(acct->parent, "table:" + s + ".acct");
  EXPECT_FALSE(detail("data:" + s + ".acct").contains("columns_left_out"));
  EXPECT_FALSE(progress().contains("columns"));
  // Every index and constraint schema migration recorded is in, after the data.
  size_t indexes = 0, constraints = 0;
  for (const auto& o : store_->objects("fi", "")) {
    if (o.kind != "index" && o.kind != "constraint") continue;
    (o.kind == "index" ? indexes : constraints) += 1;
    EXPECT_EQ(o.status, meta::ObjectStatus::Succeeded) << o.key << ": " << o.error;
    EXPECT_GE(o.started_at_ms, acct->finished_at_ms) << o.key;
  }
  EXPECT_GE(indexes, 1u);
  EXPECT_GE(constraints, 2u);
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM pg_constraint WHERE connamespace = '" + s +
                        "'::regnamespace AND contype IN ('f', 'c')"),
            "2");
  // The identity counter continues after the copied ids.
  pg_->exec("INSERT INTO " + s + ".acct (holder, balance) VALUES ('new', 1)");
  EXPECT_EQ(pg_->scalar("SELECT id FROM " + s + ".acct WHERE holder = 'new'"), "701");
}

TEST_F(FullImportTest, IndexesAndConstraintsAreCreatedAfterTheDataWithTheirStatuses) {
  const std::string s = db_;
  my_->exec("CREATE TABLE " + s + ".t (id INT PRIMARY KEY, name VARCHAR(40), n INT)");
  mysql_fill(s + ".t", 2000, [](int i) {
    return "(" + std::to_string(i) + ",'n" + std::to_string(i % 100) + "'," + std::to_string(i) +
           ")";
  });
  my_->exec("CREATE TABLE " + s + ".u (id INT PRIMARY KEY, t_id INT)");
  mysql_fill(s + ".u", 300,
             [](int i) { return "(" + std::to_string(i) + "," + std::to_string(i) + ")"; });
  pg_->exec("CREATE TABLE " + s + ".t (id int PRIMARY KEY, name varchar(40), n int)");
  pg_->exec("CREATE TABLE " + s + ".u (id int PRIMARY KEY, t_id int)");
  // What schema migration would have recorded.
  store_->register_task("fi", "digest");
  auto put = [&](const std::string& key, const std::string& parent, const std::string& ddl,
                 const std::string& status) {
    host::put_object_json(*store_, "fi", "schema",
                          nlohmann::json{{"key", key},
                                         {"parent", parent},
                                         {"source", key.substr(key.find(':') + 1)},
                                         {"destination", s + ".t"},
                                         {"status", status},
                                         {"ddl", ddl}}
                              .dump());
  };
  put("index:" + s + ".t.t_name", "table:" + s + ".t", "CREATE INDEX t_name ON " + s + ".t (name)",
      "pending");
  put("index:" + s + ".t.t_n", "table:" + s + ".t", "CREATE UNIQUE INDEX t_n ON " + s + ".t (n)",
      "pending");
  put("index:" + s + ".u.u_t", "table:" + s + ".u", "CREATE INDEX u_t ON " + s + ".u (t_id)",
      "pending");
  put("index:" + s + ".t.unwanted", "table:" + s + ".t",
      "CREATE INDEX unwanted ON " + s + ".t (n, name)", "removed");
  put("constraint:" + s + ".u.u_fk", "table:" + s + ".u",
      "ALTER TABLE " + s + ".u ADD CONSTRAINT u_fk FOREIGN KEY (t_id) REFERENCES " + s + ".t (id)",
      "pending");
  put("constraint:" + s + ".t.t_check", "table:" + s + ".t",
      "ALTER TABLE " + s + ".t ADD CONSTRAINT t_check CHECK (n > 0)", "pending");

  ASSERT_EQ(run(task(mysql_endpoint(), pg_endpoint(), s)), TaskState::Completed) << last_.error;
  const auto indexes = pg_rows("SELECT indexname FROM pg_indexes WHERE schemaname = '" + s +
                               "' AND indexname NOT LIKE '%pkey' ORDER BY 1");
  EXPECT_EQ(indexes, (Rows{{"t_n"}, {"t_name"}, {"u_t"}}));
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM pg_constraint WHERE conname IN ('u_fk', 't_check') "
                        "AND connamespace = '" +
                        s + "'::regnamespace"),
            "2");
  // An index begins once its own table's data is in (possibly while another table is still
  // being copied); a constraint once every table's data is.
  const auto t_done = object("data:" + s + ".t")->finished_at_ms;
  const auto u_done = object("data:" + s + ".u")->finished_at_ms;
  for (const auto& [key, data_done] : std::vector<std::pair<std::string, int64_t>>{
           {"index:" + s + ".t.t_name", t_done},
           {"index:" + s + ".t.t_n", t_done},
           {"index:" + s + ".u.u_t", u_done},
           {"constraint:" + s + ".u.u_fk", std::max(t_done, u_done)},
           {"constraint:" + s + ".t.t_check", std::max(t_done, u_done)}}) {
    const auto o = object(key);
    ASSERT_TRUE(o) << key;
    EXPECT_EQ(o->status, meta::ObjectStatus::Succeeded) << key << ": " << o->error;
    EXPECT_GT(o->started_at_ms, 0) << key;
    EXPECT_GE(o->finished_at_ms, o->started_at_ms) << key;
    EXPECT_GE(o->started_at_ms, data_done) << key << " began before the data was in";
  }
  EXPECT_EQ(object("index:" + s + ".t.unwanted")->status, meta::ObjectStatus::Removed);
  EXPECT_EQ(progress()["indexes"]["done"], 3);
  EXPECT_EQ(progress()["constraints"]["done"], 2);

  // An index that cannot be created fails the stage, naming it; the data is not copied again.
  put("index:" + s + ".t.broken", "table:" + s + ".t", "CREATE INDEX broken ON " + s + ".t (nope)",
      "pending");
  ASSERT_EQ(run(task(mysql_endpoint(), pg_endpoint(), s)), TaskState::Failed);
  EXPECT_NE(last_.error.find("index:" + s + ".t.broken"), std::string::npos) << last_.error;
  EXPECT_EQ(metric("rows_written"), 0);
  const auto broken = object("index:" + s + ".t.broken");
  EXPECT_EQ(broken->status, meta::ObjectStatus::Failed);
  EXPECT_NE(broken->error.find("nope"), std::string::npos) << broken->error;
  EXPECT_EQ(progress()["tables_done"], 2);
}

// MySQL zero dates into PostgreSQL (docs/type-mapping.md, zero_dates): refused by default,
// naming the column and the row; loaded as NULL with zero_dates = "null" where the
// destination accepts NULL; a NOT NULL destination column is named with the way out.
TEST_F(FullImportTest, ZeroDatesAreRefusedByNameOrLoadedAsNullWhenConfigured) {
  const std::string s = db_;
  my_->exec("SET SESSION sql_mode = ''");
  my_->exec("CREATE TABLE " + s +
            ".z (id INT PRIMARY KEY, d DATE NULL, ts DATETIME(3) NULL, note VARCHAR(10))");
  my_->exec("INSERT INTO " + s +
            ".z VALUES (1, '2024-02-29', '2024-02-29 10:11:12.345', 'ok'), "
            "(2, '0000-00-00', '0000-00-00 00:00:00', 'zero'), "
            "(3, '2024-00-10', '2024-05-00 01:02:03', 'part'), (4, NULL, NULL, 'null')");
  my_->exec("CREATE TABLE " + s + ".zn (id INT PRIMARY KEY, d DATE NOT NULL)");
  my_->exec("INSERT INTO " + s + ".zn VALUES (1, '2020-01-01'), (7, '0000-00-00')");
  pg_->exec("CREATE TABLE " + s + ".z (id int PRIMARY KEY, d date, ts timestamp(3), note text)");
  pg_->exec("CREATE TABLE " + s + ".zn (id int PRIMARY KEY, d date NOT NULL)");

  // Default: refused, naming the column, the row and the setting.
  ASSERT_EQ(run(task(mysql_endpoint(), pg_endpoint(), s)), TaskState::Failed);
  const auto z = object("data:" + s + ".z");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->status, meta::ObjectStatus::Failed);
  EXPECT_NE(z->error.find("column " + s + ".z.d holds the zero date '0000-00-00' (row id='2')"),
            std::string::npos)
      << z->error;
  EXPECT_NE(z->error.find("zero_dates = \"null\" in the full-import stage's config"),
            std::string::npos)
      << z->error;

  // zero_dates = "null": the nullable columns get NULL, every other value is exact; the NOT
  // NULL column is named with what to do.
  auto t = task(mysql_endpoint(), pg_endpoint(), s, {{"zero_dates", field(std::string("null"))}});
  ASSERT_EQ(run(t), TaskState::Failed);
  EXPECT_TRUE(same_rows(pg_rows("SELECT id::text, d::text, ts::text, note FROM " + s + ".z"),
                        Rows{{"1", "2024-02-29", "2024-02-29 10:11:12.345", "ok"},
                             {"2", std::nullopt, std::nullopt, "zero"},
                             {"3", std::nullopt, std::nullopt, "part"},
                             {"4", std::nullopt, std::nullopt, "null"}}));
  EXPECT_EQ(object("data:" + s + ".z")->status, meta::ObjectStatus::Succeeded);
  const auto zn = object("data:" + s + ".zn");
  ASSERT_TRUE(zn);
  EXPECT_EQ(zn->status, meta::ObjectStatus::Failed);
  EXPECT_NE(zn->error.find("column " + s + ".zn.d holds the zero date '0000-00-00' (row id='7')"),
            std::string::npos)
      << zn->error;
  EXPECT_NE(zn->error.find(s + ".zn.d is NOT NULL: drop NOT NULL"), std::string::npos) << zn->error;

  // The operator drops NOT NULL; the next run copies the rest.
  pg_->exec("ALTER TABLE " + s + ".zn ALTER COLUMN d DROP NOT NULL");
  ASSERT_EQ(run(t), TaskState::Completed) << last_.error;
  EXPECT_TRUE(same_rows(pg_rows("SELECT id::text, d::text FROM " + s + ".zn"),
                        Rows{{"1", "2020-01-01"}, {"7", std::nullopt}}));

  // With schema migration, its zero_dates decides (full import's own is refused).
  pg_->exec("DROP TABLE " + s + ".z, " + s + ".zn");
  t.types = {config::MigrationType::Schema, config::MigrationType::Full};
  t.stages[0].after = {"schema"};
  ASSERT_EQ(run(t), TaskState::Failed);
  EXPECT_NE(last_.error.find("zero_dates is set, but the task has schema migration"),
            std::string::npos)
      << last_.error;
}

// Through schema migration: a zero-date default makes the column nullable (zero_dates =
// "null" on the schema stage) and the zero dates arrive as NULL.
TEST_F(FullImportTest, SchemaMigrationsZeroDatesSettingAppliesToTheData) {
  const std::string s = db_;
  pg_->exec("DROP SCHEMA " + s);  // schema migration creates it
  my_->exec("SET SESSION sql_mode = ''");
  my_->exec("CREATE TABLE " + s +
            ".ev (id INT PRIMARY KEY, at DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00', "
            "day DATE)");
  my_->exec("INSERT INTO " + s +
            ".ev VALUES (1, '2023-01-02 03:04:05', '2023-01-02'), (2, '0000-00-00 00:00:00', "
            "'0000-00-00'), (3, '1999-12-31 23:59:59', NULL)");
  auto t = task(mysql_endpoint(), pg_endpoint(), s);
  t.types = {config::MigrationType::Schema, config::MigrationType::Full};
  t.stages[0].after = {"schema"};
  config::StageConfig schema;
  schema.name = "schema";
  schema.component = "schema";
  schema.config = {{"zero_dates", field(std::string("null"))}};
  schema.where = {"task.toml", 20, 1};
  t.stages.push_back(schema);
  ASSERT_EQ(run(t), TaskState::Completed) << last_.error;
  EXPECT_TRUE(same_rows(pg_rows("SELECT id::text, at::text, day::text FROM " + s + ".ev"),
                        Rows{{"1", "2023-01-02 03:04:05", "2023-01-02"},
                             {"2", std::nullopt, std::nullopt},
                             {"3", "1999-12-31 23:59:59", std::nullopt}}));
  EXPECT_EQ(
      pg_->scalar("SELECT is_nullable FROM information_schema.columns WHERE table_schema = '" + s +
                  "' AND table_name = 'ev' AND column_name = 'at'"),
      "YES");
}

}  // namespace
}  // namespace ferry::testing
