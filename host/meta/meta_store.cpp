#include "meta/meta_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

namespace ferry::meta {
namespace {

namespace fs = std::filesystem;

// The schema, one migration per version: migration i takes a database from user_version i to
// i + 1 inside one transaction. Append only; never edit a migration that has shipped.
struct Migration {
  const char* summary;
  const char* sql;
};
constexpr std::array kMigrations = {
    Migration{"tasks, stages, checkpoints and events", R"sql(
CREATE TABLE tasks (
  id            TEXT PRIMARY KEY NOT NULL,
  state         TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  error         TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE stages (
  seq            INTEGER PRIMARY KEY,  -- first-put order; explicit so VACUUM keeps it
  task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  stage          TEXT NOT NULL,
  component      TEXT NOT NULL,
  state          TEXT NOT NULL,
  progress_json  TEXT NOT NULL,
  error          TEXT NOT NULL,
  started_at_ms  INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  UNIQUE (task_id, stage)
);
CREATE TABLE checkpoints (
  task_id       TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value         BLOB NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (task_id, key)
) WITHOUT ROWID;
CREATE TABLE events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: readers page by id
  task_id TEXT NOT NULL,
  at_ms   INTEGER NOT NULL,
  level   TEXT NOT NULL,
  stage   TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX events_by_task ON events (task_id, id);
)sql"},
    Migration{"migration objects and metric samples", R"sql(
CREATE TABLE objects (
  seq            INTEGER PRIMARY KEY,  -- first-put order
  task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  key            TEXT NOT NULL,
  kind           TEXT NOT NULL,
  parent         TEXT NOT NULL,
  stage          TEXT NOT NULL,
  source_name    TEXT NOT NULL,
  dest_name      TEXT NOT NULL,
  status         TEXT NOT NULL,
  ddl            TEXT NOT NULL,
  ddl_edited     INTEGER NOT NULL,
  error          TEXT NOT NULL,
  detail_json    TEXT NOT NULL,
  started_at_ms  INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  UNIQUE (task_id, key)
);
CREATE TABLE metric_samples (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  stage   TEXT NOT NULL,
  name    TEXT NOT NULL,
  at_ms   INTEGER NOT NULL,
  value   REAL NOT NULL,
  PRIMARY KEY (task_id, stage, name, at_ms)
) WITHOUT ROWID;
)sql"},
};

constexpr int kBusyTimeoutMs = 5000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::array<std::pair<TaskState, std::string_view>, 9> kTaskStateNames = {{
    {TaskState::NotStarted, "Not Started"},
    {TaskState::Running, "Running"},
    {TaskState::Modifying, "Modifying"},
    {TaskState::Integrating, "Integrating"},
    {TaskState::Paused, "Paused"},
    {TaskState::Failed, "Failed"},
    {TaskState::Completed, "Completed"},
    {TaskState::Releasing, "Releasing"},
    {TaskState::Released, "Released"},
}};
constexpr std::array<std::pair<StageState, std::string_view>, 6> kStageStateNames = {{
    {StageState::Pending, "Pending"},
    {StageState::Running, "Running"},
    {StageState::Paused, "Paused"},
    {StageState::Stopped, "Stopped"},
    {StageState::Failed, "Failed"},
    {StageState::Completed, "Completed"},
}};

constexpr std::array<std::pair<ObjectStatus, std::string_view>, 6> kObjectStatusNames = {{
    {ObjectStatus::Pending, "pending"},
    {ObjectStatus::Running, "running"},
    {ObjectStatus::Succeeded, "succeeded"},
    {ObjectStatus::Failed, "failed"},
    {ObjectStatus::Skipped, "skipped"},
    {ObjectStatus::Removed, "removed"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum e) {
  for (const auto& [value, name] : names) {
    if (value == e) return name;
  }
  return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view name) {
  for (const auto& [value, n] : names) {
    if (n == name) return value;
  }
  return std::nullopt;
}

// One SQLite connection and its prepared-statement cache. Not synchronized: the owner serializes
// every use (MetaStore holds its mutex around each call).
class Connection {
 public:
  explicit Connection(fs::path path) : path_(std::move(path)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  void open() {
    if (sqlite3_threadsafe() == 0) {
      fail("open", "this SQLite library is built without thread support (SQLITE_THREADSAFE=0)");
    }
    // NOMUTEX: the owner's mutex already serializes the connection.
    const int rc =
        sqlite3_open_v2(path_.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) fail("open");
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }

  const fs::path& path() const { return path_; }
  sqlite3* db() const { return db_; }

  // A reason of its own, or else SQLite's account of the last failure on this connection (with
  // the OS error behind it when the failure was the file system's).
  [[noreturn]] void fail(std::string_view op, std::string_view reason = {}) const {
    std::string why(reason);
    if (why.empty()) {
      why = sqlite3_errmsg(db_);  // handles a null db ("out of memory")
      const int primary = sqlite3_extended_errcode(db_) & 0xff;
      const int os_errno = db_ ? sqlite3_system_errno(db_) : 0;
      if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && os_errno != 0) {
        why += std::string(" (") + std::strerror(os_errno) + ")";
      }
    }
    throw MetaError("meta store '" + path_.string() + "': " + std::string(op) + ": " + why);
  }

  // For SQL run once, or holding several statements: pragmas, BEGIN/COMMIT, migrations.
  void exec(std::string_view op, const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(op);
  }

  sqlite3_stmt* prepared(std::string_view op, std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, &tail) != SQLITE_OK) {
      fail(op);
    }
    statements_.emplace(std::string(sql), stmt);
    if (tail != sql.data() + sql.size()) fail(op, "more than one SQL statement in a query");
    return stmt;
  }

 private:
  fs::path path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

// A cached statement checked out for one use: bind by position from 1, step, read columns by
// position from 0. The destructor resets it, so a SELECT abandoned half-read (by an exception
// or an early return) does not keep a read transaction open and stall WAL checkpoints.
class Statement {
 public:
  // `op` names the operation in error messages; it must outlive the statement.
  Statement(Connection& conn, std::string_view op, std::string_view sql)
      : conn_(conn), op_(op), stmt_(conn.prepared(op, sql)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  template <typename... Args>
  Statement& bind(const Args&... args) {
    int index = 0;
    (bind_one(++index, args), ...);
    return *this;
  }

  // True when a row is ready, false when the statement is done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    conn_.fail(op_);
  }
  // Runs a statement that returns no rows; returns the number of rows it changed.
  int64_t run() {
    while (step()) {
    }
    return sqlite3_changes(conn_.db());
  }

  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::vector<uint8_t> blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    if (!p) return {};  // a zero-length blob reads back as null
    return std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, col));
  }

 private:
  // Values are copied into the statement (SQLITE_TRANSIENT): callers bind temporaries.
  void bind_one(int index, std::string_view v) {
    // A null data pointer would bind SQL NULL; an empty string must stay ''.
    check(sqlite3_bind_text64(stmt_, index, v.data() ? v.data() : "", v.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  void bind_one(int index, int64_t v) { check(sqlite3_bind_int64(stmt_, index, v)); }
  void bind_one(int index, double v) { check(sqlite3_bind_double(stmt_, index, v)); }
  void bind_one(int index, std::span<const uint8_t> v) {
    check(v.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                    : sqlite3_bind_blob64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  void check(int rc) {
    if (rc != SQLITE_OK) conn_.fail(op_);
  }

  Connection& conn_;
  std::string_view op_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE, so the write lock is taken up front rather than on the first write.
// Rolls back unless commit() succeeded.
class Transaction {
 public:
  Transaction(Connection& conn, std::string_view op) : conn_(conn), op_(op) {
    conn_.exec(op_, "BEGIN IMMEDIATE");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!committed_) sqlite3_exec(conn_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    conn_.exec(op_, "COMMIT");
    committed_ = true;
  }

 private:
  Connection& conn_;
  std::string_view op_;
  bool committed_ = false;
};

int64_t single_integer(Connection& conn, std::string_view op, std::string_view sql) {
  Statement q(conn, op, sql);
  if (!q.step()) conn.fail(op, "no result");
  return q.integer(0);
}

void configure(Connection& conn) {
  // journal_mode answers with the mode in force, which stays "delete" where WAL is impossible.
  {
    Statement q(conn, "enable WAL", "PRAGMA journal_mode = WAL");
    if (!q.step() || q.text(0) != "wal") {
      conn.fail("enable WAL", "the database refused journal_mode=WAL");
    }
  }
  conn.exec("set synchronous=FULL", "PRAGMA synchronous = FULL");
  // Outside any transaction: the pragma is a no-op inside one.
  conn.exec("enable foreign keys", "PRAGMA foreign_keys = ON");
  if (single_integer(conn, "enable foreign keys", "PRAGMA foreign_keys") != 1) {
    conn.fail("enable foreign keys", "this SQLite library does not enforce foreign keys");
  }
}

void migrate(Connection& conn) {
  const int64_t known = static_cast<int64_t>(kMigrations.size());
  for (;;) {
    Transaction tx(conn, "migrate schema");
    const int64_t version = single_integer(conn, "read schema version", "PRAGMA user_version");
    if (version > known) {
      conn.fail("migrate schema", "schema version " + std::to_string(version) +
                                      " is newer than this ferryd knows (" + std::to_string(known) +
                                      "); run a newer ferryd");
    }
    if (version == known) {
      tx.commit();
      return;
    }
    const Migration& m = kMigrations[static_cast<size_t>(version)];
    const std::string op =
        "migrate schema to version " + std::to_string(version + 1) + " (" + m.summary + ")";
    conn.exec(op, m.sql);
    conn.exec(op, "PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

TaskState task_state_column(const Connection& conn, const Statement& q, int col) {
  const std::string name = q.text(col);
  if (auto state = task_state_from_string(name)) return *state;
  conn.fail("read task", "unknown task state '" + name + "'");
}

StageState stage_state_column(const Connection& conn, const Statement& q, int col) {
  const std::string name = q.text(col);
  if (auto state = stage_state_from_string(name)) return *state;
  conn.fail("read stage", "unknown stage state '" + name + "'");
}

// Reads the columns every task query selects, in this order:
// id, state, config_digest, error, created_at_ms, updated_at_ms.
TaskRecord task_row(const Connection& conn, const Statement& q) {
  return TaskRecord{.id = q.text(0),
                    .state = task_state_column(conn, q, 1),
                    .config_digest = q.text(2),
                    .error = q.text(3),
                    .created_at_ms = q.integer(4),
                    .updated_at_ms = q.integer(5)};
}

constexpr std::string_view kObjectColumns =
    "task_id, key, kind, parent, stage, source_name, dest_name, status, ddl, ddl_edited, error, "
    "detail_json, started_at_ms, finished_at_ms, updated_at_ms";

ObjectRecord object_row(const Connection& conn, const Statement& q) {
  const std::string status = q.text(7);
  const auto parsed = object_status_from_string(status);
  if (!parsed) conn.fail("read object", "unknown object status '" + status + "'");
  return ObjectRecord{.task_id = q.text(0),
                      .key = q.text(1),
                      .kind = q.text(2),
                      .parent = q.text(3),
                      .stage = q.text(4),
                      .source_name = q.text(5),
                      .dest_name = q.text(6),
                      .status = *parsed,
                      .ddl = q.text(8),
                      .ddl_edited = q.integer(9) != 0,
                      .error = q.text(10),
                      .detail_json = q.text(11),
                      .started_at_ms = q.integer(12),
                      .finished_at_ms = q.integer(13),
                      .updated_at_ms = q.integer(14)};
}

void write_object(Connection& conn, const std::string& op, const ObjectRecord& r) {
  Statement(conn, op, R"sql(
      INSERT INTO objects (task_id, key, kind, parent, stage, source_name, dest_name, status, ddl,
                           ddl_edited, error, detail_json, started_at_ms, finished_at_ms,
                           updated_at_ms)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
      ON CONFLICT (task_id, key) DO UPDATE
        SET kind = excluded.kind, parent = excluded.parent, stage = excluded.stage,
            source_name = excluded.source_name, dest_name = excluded.dest_name,
            status = excluded.status, ddl = excluded.ddl, ddl_edited = excluded.ddl_edited,
            error = excluded.error, detail_json = excluded.detail_json,
            started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms,
            updated_at_ms = excluded.updated_at_ms)sql")
      .bind(r.task_id, r.key, r.kind, r.parent, r.stage, r.source_name, r.dest_name,
            to_string(r.status), r.ddl, static_cast<int64_t>(r.ddl_edited ? 1 : 0), r.error,
            r.detail_json, r.started_at_ms, r.finished_at_ms, now_ms())
      .run();
}

}  // namespace

std::string_view to_string(ObjectStatus status) {
  return name_of(kObjectStatusNames, status);
}
std::optional<ObjectStatus> object_status_from_string(std::string_view name) {
  return value_of(kObjectStatusNames, name);
}

std::string_view to_string(TaskState state) {
  return name_of(kTaskStateNames, state);
}
std::optional<TaskState> task_state_from_string(std::string_view name) {
  return value_of(kTaskStateNames, name);
}
std::string_view to_string(StageState state) {
  return name_of(kStageStateNames, state);
}
std::optional<StageState> stage_state_from_string(std::string_view name) {
  return value_of(kStageStateNames, name);
}

struct MetaStore::Impl {
  explicit Impl(fs::path path) : conn(std::move(path)) {}
  std::mutex mutex;  // guards conn, whose statements and error state are per connection
  Connection conn;
};

MetaStore::MetaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetaStore::~MetaStore() = default;

std::unique_ptr<MetaStore> MetaStore::open(const fs::path& data_dir) {
  auto impl = std::make_unique<Impl>(data_dir / "meta.db");
  impl->conn.open();
  configure(impl->conn);
  migrate(impl->conn);
  return std::unique_ptr<MetaStore>(new MetaStore(std::move(impl)));
}

int MetaStore::schema_version() {
  return static_cast<int>(kMigrations.size());
}

fs::path MetaStore::path() const {
  return impl_->conn.path();
}

TaskRecord MetaStore::register_task(const std::string& id, const std::string& config_digest) {
  const std::string op = "register task '" + id + "'";
  std::lock_guard lock(impl_->mutex);
  Connection& conn = impl_->conn;
  Transaction tx(conn, op);
  Statement(conn, op, R"sql(
      INSERT INTO tasks (id, state, config_digest, error, created_at_ms, updated_at_ms)
      VALUES (?1, ?2, ?3, '', ?4, ?4)
      ON CONFLICT (id) DO UPDATE
        SET config_digest = excluded.config_digest, updated_at_ms = excluded.updated_at_ms
        WHERE config_digest <> excluded.config_digest)sql")
      .bind(id, to_string(TaskState::NotStarted), config_digest, now_ms())
      .run();
  Statement q(conn, op, R"sql(
      SELECT id, state, config_digest, error, created_at_ms, updated_at_ms
      FROM tasks WHERE id = ?1)sql");
  if (!q.bind(id).step()) conn.fail(op, "the task vanished after being written");
  TaskRecord record = task_row(conn, q);
  tx.commit();
  return record;
}

std::optional<TaskRecord> MetaStore::task(const std::string& id) const {
  const std::string op = "read task '" + id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT id, state, config_digest, error, created_at_ms, updated_at_ms
      FROM tasks WHERE id = ?1)sql");
  if (!q.bind(id).step()) return std::nullopt;
  return task_row(impl_->conn, q);
}

std::vector<TaskRecord> MetaStore::tasks() const {
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, "list tasks", R"sql(
      SELECT id, state, config_digest, error, created_at_ms, updated_at_ms
      FROM tasks ORDER BY created_at_ms, rowid)sql");
  std::vector<TaskRecord> out;
  while (q.step()) out.push_back(task_row(impl_->conn, q));
  return out;
}

void MetaStore::set_task_state(const std::string& id, TaskState state, const std::string& error) {
  const std::string op = "set state of task '" + id + "' to " + std::string(to_string(state));
  std::lock_guard lock(impl_->mutex);
  const int64_t changed = Statement(impl_->conn, op, R"sql(
          UPDATE tasks SET state = ?2, error = ?3, updated_at_ms = ?4 WHERE id = ?1)sql")
                              .bind(id, to_string(state), error, now_ms())
                              .run();
  if (changed == 0) impl_->conn.fail(op, "no such task");
}

void MetaStore::put_stage(const StageRecord& r) {
  const std::string op = "put stage '" + r.stage + "' of task '" + r.task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->conn, op, R"sql(
      INSERT INTO stages (task_id, stage, component, state, progress_json, error,
                          started_at_ms, finished_at_ms, updated_at_ms)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
      ON CONFLICT (task_id, stage) DO UPDATE
        SET component = excluded.component, state = excluded.state,
            progress_json = excluded.progress_json, error = excluded.error,
            started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms,
            updated_at_ms = excluded.updated_at_ms)sql")
      .bind(r.task_id, r.stage, r.component, to_string(r.state), r.progress_json, r.error,
            r.started_at_ms, r.finished_at_ms, now_ms())
      .run();
}

std::vector<StageRecord> MetaStore::stages(const std::string& task_id) const {
  const std::string op = "list stages of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT task_id, stage, component, state, progress_json, error,
             started_at_ms, finished_at_ms, updated_at_ms
      FROM stages WHERE task_id = ?1 ORDER BY seq)sql");
  q.bind(task_id);
  std::vector<StageRecord> out;
  while (q.step()) {
    out.push_back(StageRecord{.task_id = q.text(0),
                              .stage = q.text(1),
                              .component = q.text(2),
                              .state = stage_state_column(impl_->conn, q, 3),
                              .progress_json = q.text(4),
                              .error = q.text(5),
                              .started_at_ms = q.integer(6),
                              .finished_at_ms = q.integer(7),
                              .updated_at_ms = q.integer(8)});
  }
  return out;
}

void MetaStore::put_checkpoint(const std::string& task_id, const std::string& key,
                               std::span<const uint8_t> value) {
  const std::string op = "put checkpoint '" + key + "' of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->conn, op, R"sql(
      INSERT INTO checkpoints (task_id, key, value, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
      ON CONFLICT (task_id, key) DO UPDATE
        SET value = excluded.value, updated_at_ms = excluded.updated_at_ms)sql")
      .bind(task_id, key, value, now_ms())
      .run();
}

std::optional<std::vector<uint8_t>> MetaStore::checkpoint(const std::string& task_id,
                                                          const std::string& key) const {
  const std::string op = "read checkpoint '" + key + "' of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT value FROM checkpoints WHERE task_id = ?1 AND key = ?2)sql");
  if (!q.bind(task_id, key).step()) return std::nullopt;
  return q.blob(0);
}

std::vector<std::string> MetaStore::checkpoint_keys(const std::string& task_id) const {
  const std::string op = "list checkpoints of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT key FROM checkpoints WHERE task_id = ?1 ORDER BY key)sql");
  q.bind(task_id);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

void MetaStore::delete_checkpoints(const std::string& task_id) {
  const std::string op = "delete checkpoints of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->conn, op, "DELETE FROM checkpoints WHERE task_id = ?1").bind(task_id).run();
}

int64_t MetaStore::append_event(const EventRecord& e) {
  const std::string op = "append event of task '" + e.task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->conn, op, R"sql(
      INSERT INTO events (task_id, at_ms, level, stage, message) VALUES (?1, ?2, ?3, ?4, ?5))sql")
      .bind(e.task_id, e.at_ms != 0 ? e.at_ms : now_ms(), e.level, e.stage, e.message)
      .run();
  return sqlite3_last_insert_rowid(impl_->conn.db());
}

std::vector<EventRecord> MetaStore::events(const std::string& task_id, int64_t after_id,
                                           size_t limit) const {
  const std::string op = "read events of task '" + task_id + "'";
  const auto max_rows = static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT id, task_id, at_ms, level, stage, message
      FROM events WHERE task_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3)sql");
  q.bind(task_id, after_id, max_rows);
  std::vector<EventRecord> out;
  while (q.step()) {
    out.push_back(EventRecord{.id = q.integer(0),
                              .task_id = q.text(1),
                              .at_ms = q.integer(2),
                              .level = q.text(3),
                              .stage = q.text(4),
                              .message = q.text(5)});
  }
  return out;
}

void MetaStore::put_object(const ObjectRecord& r) {
  put_objects({r});
}

void MetaStore::put_objects(const std::vector<ObjectRecord>& records) {
  if (records.empty()) return;
  const std::string op = "put " + std::to_string(records.size()) + " object(s) of task '" +
                         records.front().task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->conn, op);
  for (const auto& r : records) write_object(impl_->conn, op, r);
  tx.commit();
}

std::optional<ObjectRecord> MetaStore::object(const std::string& task_id,
                                              const std::string& key) const {
  const std::string op = "read object '" + key + "' of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(
      impl_->conn, op,
      "SELECT " + std::string(kObjectColumns) + " FROM objects WHERE task_id = ?1 AND key = ?2");
  if (!q.bind(task_id, key).step()) return std::nullopt;
  return object_row(impl_->conn, q);
}

std::vector<ObjectRecord> MetaStore::objects(const std::string& task_id,
                                             const std::string& key_prefix) const {
  const std::string op = "list objects of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  // substr() rather than LIKE: keys hold '_' and '%'.
  Statement q(impl_->conn, op,
              "SELECT " + std::string(kObjectColumns) +
                  " FROM objects WHERE task_id = ?1 AND substr(key, 1, length(?2)) = ?2"
                  " ORDER BY seq");
  q.bind(task_id, key_prefix);
  std::vector<ObjectRecord> out;
  while (q.step()) out.push_back(object_row(impl_->conn, q));
  return out;
}

void MetaStore::append_metric_samples(const std::string& task_id,
                                      const std::vector<MetricSample>& samples) {
  if (samples.empty()) return;
  const std::string op = "append metric samples of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->conn, op);
  for (const auto& s : samples) {
    Statement(impl_->conn, op, R"sql(
        INSERT INTO metric_samples (task_id, stage, name, at_ms, value) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (task_id, stage, name, at_ms) DO UPDATE SET value = excluded.value)sql")
        .bind(task_id, s.stage, s.name, s.at_ms != 0 ? s.at_ms : now_ms(), s.value)
        .run();
  }
  tx.commit();
}

std::vector<MetricSample> MetaStore::metric_samples(const std::string& task_id,
                                                    const std::string& stage,
                                                    const std::string& name,
                                                    int64_t since_ms) const {
  const std::string op = "read metric '" + name + "' of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement q(impl_->conn, op, R"sql(
      SELECT stage, name, at_ms, value FROM metric_samples
      WHERE task_id = ?1 AND stage = ?2 AND name = ?3 AND at_ms >= ?4 ORDER BY at_ms)sql");
  q.bind(task_id, stage, name, since_ms);
  std::vector<MetricSample> out;
  while (q.step()) {
    out.push_back(MetricSample{
        .stage = q.text(0), .name = q.text(1), .at_ms = q.integer(2), .value = q.real(3)});
  }
  return out;
}

void MetaStore::prune_metric_samples(const std::string& task_id, int64_t before_ms) {
  const std::string op = "prune metric samples of task '" + task_id + "'";
  std::lock_guard lock(impl_->mutex);
  Statement(impl_->conn, op, "DELETE FROM metric_samples WHERE task_id = ?1 AND at_ms < ?2")
      .bind(task_id, before_ms)
      .run();
}

}  // namespace ferry::meta
