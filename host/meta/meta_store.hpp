#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meta/meta_error.hpp"

namespace ferry::meta {

// The states of a migration task, as the OMS documentation names them.
enum class TaskState {
  NotStarted,
  Running,
  Modifying,
  Integrating,
  Paused,
  Failed,
  Completed,
  Releasing,
  Released
};
// "Not Started", "Running", ...: the display name, which is also what the store records.
std::string_view to_string(TaskState state);
std::optional<TaskState> task_state_from_string(std::string_view name);

enum class StageState { Pending, Running, Paused, Stopped, Failed, Completed };
std::string_view to_string(StageState state);  // "Pending", "Running", ...
std::optional<StageState> stage_state_from_string(std::string_view name);

// Timestamps are milliseconds since the Unix epoch (UTC). Every member has an initializer so that
// designated initializers may leave any of them out.
struct TaskRecord {
  std::string id{};
  TaskState state = TaskState::NotStarted;
  std::string config_digest{};
  std::string error{};
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct StageRecord {
  std::string task_id{};
  std::string stage{};
  std::string component{};
  StageState state = StageState::Pending;
  std::string progress_json{};
  std::string error{};
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct EventRecord {
  int64_t id = 0;
  std::string task_id{};
  int64_t at_ms = 0;
  std::string level{};
  std::string stage{};
  std::string message{};
};

// The status of a migration object (a schema, table, view, index, constraint, a table's data),
// as the reference documentation lists them.
enum class ObjectStatus { Pending, Running, Succeeded, Failed, Skipped, Removed };
std::string_view to_string(ObjectStatus status);  // "pending", "running", ...
std::optional<ObjectStatus> object_status_from_string(std::string_view name);

// One migration object of a task. `key` is unique per task ("table:shop.orders",
// "index:shop.orders.k_1"); `parent` is the key of the object it belongs to (an index's table).
// `ddl_edited` is set when an operator replaced the generated DDL: components run the edit.
struct ObjectRecord {
  std::string task_id{};
  std::string key{};
  std::string kind{};
  std::string parent{};
  std::string stage{};
  std::string source_name{};
  std::string dest_name{};
  ObjectStatus status = ObjectStatus::Pending;
  std::string ddl{};
  bool ddl_edited = false;
  std::string error{};
  std::string detail_json = "{}";
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct MetricSample {
  std::string stage{};
  std::string name{};
  int64_t at_ms = 0;
  double value = 0;
};

// ferryd's durable state: tasks, their stages, checkpoints and events, in the SQLite database
// data_dir/meta.db.
//
// Safe for concurrent use by multiple threads without external synchronization: one connection,
// one mutex, so calls are serialized. Every write is durable when it returns (WAL with
// synchronous=FULL). Only one process may open a data directory's store at a time: the caller
// holds its DataDirLock. Every failure throws MetaError naming the database file, the operation
// and SQLite's reason.
class MetaStore {
 public:
  // Opens or creates the database and brings its schema up to this build's version. Refuses a
  // database whose schema is newer than this build knows.
  static std::unique_ptr<MetaStore> open(const std::filesystem::path& data_dir);
  // The schema version this build writes: the number of migrations it knows (PRAGMA user_version
  // of every database it has opened).
  static int schema_version();

  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;
  ~MetaStore();

  // Tasks, listed in the order they were registered. register_task inserts a missing task (Not
  // Started, created now) or else replaces its config digest, and returns the stored record.
  TaskRecord register_task(const std::string& id, const std::string& config_digest);
  std::optional<TaskRecord> task(const std::string& id) const;
  std::vector<TaskRecord> tasks() const;
  // Replaces the state and the error (empty clears it). Throws for an unregistered task.
  void set_task_state(const std::string& id, TaskState state, const std::string& error = {});

  // Upsert by (task_id, stage); updated_at_ms is set to now, the other fields are stored as given.
  // stages() lists them in the order each was first put. The task must be registered.
  void put_stage(const StageRecord& r);
  std::vector<StageRecord> stages(const std::string& task_id) const;

  // Opaque bytes per (task, key); the task must be registered. A put is its own transaction and
  // durable when it returns. checkpoint_keys lists keys in byte order.
  void put_checkpoint(const std::string& task_id, const std::string& key,
                      std::span<const uint8_t> value);
  std::optional<std::vector<uint8_t>> checkpoint(const std::string& task_id,
                                                 const std::string& key) const;
  std::vector<std::string> checkpoint_keys(const std::string& task_id) const;
  void delete_checkpoints(const std::string& task_id);

  // Events are a log rather than task state: they need no registered task (task_id may name a
  // task that failed to register, or be empty for the daemon itself). at_ms = now when 0; e.id is
  // ignored. Returns the new id; ids only grow and are never reused, so a reader pages with
  // events(task, last_id_seen) and the result is in id order.
  int64_t append_event(const EventRecord& e);
  std::vector<EventRecord> events(const std::string& task_id, int64_t after_id = 0,
                                  size_t limit = 1000) const;

  // Migration objects. put_object upserts by (task_id, key) with every field as given
  // (updated_at_ms = now); objects() lists a task's objects in first-put order, those whose key
  // starts with `key_prefix` when it is not empty. put_objects writes several in one transaction.
  void put_object(const ObjectRecord& r);
  void put_objects(const std::vector<ObjectRecord>& records);
  std::optional<ObjectRecord> object(const std::string& task_id, const std::string& key) const;
  std::vector<ObjectRecord> objects(const std::string& task_id,
                                    const std::string& key_prefix = {}) const;

  // Metric time series (for charts): one sample per metric and persist interval. Samples older
  // than `before_ms` are dropped by prune_metric_samples.
  void append_metric_samples(const std::string& task_id, const std::vector<MetricSample>& samples);
  std::vector<MetricSample> metric_samples(const std::string& task_id, const std::string& stage,
                                           const std::string& name, int64_t since_ms = 0) const;
  void prune_metric_samples(const std::string& task_id, int64_t before_ms);

  std::filesystem::path path() const;  // data_dir/meta.db

 private:
  struct Impl;
  explicit MetaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::meta
