// kill -9 of the real ferryd during full import, then `ferryd --run` again: the destination is
// exactly the source (row set equal, no duplicates), and the second run copies exactly the
// chunks that were not done when ferryd died — counted three ways: the chunk checkpoints read
// from the meta store (SQLite in data_dir, opened read-only beside the running daemon), the
// full-import stage's metrics recorded by the second run (chunks_skipped, chunks_done), and
// the destination itself (PostgreSQL rows whose xmin is newer than the kill: rows written by the
// second run, which must be the source's rows minus those of the chunks done before the kill).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/migration/migration_support.hpp"

namespace ferry::migration_testing {
namespace {

using namespace std::chrono_literals;

// The meta store of a (possibly running) ferryd, read-only.
class MetaReader {
 public:
  explicit MetaReader(const std::filesystem::path& db) {
    if (sqlite3_open_v2(db.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("cannot open " + db.string() + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~MetaReader() { sqlite3_close(db_); }
  MetaReader(const MetaReader&) = delete;
  MetaReader& operator=(const MetaReader&) = delete;

  // Rows of `sql` as text (NULL as "").
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_) + " in " + sql);
    }
    std::vector<std::vector<std::string>> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto& row = out.emplace_back();
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const auto* text = sqlite3_column_text(st, c);
        row.emplace_back(text ? std::string(reinterpret_cast<const char*>(text),
                                            static_cast<size_t>(sqlite3_column_bytes(st, c)))
                              : std::string());
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    return out;
  }

  // chunk number → "started" / "done <rows>" for one table (the stage's checkpoints).
  std::map<int, std::string> chunks(const std::string& task, const std::string& table) {
    std::map<int, std::string> out;
    const std::string prefix = "full-import/chunk/" + table + "/";
    for (const auto& r :
         query("SELECT key, CAST(value AS TEXT) FROM checkpoints WHERE task_id = '" + task +
               "' AND key LIKE '" + prefix + "%'")) {
      out[std::stoi(r[0].substr(prefix.size()))] = r[1];
    }
    return out;
  }
  // Chunks planned for the table, or -1 before the plan is written.
  int planned(const std::string& task, const std::string& table) {
    const auto r = query("SELECT CAST(value AS TEXT) FROM checkpoints WHERE task_id = '" + task +
                         "' AND key = 'full-import/plan/" + table + "'");
    if (r.empty()) return -1;
    return static_cast<int>(nlohmann::json::parse(r[0][0]).at("splits").size());
  }
  // The last sample of a full-import metric.
  double last_metric(const std::string& task, const std::string& name) {
    const auto r =
        query("SELECT value FROM metric_samples WHERE task_id = '" + task +
              "' AND stage = 'full-import' AND name = '" + name + "' ORDER BY at_ms DESC LIMIT 1");
    return r.empty() ? -1 : std::stod(r[0][0]);
  }

 private:
  sqlite3* db_ = nullptr;
};

size_t count_done(const std::map<int, std::string>& chunks, uint64_t* rows = nullptr) {
  size_t n = 0;
  for (const auto& [i, v] : chunks) {
    if (v.rfind("done ", 0) != 0) continue;
    ++n;
    if (rows) *rows += std::stoull(v.substr(5));
  }
  return n;
}

class FerrydKill : public MigrationTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    MigrationTest::TearDown();
  }

  // The daemon config: one task of types schema + full, MySQL → PostgreSQL, small chunks;
  // `rate` caps the copy's rows per second (0 = none).
  std::filesystem::path write_config(double rate) {
    const auto my = ferry::testing::parse_mysql_dsn(my_dsn_);
    const auto pg = ferry::testing::parse_mysql_dsn(pg_dsn_);
    const auto path = dir_ / "ferryd.toml";
    std::ofstream f(path);
    f << "[server]\n"
      << "data_dir = \"" << (dir_ / "ferryd").string() << "\"\n"
      << "plugin_dir = \"" << FERRY_PLUGIN_BUILD_DIR << "\"\n"
      << "log_level = \"info\"\n\n"
      << "[[task]]\nid = \"kill9\"\ntypes = [\"schema\", \"full\"]\n"
      << "[task.source]\nplugin = \"mysql\"\nhost = \"" << my.host << "\"\nport = " << my.port
      << "\nuser = \"" << my.user << "\"\npassword_env = \"FERRY_E2E_SRC_PASSWORD\"\n"
      << "[task.destination]\nplugin = \"postgres\"\nhost = \"" << pg.host
      << "\"\nport = " << pg.port << "\nuser = \"" << pg.user
      << "\"\npassword_env = \"FERRY_E2E_DST_PASSWORD\"\ndatabase = \"" << pg.database << "\"\n"
      << "[[task.objects]]\ninclude = \"" << src_ << ".*\"\n"
      << "[task.rename]\nschemas = { " << src_ << " = \"" << dst_ << "\" }\n"
      << "[[task.stage]]\nname = \"full-import\"\ncomponent = \"full-import\"\n"
      << "after = [\"schema\"]\n[task.stage.config]\nsplit_rows = 500\nbatch_rows = 100\n"
      << "readers = 2\nwriters = 2\n";
    if (rate > 0) f << "max_rows_per_second = " << rate << "\n";
    return path;
  }

  // Starts `ferryd --config F ARGS...` (the passwords in its environment), its output in `log`.
  void start(const std::filesystem::path& config, const std::filesystem::path& log,
             const std::vector<std::string>& args = {"--run", "kill9"}) {
    const auto my = ferry::testing::parse_mysql_dsn(my_dsn_);
    const auto pg = ferry::testing::parse_mysql_dsn(pg_dsn_);
    std::vector<std::string> argv_s = {FERRYD_BIN, "--config", config.string()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::setenv("FERRY_E2E_SRC_PASSWORD", my.password.c_str(), 1);
      ::setenv("FERRY_E2E_DST_PASSWORD", pg.password.c_str(), 1);
      std::FILE* out = std::freopen(log.c_str(), "w", stdout);
      if (out == nullptr || ::dup2(::fileno(stdout), 2) < 0) ::_exit(126);
      ::execv(FERRYD_BIN, argv.data());
      ::_exit(127);
    }
  }

  // Runs `ferryd --config F ARGS...` to its end; its exit code, its output in `out`.
  int ferryd(const std::filesystem::path& config, const std::vector<std::string>& args,
             std::string* out) {
    const auto log = dir_ / "cli.log";
    start(config, log, args);
    const int code = wait_exit(30s);
    *out = slurp(log);
    return code;
  }

  // Waits for ferryd to exit; its exit code, or -1 after `limit`.
  int wait_exit(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  pid_t pid_ = -1;
};

TEST_F(FerrydKill, KillNineDuringFullImportThenRunAgainCopiesOnlyUnfinishedChunksExactly) {
  if (!ready()) return;
  constexpr int kRows = 12000;
  my_->exec("CREATE DATABASE `" + src_ + "`");
  my_->exec("CREATE TABLE `" + src_ +
            "`.big (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(12,2), "
            "note TEXT, KEY k_name (name))");
  my_->exec("INSERT INTO `" + src_ +
            "`.big SELECT seq, CONCAT('name ', seq, ' it''s é'), seq * 1.25, "
            "IF(seq % 7 = 0, NULL, REPEAT('n', seq % 50)) FROM `" +
            src_ + "`.seq_1_to_" + std::to_string(kRows));
  my_->exec("ANALYZE TABLE `" + src_ + "`.big");
  const std::string table = src_ + ".big";

  // First run, slowed down; killed once a few chunks are done and many are not.
  const auto slow = write_config(6000);
  start(slow, dir_ / "run1.log");
  ASSERT_GT(pid_, 0);
  const auto meta_db = dir_ / "ferryd" / "meta.db";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool ready_to_kill = false;
  while (!ready_to_kill && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(25ms);
    if (!std::filesystem::exists(meta_db)) continue;
    try {
      MetaReader meta(meta_db);
      const int planned = meta.planned("kill9", table);
      const size_t done = count_done(meta.chunks("kill9", table));
      ready_to_kill = planned > 0 && done >= 3 && static_cast<int>(done) + 6 <= planned;
    } catch (const std::exception&) {
      // the schema is still being created
    }
    int st = 0;
    ASSERT_EQ(::waitpid(pid_, &st, WNOHANG), 0) << "ferryd ended early:\n"
                                                << slurp(dir_ / "run1.log");
  }
  ASSERT_TRUE(ready_to_kill) << slurp(dir_ / "run1.log");
  ASSERT_EQ(::kill(pid_, SIGKILL), 0);
  ASSERT_EQ(wait_exit(20s), 128 + SIGKILL);

  // What the checkpoints say after the kill.
  int planned = 0;
  std::map<int, std::string> before;
  {
    MetaReader meta(meta_db);
    planned = meta.planned("kill9", table);
    before = meta.chunks("kill9", table);
  }
  uint64_t rows_done_before = 0;
  const size_t done_before = count_done(before, &rows_done_before);
  RecordProperty("chunks_planned", planned);
  RecordProperty("chunks_done_at_kill", static_cast<int>(done_before));
  ASSERT_GT(done_before, 0u);
  ASSERT_LT(static_cast<int>(done_before), planned);
  const uint64_t on_dst_before =
      std::stoull(pg_->scalar("SELECT count(*) FROM \"" + dst_ + "\".big"));
  EXPECT_GE(on_dst_before, rows_done_before);
  // Rows written from here on have a newer xmin.
  const std::string xid =
      pg_->scalar("SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text");

  // Second run at full speed: completes.
  const auto fast = write_config(0);
  start(fast, dir_ / "run2.log");
  ASSERT_EQ(wait_exit(120s), 0) << slurp(dir_ / "run2.log");

  // Exact: the destination's rows are the source's (a primary key: no duplicates possible, and
  // the counts are checked too).
  const std::vector<Col> cols = {
      {"id", "$", "$::text"}, {"name", "$", "$"}, {"amount", "$", "$::text"}, {"note", "$", "$"}};
  EXPECT_TRUE(same_rows(my_rows(render_sql(cols, true, "`" + src_ + "`.big", '`')),
                        pg_rows(render_sql(cols, false, "\"" + dst_ + "\".big", '"')), cols));
  EXPECT_EQ(pg_->scalar("SELECT count(*) || '/' || count(DISTINCT id) FROM \"" + dst_ + "\".big"),
            std::to_string(kRows) + "/" + std::to_string(kRows));
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + dst_ +
                        "' AND indexname = 'big_k_name'"),
            "1");

  // The second run copied exactly the chunks not done before the kill.
  MetaReader meta(meta_db);
  const auto after = meta.chunks("kill9", table);
  EXPECT_EQ(static_cast<int>(count_done(after)), planned);
  EXPECT_EQ(meta.planned("kill9", table), planned);
  for (const auto& [n, v] : before) {
    if (v.rfind("done ", 0) == 0) {
      EXPECT_EQ(after.at(n), v) << "chunk " << n;
    }
  }
  EXPECT_EQ(meta.last_metric("kill9", "chunks_skipped"), static_cast<double>(done_before));
  EXPECT_EQ(meta.last_metric("kill9", "chunks_done"), static_cast<double>(planned) - done_before);
  EXPECT_EQ(meta.last_metric("kill9", "rows_written"),
            static_cast<double>(kRows - rows_done_before));
  const auto detail = meta.query(
      "SELECT status, detail_json FROM objects WHERE task_id = 'kill9' AND key = 'data:" + table +
      "'");
  ASSERT_EQ(detail.size(), 1u);
  EXPECT_EQ(detail[0][0], "succeeded");
  const auto d = nlohmann::json::parse(detail[0][1]);
  EXPECT_EQ(d.value("chunks_skipped", -1), static_cast<int>(done_before));
  EXPECT_EQ(d.value("chunks_total", -1), planned);
  EXPECT_EQ(d.value("migrated_rows", -1), kRows);
  // And the destination agrees: the rows of the finished chunks were not written again.
  EXPECT_EQ(std::stoull(pg_->scalar("SELECT count(*) FROM \"" + dst_ +
                                    "\".big WHERE xmin::text::bigint >= " + xid)),
            kRows - rows_done_before);

  // The operator's view of the migration's objects from the command line.
  std::string out;
  EXPECT_EQ(ferryd(fast, {"--objects", "kill9", "list"}, &out), 0) << out;
  EXPECT_NE(out.find("data:" + table), std::string::npos) << out;
  EXPECT_NE(out.find("index:" + table + ".k_name"), std::string::npos) << out;
  EXPECT_EQ(out.find("failed"), std::string::npos) << out;
  EXPECT_EQ(ferryd(fast, {"--objects", "kill9", "list", "errors"}, &out), 0) << out;
  EXPECT_NE(out.find("0 object(s)"), std::string::npos) << out;
  EXPECT_EQ(ferryd(fast, {"--objects", "kill9", "ddl", "index:" + table + ".k_name"}, &out), 0)
      << out;
  EXPECT_NE(out.find("CREATE INDEX \"big_k_name\" ON \"" + dst_ + "\".\"big\""), std::string::npos)
      << out;
  EXPECT_EQ(ferryd(fast, {"--objects", "kill9", "export-schema"}, &out), 0) << out;
  EXPECT_NE(out.find("CREATE TABLE \"" + dst_ + "\".\"big\""), std::string::npos) << out;
  EXPECT_LT(out.find("CREATE TABLE"), out.find("CREATE INDEX")) << out;
  // A succeeded object is not retried.
  EXPECT_EQ(ferryd(fast, {"--objects", "kill9", "retry", "table:" + table}, &out), 1) << out;
}

}  // namespace
}  // namespace ferry::migration_testing
