// The operator's object operations (host/task/objects.hpp) over a real meta store.
#include "task/objects.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/meta/temp_dir.hpp"

namespace ferry::host {
namespace {

using meta::ObjectRecord;
using meta::ObjectStatus;
using ::testing::HasSubstr;

class TaskObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_->register_task("t", "d");
    auto obj = [](std::string key, std::string kind, std::string parent, ObjectStatus status,
                  std::string ddl, std::string error = {}) {
      const std::string name = key.substr(key.find(':') + 1);
      return ObjectRecord{.task_id = "t",
                          .key = std::move(key),
                          .kind = std::move(kind),
                          .parent = std::move(parent),
                          .stage = "schema",
                          .source_name = name,
                          .dest_name = name,
                          .status = status,
                          .ddl = std::move(ddl),
                          .error = std::move(error)};
    };
    store_->put_objects({
        obj("schema:shop", "schema", "", ObjectStatus::Succeeded, "CREATE SCHEMA shop"),
        obj("table:shop.orders", "table", "schema:shop", ObjectStatus::Failed,
            "CREATE TABLE shop.orders (id int)", "type \"geometry\" does not exist"),
        obj("index:shop.orders.k", "index", "table:shop.orders", ObjectStatus::Pending,
            "CREATE INDEX orders_k ON shop.orders (k)"),
        obj("constraint:shop.orders.fk", "constraint", "table:shop.orders", ObjectStatus::Pending,
            "ALTER TABLE shop.orders ADD CONSTRAINT fk ..."),
        obj("data:shop.orders", "data", "table:shop.orders", ObjectStatus::Pending, ""),
        obj("table:shop.items", "table", "schema:shop", ObjectStatus::Succeeded,
            "CREATE TABLE shop.items (id int);"),
        obj("view:shop.v", "view", "schema:shop", ObjectStatus::Failed, "",
            "cannot convert\nfunction GROUP_CONCAT"),
    });
  }
  ObjectStatus status(const std::string& key) { return store_->object("t", key)->status; }

  meta::test_support::TempDir tmp_;
  std::unique_ptr<meta::MetaStore> store_ = meta::MetaStore::open(tmp_.path());
  TaskObjects objects_{*store_, "t"};
};

TEST_F(TaskObjectsTest, ListsWithFilters) {
  EXPECT_EQ(objects_.list().size(), 7u);
  EXPECT_EQ(objects_.list({.kind = "table"}).size(), 2u);
  const auto errors = objects_.list({.errors_only = true});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "table:shop.orders");
  EXPECT_EQ(errors[1].key, "view:shop.v");
  EXPECT_TRUE(objects_.list({.stage = "full-import"}).empty());
}

TEST_F(TaskObjectsTest, CreationSyntaxOfAnObjectWithAndWithoutDdl) {
  EXPECT_EQ(objects_.creation_syntax("index:shop.orders.k"),
            "CREATE INDEX orders_k ON shop.orders (k)");
  EXPECT_THROW(objects_.creation_syntax("data:shop.orders"), ObjectOpError);
  try {
    objects_.creation_syntax("table:nope");
    FAIL() << "expected an error";
  } catch (const ObjectOpError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no object 'table:nope'"));
  }
}

TEST_F(TaskObjectsTest, ModifyDdlMakesAFailedObjectPendingWithTheEdit) {
  objects_.modify_ddl("table:shop.orders", "CREATE TABLE shop.orders (id int, g bytea)");
  const ObjectRecord r = *store_->object("t", "table:shop.orders");
  EXPECT_EQ(r.status, ObjectStatus::Pending);
  EXPECT_TRUE(r.ddl_edited);
  EXPECT_EQ(r.ddl, "CREATE TABLE shop.orders (id int, g bytea)");
  EXPECT_TRUE(r.error.empty());
  // A succeeded object's DDL is history, not an edit target; an empty DDL is refused.
  EXPECT_THROW(objects_.modify_ddl("table:shop.items", "x"), ObjectOpError);
  EXPECT_THROW(objects_.modify_ddl("index:shop.orders.k", "  \n"), ObjectOpError);
}

TEST_F(TaskObjectsTest, RetryOneAndAllFailed) {
  EXPECT_THROW(objects_.retry("table:shop.items"), ObjectOpError);  // succeeded
  objects_.retry("view:shop.v");
  EXPECT_EQ(status("view:shop.v"), ObjectStatus::Pending);
  EXPECT_EQ(objects_.retry_all_failed(), 1u);
  EXPECT_EQ(status("table:shop.orders"), ObjectStatus::Pending);
  EXPECT_EQ(objects_.retry_all_failed(), 0u);
}

TEST_F(TaskObjectsTest, SkipATableSkipsItsIndexesAndConstraintsButNotItsData) {
  objects_.skip({"table:shop.orders"});
  EXPECT_EQ(status("table:shop.orders"), ObjectStatus::Skipped);
  EXPECT_EQ(status("index:shop.orders.k"), ObjectStatus::Skipped);
  EXPECT_EQ(status("constraint:shop.orders.fk"), ObjectStatus::Skipped);
  EXPECT_EQ(status("data:shop.orders"), ObjectStatus::Pending);
  EXPECT_THROW(objects_.skip({"table:shop.items"}), ObjectOpError);  // succeeded
}

TEST_F(TaskObjectsTest, BatchWithAnUnknownKeyChangesNothing) {
  EXPECT_THROW(objects_.skip({"view:shop.v", "view:shop.nope"}), ObjectOpError);
  EXPECT_EQ(status("view:shop.v"), ObjectStatus::Failed);
  EXPECT_THROW(objects_.remove({"view:shop.v", "view:shop.nope"}), ObjectOpError);
  EXPECT_EQ(status("view:shop.v"), ObjectStatus::Failed);
}

TEST_F(TaskObjectsTest, RemoveTakesTheChildrenAndTheDataAlong) {
  objects_.remove({"table:shop.orders", "view:shop.v"});
  for (const char* k : {"table:shop.orders", "index:shop.orders.k", "constraint:shop.orders.fk",
                        "data:shop.orders", "view:shop.v"}) {
    EXPECT_EQ(status(k), ObjectStatus::Removed) << k;
  }
  EXPECT_EQ(status("table:shop.items"), ObjectStatus::Succeeded);
  ObjectRecord running = *store_->object("t", "table:shop.items");
  running.status = ObjectStatus::Running;
  store_->put_object(running);
  EXPECT_THROW(objects_.remove({"table:shop.items"}), ObjectOpError);
}

TEST_F(TaskObjectsTest, ExportSqlInCreationOrderWithoutRemovedObjects) {
  objects_.remove({"index:shop.orders.k"});
  const std::string sql = objects_.export_sql();
  const auto at = [&](const std::string& s) { return sql.find(s); };
  ASSERT_NE(at("CREATE SCHEMA shop;"), std::string::npos) << sql;
  EXPECT_LT(at("CREATE SCHEMA shop;"), at("CREATE TABLE shop.orders (id int);"));
  EXPECT_LT(at("CREATE TABLE shop.orders (id int);"), at("CREATE TABLE shop.items (id int);"));
  EXPECT_LT(at("CREATE TABLE shop.items (id int);"), at("-- view shop.v (failed)"));
  EXPECT_LT(at("-- view shop.v"), at("ADD CONSTRAINT fk ...;"));
  EXPECT_EQ(at("orders_k"), std::string::npos);          // removed
  EXPECT_EQ(at("items (id int);;"), std::string::npos);  // no doubled semicolon
  // A multi-line error stays inside its comment.
  EXPECT_NE(at("-- no DDL: cannot convert function GROUP_CONCAT\n"), std::string::npos);
}

TEST_F(TaskObjectsTest, ComponentPutsMergeAndNeverOverwriteAnEditedDdl) {
  objects_.modify_ddl("table:shop.orders", "CREATE TABLE shop.orders (id bigint)");
  const auto r = put_object_json(*store_, "t", "schema",
                                 R"({"key":"table:shop.orders","status":"running",
                                     "ddl":"CREATE TABLE generated","detail":{"n":1}})");
  EXPECT_EQ(r.status, ObjectStatus::Running);
  EXPECT_EQ(r.ddl, "CREATE TABLE shop.orders (id bigint)");
  EXPECT_EQ(r.source_name, "shop.orders");  // left out: kept
  EXPECT_EQ(r.detail_json, R"({"n":1})");
  // A new object takes its kind from the key's prefix unless given.
  const auto n = put_object_json(*store_, "t", "full-import",
                                 R"({"key":"data:shop.items","parent":"table:shop.items",
                                     "started_at_ms":5})");
  EXPECT_EQ(n.kind, "data");
  EXPECT_EQ(n.stage, "full-import");
  EXPECT_EQ(n.status, ObjectStatus::Pending);
  EXPECT_EQ(n.started_at_ms, 5);
  const std::string listed = list_objects_json(*store_, "t", "data:shop.items");
  EXPECT_THAT(listed, HasSubstr(R"("key":"data:shop.items")"));
  EXPECT_THAT(listed, HasSubstr(R"("status":"pending")"));
  EXPECT_EQ(list_objects_json(*store_, "t", "nothing:"), "[]");
}

TEST_F(TaskObjectsTest, MalformedComponentPutsAreRefusedWithTheReason) {
  for (const auto& [json, why] : std::vector<std::pair<std::string, std::string>>{
           {"[1]", "not a JSON object"},
           {"{oops", "not a JSON object"},
           {R"({"status":"done"})", "no \"key\""},
           {R"({"key":"table:a.b","status":"done"})", "unknown status 'done'"},
           {R"({"key":"table:a.b","colour":"red"})", "unknown field 'colour'"},
           {R"({"key":"table:a.b","ddl":5})", "'ddl' is not a string"},
           {R"({"key":"table:a.b","detail":"x"})", "'detail' is not an object"},
           {R"({"key":"table:a.b","started_at_ms":"x"})", "'started_at_ms' is not an integer"}}) {
    try {
      put_object_json(*store_, "t", "schema", json);
      ADD_FAILURE() << "accepted " << json;
    } catch (const ObjectOpError& e) {
      EXPECT_THAT(e.what(), HasSubstr(why)) << json;
    }
  }
  EXPECT_FALSE(store_->object("t", "table:a.b").has_value());
}

}  // namespace
}  // namespace ferry::host
