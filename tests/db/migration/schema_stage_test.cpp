// The schema stage end to end: ferryd's TaskRunner runs the schema component (loaded from the
// build's plugin directory, with the real mysql and postgres connector plugins) against the
// test bed, and the tests read what it created on the destination and what it recorded in the
// task's migration objects. Databases / schemas are named ferry_mig_<test>.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/mysql_session.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"
#include "task/objects.hpp"
#include "task/stage_graph.hpp"
#include "task/task_runner.hpp"

namespace ferry {
namespace {

using meta::ObjectStatus;
using meta::TaskState;
using ::testing::HasSubstr;
using testing::MysqlSession;
using testing::PgSession;

config::Field str_field(std::string v) {
  return config::Field{std::move(v), {}, false};
}
config::Field int_field(int64_t v) {
  return config::Field{v, {}, false};
}

// The endpoint fields of a connector plugin for a test-bed DSN.
config::EndpointConfig endpoint(const std::string& plugin, const std::string& dsn_text,
                                const std::string& database = {}) {
  const auto dsn = testing::parse_mysql_dsn(dsn_text);
  config::EndpointConfig e;
  e.plugin = plugin;
  e.fields["host"] = str_field(dsn.host);
  e.fields["port"] = int_field(dsn.port);
  e.fields["user"] = str_field(dsn.user);
  e.fields["password"] = config::Field{config::Secret(dsn.password), {}, false};
  const std::string db = database.empty() ? dsn.database : database;
  if (!db.empty()) e.fields["database"] = str_field(db);
  return e;
}

class SchemaStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    my_dsn_ = testing::testbed_dsn("FERRY_TEST_MYSQL_DSN");
    if (my_dsn_.empty()) return;
    pg_dsn_ = testing::testbed_dsn("FERRY_TEST_PG_DSN");
    if (pg_dsn_.empty()) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Short enough for both engines' identifiers (and for derived names built on it).
    name_ = "ferry_mig_" + std::string(info->name()).substr(0, 24);
    for (auto& c : name_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-mig-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    const auto refusals = plugins_.load_directory(FERRY_PLUGIN_BUILD_DIR);
    ASSERT_TRUE(refusals.empty()) << refusals.front();
    store_ = meta::MetaStore::open(dir_ / "data");
    my_ = std::make_unique<MysqlSession>(testing::parse_mysql_dsn(my_dsn_));
    pg_ = std::make_unique<PgSession>(pg_dsn_);
    my_->exec("DROP DATABASE IF EXISTS `" + name_ + "`");
    pg_->exec("DROP SCHEMA IF EXISTS \"" + name_ + "\" CASCADE");
  }
  void TearDown() override {
    if (my_) my_->exec("DROP DATABASE IF EXISTS `" + name_ + "`");
    if (pg_) pg_->exec("DROP SCHEMA IF EXISTS \"" + name_ + "\" CASCADE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool ready() const { return my_ && pg_; }

  config::TaskConfig task(const std::string& from, const std::string& to) {
    config::TaskConfig t;
    t.id = "mig";
    t.types = {config::MigrationType::Schema};
    t.where = {"task.toml", 1, 1};
    t.source = from == "mysql" ? endpoint("mysql", my_dsn_) : endpoint("postgres", pg_dsn_);
    t.destination = to == "mysql" ? endpoint("mysql", my_dsn_) : endpoint("postgres", pg_dsn_);
    config::ObjectRule rule;
    rule.include = {name_ + ".*"};
    t.objects.push_back(rule);
    return t;
  }

  TaskState run(const config::TaskConfig& t, std::string* error = nullptr) {
    auto graph = host::build_stage_graph(t, plugins_);
    EXPECT_TRUE(graph.ok()) << graph.errors.at(0).str();
    host::RunnerOptions opts;
    opts.data_dir = dir_ / "data";
    host::TaskRunner runner(t, graph.graph, plugins_, *store_, opts);
    runner.start();
    const TaskState st = runner.wait();
    if (error) *error = runner.status().error;
    return st;
  }

  ObjectStatus status(const std::string& key) {
    const auto o = store_->object("mig", key);
    EXPECT_TRUE(o.has_value()) << "no object " << key;
    return o ? o->status : ObjectStatus::Pending;
  }

  std::string my_dsn_, pg_dsn_, name_;
  std::filesystem::path dir_;
  host::PluginRegistry plugins_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<MysqlSession> my_;
  std::unique_ptr<PgSession> pg_;
};

TEST_F(SchemaStageTest, MysqlToPostgresCreatesTablesIndexesConstraintsAndViews) {
  if (!ready()) return;
  my_->exec("CREATE DATABASE `" + name_ + "`");
  my_->exec("CREATE TABLE `" + name_ +
            "`.customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, "
            "UNIQUE KEY uk_name (name)) COMMENT 'who buys'");
  my_->exec("CREATE TABLE `" + name_ +
            "`.orders (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, "
            "amount DECIMAL(12,2) NOT NULL DEFAULT 0, status ENUM('new','paid') NOT NULL, "
            "created DATETIME(6) NOT NULL, note TEXT, KEY idx_created (created), "
            "CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id), "
            "CONSTRAINT ck_amount CHECK (amount >= 0))");
  my_->exec("INSERT INTO `" + name_ + "`.customers (name) VALUES ('a'), ('b'), ('c')");
  my_->exec("CREATE VIEW `" + name_ + "`.paid AS SELECT id, amount FROM `" + name_ +
            "`.orders WHERE status = 'paid'");

  std::string error;
  ASSERT_EQ(run(task("mysql", "postgres"), &error), TaskState::Completed) << error;
  for (const std::string& key :
       {"schema:" + name_, "table:" + name_ + ".customers", "table:" + name_ + ".orders",
        "view:" + name_ + ".paid", "index:" + name_ + ".orders.idx_created"}) {
    EXPECT_EQ(status(key), ObjectStatus::Succeeded)
        << key << ": " << store_->object("mig", key)->error;
  }
  // A view is shown in its schema, as a table is.
  EXPECT_EQ(store_->object("mig", "view:" + name_ + ".paid")->dest_name, name_ + ".paid");
  // The schema exists with the tables, the view, the secondary index and the constraints (a
  // task without full import or incremental sync creates them all in the schema stage).
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" +
                        name_ + "'"),
            "3");
  EXPECT_EQ(pg_->scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = '" +
                        name_ + "' AND table_name = 'orders' AND column_name = 'amount'"),
            "numeric");
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + name_ +
                        "' AND indexdef LIKE '%(created)%'"),
            "1");
  EXPECT_EQ(pg_->scalar("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
                        "c.connamespace WHERE n.nspname = '" +
                        name_ + "' AND c.contype IN ('f', 'c')"),
            "2");
  // The identity continues after the source's rows.
  pg_->exec("INSERT INTO \"" + name_ + "\".customers (name) VALUES ('d')");
  EXPECT_EQ(pg_->scalar("SELECT id FROM \"" + name_ + "\".customers WHERE name = 'd'"), "4");
  EXPECT_EQ(pg_->scalar("SELECT obj_description('\"" + name_ + "\".customers'::regclass)"),
            "who buys");

  // Running the task again changes nothing and succeeds: every object is done.
  ASSERT_EQ(run(task("mysql", "postgres"), &error), TaskState::Completed) << error;
}

TEST_F(SchemaStageTest, ARefusedLossyMappingNamesTheColumnAndAnEditedDdlRetries) {
  if (!ready()) return;
  pg_->exec("CREATE SCHEMA \"" + name_ + "\"");
  pg_->exec("CREATE TABLE \"" + name_ + "\".t (id int PRIMARY KEY, n numeric)");
  pg_->exec("CREATE TABLE \"" + name_ + "\".ok (id int PRIMARY KEY, v text)");

  std::string error;
  ASSERT_EQ(run(task("postgres", "mysql"), &error), TaskState::Failed);
  EXPECT_THAT(error, HasSubstr(name_ + ".t.n"));
  const std::string key = "table:" + name_ + ".t";
  EXPECT_EQ(status(key), ObjectStatus::Failed);
  EXPECT_THAT(store_->object("mig", key)->error, HasSubstr(name_ + ".t.n"));
  EXPECT_EQ(status("table:" + name_ + ".ok"), ObjectStatus::Succeeded);  // fails alone

  // The operator edits the DDL (a precision the data fits) and runs the task again.
  host::TaskObjects objects(*store_, "mig");
  objects.modify_ddl(key, "CREATE TABLE `" + name_ +
                              "`.`t` (`id` int NOT NULL PRIMARY KEY, "
                              "`n` decimal(30,10))");
  ASSERT_EQ(run(task("postgres", "mysql"), &error), TaskState::Completed) << error;
  EXPECT_EQ(status(key), ObjectStatus::Succeeded);
  EXPECT_EQ(my_->query("SELECT NUMERIC_PRECISION FROM information_schema.COLUMNS WHERE "
                       "TABLE_SCHEMA = '" +
                       name_ + "' AND TABLE_NAME = 't' AND COLUMN_NAME = 'n'")
                .rows.at(0)
                .at(0)
                .value_or(""),
            "30");
  const std::string sql = objects.export_sql();
  EXPECT_THAT(sql, HasSubstr("`n` decimal(30,10)"));
  EXPECT_THAT(sql, HasSubstr("DDL edited"));
}

TEST_F(SchemaStageTest, RemovingAFailedTableLetsTheRestComplete) {
  if (!ready()) return;
  pg_->exec("CREATE SCHEMA \"" + name_ + "\"");
  pg_->exec("CREATE TABLE \"" + name_ + "\".bad (id int PRIMARY KEY, t timetz)");
  pg_->exec("CREATE INDEX bad_t ON \"" + name_ + "\".bad (t)");
  pg_->exec("CREATE TABLE \"" + name_ + "\".good (id int PRIMARY KEY)");
  std::string error;
  ASSERT_EQ(run(task("postgres", "mysql"), &error), TaskState::Failed);
  EXPECT_THAT(error, HasSubstr(name_ + ".bad.t"));
  host::TaskObjects(*store_, "mig").remove({"table:" + name_ + ".bad"});
  ASSERT_EQ(run(task("postgres", "mysql"), &error), TaskState::Completed) << error;
  EXPECT_EQ(status("table:" + name_ + ".bad"), ObjectStatus::Removed);
  EXPECT_EQ(status("index:" + name_ + ".bad.bad_t"), ObjectStatus::Removed);
  EXPECT_EQ(my_->query("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                       name_ + "'")
                .rows.at(0)
                .at(0)
                .value_or(""),
            "1");
}

}  // namespace
}  // namespace ferry
