// The operator's object operations (host/task/objects.hpp) between runs of a real task
// (schema + full import through TaskRunner, the real plugins, the test bed): batch skip of
// failed tables (the operator creates them; their data is still copied, their indexes are
// skipped), a modified creation syntax retried and the data copied into the table it made,
// batch remove of an unwanted index before full import creates it, retry of every
// failed object once the cause is fixed on the destination, the creation syntax, and the
// schema export after the migration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/migration/migration_support.hpp"
#include "task/objects.hpp"

namespace ferry::migration_testing {
namespace {

using config::MigrationType;
using meta::ObjectStatus;
using meta::TaskState;
using ::testing::HasSubstr;

const std::vector<MigrationType> kSchemaFull = {MigrationType::Schema, MigrationType::Full};

class ObjectOperations : public MigrationTest {};

TEST_F(ObjectOperations, BatchSkipEditAndRemoveBetweenRunsOfAMigration) {
  if (!ready()) return;
  const std::string s = "\"" + src_ + "\"";
  pg_->exec("CREATE SCHEMA " + s);
  pg_->exec("CREATE TABLE " + s + ".bad1 (id int PRIMARY KEY, t timetz, v text)");
  pg_->exec("CREATE INDEX bad1_v ON " + s + ".bad1 (v)");
  pg_->exec("INSERT INTO " + s +
            ".bad1 SELECT i, '08:30:00+02', 'v' || i FROM generate_series(1, 300) i");
  pg_->exec("CREATE TABLE " + s + ".bad2 (id int PRIMARY KEY, iv interval)");
  pg_->exec("INSERT INTO " + s + ".bad2 VALUES (1, '-00:00:00.5'), (2, '838:59:59')");
  pg_->exec("CREATE TABLE " + s + ".bad3 (id int PRIMARY KEY, n numeric)");
  pg_->exec("INSERT INTO " + s + ".bad3 VALUES (1, 12.5), (2, -0.0001), (3, NULL)");
  pg_->exec("CREATE TABLE " + s + ".good (id int PRIMARY KEY, v varchar(20))");
  pg_->exec("CREATE INDEX good_v ON " + s + ".good (v)");
  pg_->exec("CREATE INDEX good_unwanted ON " + s + ".good (v, id)");
  pg_->exec("INSERT INTO " + s + ".good SELECT i, 'g' || i FROM generate_series(1, 500) i");

  ASSERT_EQ(run(task("postgres", "mysql", kSchemaFull)), TaskState::Failed);
  EXPECT_THAT(last_.error, HasSubstr(src_ + ".bad1.t"));
  EXPECT_THAT(last_.error, HasSubstr(src_ + ".bad2.iv"));
  EXPECT_THAT(last_.error, HasSubstr(src_ + ".bad3.n"));
  host::TaskObjects objects(*store_, "e2e");
  const auto errors = objects.list({.errors_only = true});
  ASSERT_EQ(errors.size(), 3u);
  // The creation syntax of a refused table is the DDL it would get.
  EXPECT_THAT(objects.creation_syntax("table:" + src_ + ".bad1"), HasSubstr("CREATE TABLE"));

  // Batch skip: the operator creates the two tables the way they want them; their index is
  // skipped with them. Batch remove: an index nobody wants.
  objects.skip({"table:" + src_ + ".bad1", "table:" + src_ + ".bad2"});
  EXPECT_EQ(status("index:" + src_ + ".bad1.bad1_v"), ObjectStatus::Skipped);
  objects.remove({"index:" + src_ + ".good.good_unwanted"});
  my_->exec("CREATE TABLE `" + dst_ + "`.bad1 (id INT PRIMARY KEY, t VARCHAR(30), v TEXT)");
  my_->exec("CREATE TABLE `" + dst_ + "`.bad2 (id INT PRIMARY KEY, iv TIME(6))");
  // Modify the creation syntax and retry: a precision the data fits.
  objects.modify_ddl("table:" + src_ + ".bad3", "CREATE TABLE `" + dst_ +
                                                    "`.`bad3` (`id` int NOT NULL PRIMARY KEY, "
                                                    "`n` decimal(20,4))");

  ASSERT_EQ(run(task("postgres", "mysql", kSchemaFull)), TaskState::Completed)
      << last_.error << "\n"
      << unfinished_objects();
  EXPECT_EQ(status("table:" + src_ + ".bad1"), ObjectStatus::Skipped);
  EXPECT_EQ(status("data:" + src_ + ".bad1"), ObjectStatus::Succeeded);
  EXPECT_EQ(status("data:" + src_ + ".bad2"), ObjectStatus::Succeeded);
  EXPECT_EQ(status("index:" + src_ + ".good.good_v"), ObjectStatus::Succeeded);
  EXPECT_EQ(status("index:" + src_ + ".good.good_unwanted"), ObjectStatus::Removed);
  // The data went into the operator's tables (TIMETZ as its canonical text).
  EXPECT_EQ(my_rows("SELECT count(*), min(t), max(v) FROM `" + dst_ + "`.bad1"),
            (Rows{{"300", "8:30:00+02:00", "v99"}}));
  EXPECT_EQ(my_rows("SELECT id, iv FROM `" + dst_ + "`.bad2 ORDER BY id"),
            (Rows{{"1", "-00:00:00.500000"}, {"2", "838:59:59.000000"}}));
  EXPECT_EQ(my_scalar("SELECT count(*) FROM `" + dst_ + "`.good"), "500");
  EXPECT_EQ(status("table:" + src_ + ".bad3"), ObjectStatus::Succeeded);
  EXPECT_EQ(my_rows("SELECT id, n FROM `" + dst_ + "`.bad3 ORDER BY id"),
            (Rows{{"1", "12.5000"}, {"2", "-0.0001"}, {"3", std::nullopt}}));
  // Only the wanted index was created; the skipped table got none.
  EXPECT_EQ(my_rows("SELECT TABLE_NAME, INDEX_NAME FROM information_schema.STATISTICS WHERE "
                    "TABLE_SCHEMA = '" +
                    dst_ + "' AND INDEX_NAME <> 'PRIMARY' ORDER BY 1, 2"),
            (Rows{{"good", "good_v"}}));

  // The export: every schema object's DDL in creation order, the removed index left out.
  const std::string sql = objects.export_sql();
  const auto at = [&](const std::string& x) { return sql.find(x); };
  ASSERT_NE(at("CREATE DATABASE IF NOT EXISTS `" + dst_ + "`"), std::string::npos) << sql;
  ASSERT_NE(at("CREATE TABLE `" + dst_ + "`.`good`"), std::string::npos) << sql;
  ASSERT_NE(at("`good_v`"), std::string::npos) << sql;
  EXPECT_LT(at("CREATE DATABASE"), at("CREATE TABLE `" + dst_ + "`.`good`"));
  EXPECT_LT(at("CREATE TABLE `" + dst_ + "`.`good`"), at("`good_v`"));
  EXPECT_EQ(at("good_unwanted"), std::string::npos) << sql;
  EXPECT_NE(at("`n` decimal(20,4)"), std::string::npos) << sql;  // the edit
}

TEST_F(ObjectOperations, RetryAllFailedAfterTheCauseIsFixedOnTheDestination) {
  if (!ready()) return;
  my_->exec("CREATE DATABASE `" + src_ + "`");
  my_->exec("CREATE TABLE `" + src_ +
            "`.t (id INT PRIMARY KEY, e ENUM('a','b') NOT NULL, KEY k_e (e))");
  my_->exec("INSERT INTO `" + src_ + "`.t VALUES (1, 'a'), (2, 'b'), (3, 'a')");
  my_->exec("CREATE TABLE `" + src_ + "`.u (id INT PRIMARY KEY)");
  my_->exec("INSERT INTO `" + src_ + "`.u VALUES (1)");
  // The destination has a type in the way: the enum type of t.e, with other labels.
  pg_->exec("CREATE SCHEMA \"" + dst_ + "\"");
  pg_->exec("CREATE TYPE \"" + dst_ + "\".t_e AS ENUM ('x')");

  ASSERT_EQ(run(task("mysql", "postgres", kSchemaFull)), TaskState::Failed);
  const std::string key = "table:" + src_ + ".t";
  EXPECT_EQ(status(key), ObjectStatus::Failed);
  EXPECT_THAT(object(key)->error, HasSubstr("exists with other labels"));
  EXPECT_THAT(last_.error, HasSubstr(key));
  EXPECT_EQ(status("table:" + src_ + ".u"), ObjectStatus::Succeeded);

  // The operator removes the type and retries every failed object.
  pg_->exec("DROP TYPE \"" + dst_ + "\".t_e");
  host::TaskObjects objects(*store_, "e2e");
  EXPECT_EQ(objects.retry_all_failed(), 1u);
  EXPECT_EQ(status(key), ObjectStatus::Pending);
  ASSERT_EQ(run(task("mysql", "postgres", kSchemaFull)), TaskState::Completed)
      << last_.error << "\n"
      << unfinished_objects();
  EXPECT_EQ(status(key), ObjectStatus::Succeeded);
  EXPECT_EQ(status("index:" + src_ + ".t.k_e"), ObjectStatus::Succeeded);
  EXPECT_EQ(pg_rows("SELECT id::text, e::text FROM \"" + dst_ + "\".t ORDER BY id"),
            (Rows{{"1", "a"}, {"2", "b"}, {"3", "a"}}));
  EXPECT_EQ(pg_->scalar("SELECT enum_range(NULL::\"" + dst_ + "\".t_e)::text"), "{a,b}");
  EXPECT_TRUE(objects.list({.errors_only = true}).empty());
}

}  // namespace
}  // namespace ferry::migration_testing
