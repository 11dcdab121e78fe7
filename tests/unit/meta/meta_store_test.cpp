#include "meta/meta_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "unit/meta/temp_dir.hpp"

namespace ferry::meta {
namespace {

using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// Asks the database file itself, through a connection of its own, rather than the store.
std::string pragma(const std::filesystem::path& db_path, const std::string& name) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_exec(
        db, ("PRAGMA " + name).c_str(),
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0] ? values[0] : "";
          return 0;
        },
        &value, nullptr);
  }
  sqlite3_close(db);
  return value;
}

class MetaStoreTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  std::unique_ptr<MetaStore> store_ = MetaStore::open(tmp_.path());
};

TEST_F(MetaStoreTest, DatabaseIsWalAtTheCurrentSchemaVersion) {
  EXPECT_EQ(store_->path(), tmp_.path() / "meta.db");
  EXPECT_EQ(pragma(store_->path(), "journal_mode"), "wal");
  EXPECT_EQ(MetaStore::schema_version(), 2);
  EXPECT_EQ(pragma(store_->path(), "user_version"), std::to_string(MetaStore::schema_version()));
}

TEST(MetaStoreSchema, ADatabaseFromANewerFerryIsRefused) {
  TempDir tmp;
  MetaStore::open(tmp.path()).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((tmp.path() / "meta.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    MetaStore::open(tmp.path());
    FAIL() << "opened a schema-99 database";
  } catch (const MetaError& e) {
    EXPECT_EQ(std::string(e.what()), "meta store '" + (tmp.path() / "meta.db").string() +
                                         "': migrate schema: schema version 99 is newer than "
                                         "this ferryd knows (" +
                                         std::to_string(MetaStore::schema_version()) +
                                         "); run a newer ferryd");
  }
}

TEST(MetaStoreSchema, AVersionOneDatabaseIsMigratedKeepingItsTasks) {
  TempDir tmp;
  {
    auto store = MetaStore::open(tmp.path());
    store->register_task("old", "d");
  }
  // Take the database back to version 1: drop what later migrations added.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((tmp.path() / "meta.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DROP TABLE objects; DROP TABLE metric_samples; PRAGMA user_version = 1",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = MetaStore::open(tmp.path());
  EXPECT_TRUE(store->task("old").has_value());
  store->put_object({.task_id = "old", .key = "table:a.b", .kind = "table"});
  EXPECT_EQ(store->objects("old").size(), 1u);
  EXPECT_EQ(pragma(store->path(), "user_version"), std::to_string(MetaStore::schema_version()));
}

TEST(MetaStoreSchema, AnUnopenableDatabaseIsAnErrorNamingTheFile) {
  TempDir tmp;
  const auto dir = tmp.path() / "file";
  std::ofstream(dir) << "x";
  try {
    MetaStore::open(dir);
    FAIL() << "opened a database below a regular file";
  } catch (const MetaError& e) {
    EXPECT_THAT(e.what(), HasSubstr("meta store '" + (dir / "meta.db").string() + "': open: "));
  }
}

TEST(TaskStateNames, RoundTripAndMatchTheOmsDocumentation) {
  EXPECT_EQ(to_string(TaskState::NotStarted), "Not Started");
  EXPECT_EQ(to_string(TaskState::Released), "Released");
  for (auto s : {TaskState::NotStarted, TaskState::Running, TaskState::Modifying,
                 TaskState::Integrating, TaskState::Paused, TaskState::Failed, TaskState::Completed,
                 TaskState::Releasing, TaskState::Released}) {
    EXPECT_EQ(task_state_from_string(to_string(s)), s) << to_string(s);
  }
  EXPECT_EQ(task_state_from_string("NotStarted"), std::nullopt);
  for (auto s : {StageState::Pending, StageState::Running, StageState::Paused, StageState::Stopped,
                 StageState::Failed, StageState::Completed}) {
    EXPECT_EQ(stage_state_from_string(to_string(s)), s) << to_string(s);
  }
  EXPECT_EQ(stage_state_from_string("running"), std::nullopt);
}

TEST_F(MetaStoreTest, TasksRegisterUpdateListAndChangeState) {
  const int64_t before = now_ms();
  TaskRecord t1 = store_->register_task("t1", "digest-a");
  EXPECT_EQ(t1.id, "t1");
  EXPECT_EQ(t1.state, TaskState::NotStarted);
  EXPECT_EQ(t1.config_digest, "digest-a");
  EXPECT_EQ(t1.error, "");
  EXPECT_GE(t1.created_at_ms, before);
  EXPECT_LE(t1.created_at_ms, now_ms());
  EXPECT_EQ(t1.updated_at_ms, t1.created_at_ms);

  store_->set_task_state("t1", TaskState::Failed, "source unreachable");
  TaskRecord again = store_->register_task("t1", "digest-b");
  EXPECT_EQ(again.config_digest, "digest-b");
  EXPECT_EQ(again.created_at_ms, t1.created_at_ms);
  EXPECT_EQ(again.state, TaskState::Failed) << "re-registering keeps the state";
  EXPECT_EQ(again.error, "source unreachable");

  store_->register_task("t2", "digest-c");
  std::vector<std::string> ids;
  for (const auto& t : store_->tasks()) ids.push_back(t.id);
  EXPECT_THAT(ids, ElementsAre("t1", "t2"));

  store_->set_task_state("t1", TaskState::Running);
  auto t = store_->task("t1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, TaskState::Running);
  EXPECT_EQ(t->error, "") << "an empty error clears the previous one";
  EXPECT_GE(t->updated_at_ms, again.updated_at_ms);

  EXPECT_EQ(store_->task("nope"), std::nullopt);
}

TEST_F(MetaStoreTest, SettingTheStateOfAnUnknownTaskIsAnError) {
  try {
    store_->set_task_state("ghost", TaskState::Running);
    FAIL();
  } catch (const MetaError& e) {
    EXPECT_EQ(std::string(e.what()), "meta store '" + store_->path().string() +
                                         "': set state of task 'ghost' to Running: no such task");
  }
}

TEST_F(MetaStoreTest, StagesUpsertByTaskAndStageInFirstPutOrder) {
  store_->register_task("t1", "d");
  store_->register_task("t2", "d");
  const int64_t before = now_ms();
  store_->put_stage({.task_id = "t1", .stage = "schema", .component = "schema-migration"});
  store_->put_stage({.task_id = "t1",
                     .stage = "full-import",
                     .component = "full-import",
                     .state = StageState::Running,
                     .progress_json = R"({"rows":10})",
                     .started_at_ms = 111});
  store_->put_stage({.task_id = "t2", .stage = "schema", .component = "schema-migration"});
  store_->put_stage({.task_id = "t1",
                     .stage = "schema",
                     .component = "schema-migration",
                     .state = StageState::Failed,
                     .error = "table exists",
                     .started_at_ms = 100,
                     .finished_at_ms = 200});

  auto stages = store_->stages("t1");
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].stage, "schema");
  EXPECT_EQ(stages[0].task_id, "t1");
  EXPECT_EQ(stages[0].state, StageState::Failed);
  EXPECT_EQ(stages[0].error, "table exists");
  EXPECT_EQ(stages[0].started_at_ms, 100);
  EXPECT_EQ(stages[0].finished_at_ms, 200);
  EXPECT_GE(stages[0].updated_at_ms, before);
  EXPECT_EQ(stages[1].stage, "full-import");
  EXPECT_EQ(stages[1].component, "full-import");
  EXPECT_EQ(stages[1].state, StageState::Running);
  EXPECT_EQ(stages[1].progress_json, R"({"rows":10})");
  EXPECT_EQ(stages[1].started_at_ms, 111);
  EXPECT_EQ(stages[1].finished_at_ms, 0);
  EXPECT_EQ(store_->stages("t2").size(), 1u);
  EXPECT_TRUE(store_->stages("none").empty());
}

TEST_F(MetaStoreTest, StagesAndCheckpointsNeedARegisteredTask) {
  EXPECT_THROW(store_->put_stage({.task_id = "ghost", .stage = "schema"}), MetaError);
  try {
    store_->put_checkpoint("ghost", "k", bytes("v"));
    FAIL();
  } catch (const MetaError& e) {
    EXPECT_EQ(std::string(e.what()), "meta store '" + store_->path().string() +
                                         "': put checkpoint 'k' of task 'ghost': FOREIGN KEY "
                                         "constraint failed");
  }
}

TEST_F(MetaStoreTest, CheckpointsRoundTripBinaryBytesAndOverwrite) {
  store_->register_task("t1", "d");
  store_->register_task("t2", "d");
  const std::vector<uint8_t> binary = {0x00, 0xff, 0x00, 0x01, 0x80, 0x00};
  store_->put_checkpoint("t1", "chunk/2", binary);
  store_->put_checkpoint("t1", "chunk/1", bytes("first"));
  store_->put_checkpoint("t1", "empty", {});
  store_->put_checkpoint("t2", "chunk/1", bytes("other task"));

  EXPECT_EQ(store_->checkpoint("t1", "chunk/2"), binary);
  EXPECT_EQ(store_->checkpoint("t1", "chunk/1"), bytes("first"));
  EXPECT_EQ(store_->checkpoint("t1", "empty"), std::vector<uint8_t>{});
  EXPECT_EQ(store_->checkpoint("t1", "missing"), std::nullopt);

  store_->put_checkpoint("t1", "chunk/1", bytes("second"));
  EXPECT_EQ(store_->checkpoint("t1", "chunk/1"), bytes("second"));
  EXPECT_THAT(store_->checkpoint_keys("t1"), ElementsAre("chunk/1", "chunk/2", "empty"));

  store_->delete_checkpoints("t1");
  EXPECT_TRUE(store_->checkpoint_keys("t1").empty());
  EXPECT_EQ(store_->checkpoint("t2", "chunk/1"), bytes("other task"));
}

TEST_F(MetaStoreTest, EventsAreOrderedAndPageByAfterId) {
  const int64_t before = now_ms();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(store_->append_event(
        {.task_id = "t1", .level = "info", .stage = "full-import", .message = std::to_string(i)}));
    store_->append_event({.task_id = "t2", .level = "warn", .message = "noise"});
  }
  const int64_t explicit_id =
      store_->append_event({.task_id = "t1", .at_ms = 42, .level = "error", .message = "old"});

  auto all = store_->events("t1");
  ASSERT_EQ(all.size(), 6u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i].id, ids[i]);
    EXPECT_EQ(all[i].message, std::to_string(i));
    EXPECT_EQ(all[i].task_id, "t1");
    EXPECT_EQ(all[i].level, "info");
    EXPECT_EQ(all[i].stage, "full-import");
    EXPECT_GE(all[i].at_ms, before);
    if (i > 0) {
      EXPECT_GT(all[i].id, all[i - 1].id);
    }
  }
  EXPECT_EQ(all[5].id, explicit_id);
  EXPECT_EQ(all[5].at_ms, 42) << "a given time is kept";

  auto page1 = store_->events("t1", 0, 2);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[1].id, ids[1]);
  auto page2 = store_->events("t1", page1.back().id, 2);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, ids[2]);
  EXPECT_EQ(page2[1].id, ids[3]);
  auto rest = store_->events("t1", page2.back().id);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_TRUE(store_->events("t1", explicit_id).empty());
  EXPECT_EQ(store_->events("t2").size(), 5u);
}

TEST_F(MetaStoreTest, DataSurvivesReopening) {
  store_->register_task("t1", "d");
  store_->set_task_state("t1", TaskState::Paused);
  store_->put_stage({.task_id = "t1", .stage = "schema", .component = "schema-migration"});
  store_->put_checkpoint("t1", "k", bytes("v"));
  const int64_t event_id = store_->append_event({.task_id = "t1", .level = "info", .message = "m"});
  store_.reset();

  store_ = MetaStore::open(tmp_.path());
  auto t = store_->task("t1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, TaskState::Paused);
  EXPECT_EQ(store_->stages("t1").size(), 1u);
  EXPECT_EQ(store_->checkpoint("t1", "k"), bytes("v"));
  auto events = store_->events("t1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, event_id);
  EXPECT_GT(store_->append_event({.task_id = "t1", .level = "info", .message = "n"}), event_id);
  EXPECT_EQ(pragma(store_->path(), "user_version"), std::to_string(MetaStore::schema_version()));
}

TEST_F(MetaStoreTest, ConcurrentCheckpointWritersAllLand) {
  store_->register_task("t1", "d");
  constexpr int kPerThread = 1000;
  auto writer = [&](const std::string& prefix) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string value = prefix + std::to_string(i);
      store_->put_checkpoint("t1", prefix + std::to_string(i), bytes(value));
    }
  };
  std::thread a(writer, "a/"), b(writer, "b/");
  a.join();
  b.join();

  EXPECT_EQ(store_->checkpoint_keys("t1").size(), 2u * kPerThread);
  for (const std::string prefix : {"a/", "b/"}) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string key = prefix + std::to_string(i);
      EXPECT_EQ(store_->checkpoint("t1", key), bytes(key)) << key;
    }
  }
}

TEST_F(MetaStoreTest, ObjectsUpsertByKeyAndListInFirstPutOrder) {
  store_->register_task("t1", "d");
  store_->put_object({.task_id = "t1",
                      .key = "table:shop.orders",
                      .kind = "table",
                      .stage = "schema",
                      .source_name = "shop.orders",
                      .dest_name = "shop.orders",
                      .ddl = "CREATE TABLE ..."});
  store_->put_objects(
      {{.task_id = "t1",
        .key = "index:shop.orders.k_%",
        .kind = "index",
        .parent = "table:shop.orders",
        .stage = "schema"},
       {.task_id = "t1", .key = "table:shop.items", .kind = "table", .stage = "schema"}});
  ObjectRecord changed = *store_->object("t1", "table:shop.orders");
  changed.status = ObjectStatus::Failed;
  changed.error = "relation exists";
  changed.ddl_edited = true;
  changed.detail_json = R"({"rows":5})";
  changed.started_at_ms = 10;
  changed.finished_at_ms = 20;
  store_->put_object(changed);

  auto all = store_->objects("t1");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].key, "table:shop.orders");
  EXPECT_EQ(all[0].status, ObjectStatus::Failed);
  EXPECT_EQ(all[0].error, "relation exists");
  EXPECT_TRUE(all[0].ddl_edited);
  EXPECT_EQ(all[0].ddl, "CREATE TABLE ...");
  EXPECT_EQ(all[0].detail_json, R"({"rows":5})");
  EXPECT_EQ(all[0].started_at_ms, 10);
  EXPECT_EQ(all[0].finished_at_ms, 20);
  EXPECT_GT(all[0].updated_at_ms, 0);
  EXPECT_EQ(all[1].key, "index:shop.orders.k_%");
  EXPECT_EQ(all[1].parent, "table:shop.orders");
  EXPECT_EQ(all[2].key, "table:shop.items");
  // The prefix is literal: '_' and '%' are not wildcards.
  EXPECT_EQ(store_->objects("t1", "index:shop.orders.k_%").size(), 1u);
  EXPECT_EQ(store_->objects("t1", "index:shop.orders.k__").size(), 0u);
  EXPECT_EQ(store_->objects("t1", "table:").size(), 2u);
  EXPECT_FALSE(store_->object("t1", "table:nope").has_value());
  EXPECT_TRUE(store_->objects("t2").empty());
}

TEST_F(MetaStoreTest, ObjectStatusNamesRoundTrip) {
  for (auto s : {ObjectStatus::Pending, ObjectStatus::Running, ObjectStatus::Succeeded,
                 ObjectStatus::Failed, ObjectStatus::Skipped, ObjectStatus::Removed}) {
    EXPECT_EQ(object_status_from_string(to_string(s)), s);
  }
  EXPECT_EQ(to_string(ObjectStatus::Succeeded), "succeeded");
  EXPECT_FALSE(object_status_from_string("done").has_value());
}

TEST_F(MetaStoreTest, ObjectsNeedARegisteredTask) {
  EXPECT_THROW(store_->put_object({.task_id = "ghost", .key = "table:a.b", .kind = "table"}),
               MetaError);
}

TEST_F(MetaStoreTest, MetricSamplesAreATimeSeriesPerStageAndName) {
  store_->register_task("t1", "d");
  store_->append_metric_samples(
      "t1", {{.stage = "full-import", .name = "rows", .at_ms = 1000, .value = 5},
             {.stage = "full-import", .name = "rows", .at_ms = 2000, .value = 12.5},
             {.stage = "full-import", .name = "bytes", .at_ms = 2000, .value = 99},
             {.stage = "schema", .name = "rows", .at_ms = 2000, .value = 1}});
  auto rows = store_->metric_samples("t1", "full-import", "rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at_ms, 1000);
  EXPECT_EQ(rows[0].value, 5);
  EXPECT_EQ(rows[1].value, 12.5);
  EXPECT_EQ(store_->metric_samples("t1", "full-import", "rows", 1500).size(), 1u);
  store_->prune_metric_samples("t1", 1500);
  EXPECT_EQ(store_->metric_samples("t1", "full-import", "rows").size(), 1u);
  EXPECT_EQ(store_->metric_samples("t1", "full-import", "bytes").size(), 1u);
}

}  // namespace
}  // namespace ferry::meta
