// The full-import component ("full-import" stage): copies every selected table from the source
// to the destination in chunks, with a pool of readers and writers, checkpointed per chunk;
// creates each table's indexes once its data is in (while the other tables are still copied),
// then, when the task has no incremental sync, its FOREIGN KEY / CHECK constraints.
// docs/components.md ("full-import") is the operator's description.
//
// Tables. The source's catalog (the task's selection, temporary tables left out). With schema
// migration in the task, each table's `table:` object says where it goes (destination schema
// and table, column renames, the statements that set its identity / auto-increment counter
// after the data); a removed table is not copied, a skipped one is copied into what the
// operator created, and one whose schema migration did not succeed fails here. Without schema
// migration, the task's renames give the destination names and the destination's own catalog
// (ferry_destination_vtable.discover) the columns: only the columns present on both sides are
// copied, matched by name, and the status and the table's `data:` object say which were left
// out.
//
// Chunks. Each table is planned once (the source's plan_splits) and the plan is checkpointed,
// so a restart copies exactly the same chunks. `readers` threads (each with its own source
// instance) read chunks into one bounded queue (at most `queue_batches` batches and
// `queue_bytes` bytes: memory is bounded by the preset, whatever the table size); `writers`
// threads (each with its own destination instance) bulk-write them, each keeping to its own
// tables while there are enough of them (pick()). A chunk is checkpointed "started" before any
// of its rows is written and "done" once its last batch is durable (every bulk_write commits).
// On restart, done chunks are skipped; a started chunk is written again with
// FERRY_APPLY_IDEMPOTENT (rows already there are overwritten by key). A table without a primary
// key on the destination cannot be deduplicated: when it was partly copied, every chunk is
// marked started, the destination table is truncated and the table is copied again.
// Nothing here relies on a clean shutdown: after kill -9 the checkpoints say the same.
//
// Failures. FERRY_UNAVAILABLE while reading a chunk or writing a batch is retried (5 attempts,
// backoff), idempotently — for a table without a key only while nothing of the chunk was sent.
// Any other failure fails that table (its `data:` object) and the others go on; cancellation,
// data loss and a checkpoint that cannot be written end the stage. The stage fails at the end
// when a table, an index or a constraint failed, naming them.
#include <nlohmann/json.hpp>

#include <ferry/sdk.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checkpoints.hpp"
#include "naming.hpp"
#include "objects.hpp"
#include "rate_limiter.hpp"
#include "sql_lex.hpp"
#include "task_settings.hpp"
#include "tuning.hpp"
#include "zero_dates.hpp"

namespace ferry::full_import {
namespace {

using common::Objects;
using common::StoredObject;
using nlohmann::json;
namespace sch = ferry::schema;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kMaxAttempts = 5;      // per chunk read and per batch write, on FERRY_UNAVAILABLE
constexpr size_t kListed = 5;        // failures named in the stage's error
constexpr size_t kNotedTables = 20;  // tables with left-out columns listed in the status

// An error that ends the stage rather than one table: a checkpoint that cannot be written or
// read (what cannot be recorded cannot be resumed).
class StageError : public Error {
 public:
  using Error::Error;
};

bool ends_stage(const Error& e) {
  return e.status() == FERRY_CANCELLED || e.status() == FERRY_DATA_LOSS ||
         dynamic_cast<const StageError*>(&e) != nullptr;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool is_temporal(ferry_type t) {
  return t == FERRY_TYPE_DATE || t == FERRY_TYPE_TIMESTAMP || t == FERRY_TYPE_TIMESTAMPTZ;
}

bool same_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

// The item named `name`: exactly, else the only one equal ignoring ASCII case (a table created
// by hand on PostgreSQL with unquoted names is folded to lower case).
template <class T, class NameOf>
const T* find_named(const std::vector<T>& items, std::string_view name, NameOf name_of) {
  for (const auto& x : items) {
    if (name_of(x) == name) return &x;
  }
  const T* found = nullptr;
  for (const auto& x : items) {
    if (same_ci(name_of(x), name)) {
      if (found) return nullptr;  // ambiguous
      found = &x;
    }
  }
  return found;
}

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) out += (i ? "; " : "") + items[i];
  if (items.size() > kListed) out += "; and " + std::to_string(items.size() - kListed) + " more";
  return out;
}

// An operator's DDL, one statement per apply_ddl (as written when the dialect is unknown).
std::vector<std::string> split_statements(const std::string& text,
                                          std::optional<sch::Dialect> dialect) {
  if (!dialect) return {text};
  std::string error;
  auto statements = sch::sql::split_statements(text, *dialect, &error);
  if (!error.empty()) fail(FERRY_INVALID_ARGUMENT, "the DDL cannot be read: " + error);
  return statements;
}

// After a crash between creating an index and recording it, creating it again says it exists.
bool says_exists(std::string_view message) {
  std::string m(message);
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m.find("already exists") != std::string::npos ||
         m.find("duplicate key name") != std::string::npos ||
         m.find("duplicate foreign key") != std::string::npos ||
         m.find("duplicate check constraint") != std::string::npos;
}

struct Chunk {
  bool done = false;
  bool started_recorded = false;  // its "started" checkpoint is written
  bool idempotent = false;        // rows of it may be on the destination already
  // The attempt in progress.
  uint32_t attempt = 0;
  bool read_complete = false;
  uint64_t pushed = 0, written = 0, inflight = 0, rows = 0;
};

enum class Phase { Unplanned, Planning, Ready, Finished, Failed };

struct TableWork {
  std::string key;         // schema.table on the source
  std::string object_key;  // data:<key>
  std::string parent;      // table:<key> when schema migration recorded the table
  std::string dst_schema, dst_table;
  SharedTable src_ref, dst_ref;
  std::vector<uint32_t> keep;  // source columns copied (in order)
  bool project = false;        // keep is not every source column
  bool keyed = false;          // the destination recognises rows by key (idempotent writes)
  std::vector<std::string> left_out;
  std::vector<std::string> identity_sync;
  std::vector<ZeroDateRule> zero_dates;  // MySQL → PostgreSQL (zero_dates.hpp)
  int64_t estimated_rows = -1;

  // Progress (under FullImport::mu_).
  Phase phase = Phase::Unplanned;
  std::vector<Split> splits;
  std::vector<Chunk> chunks;
  size_t next_chunk = 0, chunks_done = 0, chunks_skipped = 0;
  uint64_t rows_done = 0;  // rows of the done chunks
  std::string error;
};

struct Item {
  size_t table = 0, chunk = 0;
  uint32_t attempt = 0;
  OwnedBatch batch;
  uint64_t rows = 0, bytes = 0;
};

struct Job {
  size_t table = 0, chunk = 0;
  bool plan = false;
};

// Time spent (µs) and calls, for the averages the status shows.
struct Timer {
  std::atomic<uint64_t> us{0}, calls{0};
  void add(double ms) {
    us += static_cast<uint64_t>(ms * 1000);
    ++calls;
  }
  double avg_ms() const {
    const uint64_t n = calls.load();
    return n == 0 ? 0.0 : static_cast<double>(us.load()) / 1000.0 / static_cast<double>(n);
  }
};

class FullImport : public Component {
 public:
  explicit FullImport(const CreateContext& ctx)
      : host_(ctx.host), config_(ctx.config), objects_(host_) {}

  void init(StageContext& ctx) override {
    settings_ = common::parse_task_settings(ctx.task_json());
    tuning_ = resolve_tuning(settings_.concurrency, config_);
    limiter_ =
        std::make_unique<RateLimiter>(tuning_.max_rows_per_second, tuning_.max_bytes_per_second);
    dialect_ = sch::dialect_of_plugin(settings_.destination_plugin);
    zero_dates_checked_ = dialect_ == sch::Dialect::PostgreSQL &&
                          sch::dialect_of_plugin(settings_.source_plugin) == sch::Dialect::MySQL;
    zero_dates_ = config_.get_string("zero_dates", "");
    if (!zero_dates_.empty() && zero_dates_ != "null" && zero_dates_ != "refuse") {
      fail(FERRY_INVALID_ARGUMENT,
           "full-import: zero_dates must be \"refuse\" or \"null\", not \"" + zero_dates_ + "\"");
    }
    if (!zero_dates_.empty() && settings_.has("schema")) {
      fail(FERRY_INVALID_ARGUMENT,
           "full-import: zero_dates is set, but the task has schema migration, whose zero_dates "
           "decides for both stages: set it in the schema stage's config instead");
    }
    renames_ = sch::parse_renames(settings_.rename_json);
    with_schema_ = settings_.has("schema");
    if (!host_.has_objects()) {
      fail(FERRY_NOT_SUPPORTED,
           "full import needs a host that keeps migration objects (ferry ABI 1.2 or later)");
    }
  }

  void run() override {
    set_phase("planning");
    prepare();
    report();
    set_phase("copying");
    copy_tables();
    set_phase("indexes");
    build_objects("index");
    if (!settings_.has("incremental")) {
      set_phase("constraints");
      build_objects("constraint");
    }
    set_phase("done");
    sample_rates();
    report();
    conclude();
  }

  std::string status() override {
    json j;
    {
      std::lock_guard lock(mu_);
      size_t done = tables_done_before_, failed = 0, running = 0;
      uint64_t estimated = 0, migrated = rows_before_;
      size_t chunks_total = 0, chunks_done = 0, chunks_skipped = 0;
      json noted = json::array();
      size_t with_left_out = 0;
      for (const auto& w : tables_) {
        done += w->phase == Phase::Finished && finalized_.count(w->key) ? 1 : 0;
        failed += w->phase == Phase::Failed ? 1 : 0;
        running += w->phase == Phase::Planning || w->phase == Phase::Ready ||
                           (w->phase == Phase::Finished && !finalized_.count(w->key))
                       ? 1
                       : 0;
        estimated += static_cast<uint64_t>(std::max<int64_t>(w->estimated_rows, 0));
        migrated += w->rows_done;
        chunks_total += w->chunks.size();
        chunks_done += w->chunks_done;
        chunks_skipped += w->chunks_skipped;
        if (!w->left_out.empty()) {
          ++with_left_out;
          if (noted.size() < kNotedTables) {
            noted.push_back({{"table", w->key}, {"columns_left_out", w->left_out}});
          }
        }
      }
      j = {{"phase", phase_},
           {"tables_total", tables_.size() + tables_done_before_},
           {"tables_done", done},
           {"tables_failed", failed},
           {"tables_running", running},
           {"rows_estimated", estimated},
           {"rows_migrated", migrated},
           {"rows_written", rows_written_.load()},
           {"bytes_written", bytes_written_.load()},
           {"chunks_total", chunks_total},
           {"chunks_done", chunks_done},
           {"chunks_skipped", chunks_skipped},
           {"queue_batches", queue_.size()},
           {"queue_bytes", queue_bytes_}};
      if (!with_schema_) {
        j["columns"] =
            "the task has no schema migration: only the columns present on both sides are "
            "copied, matched by name";
        j["tables_with_columns_left_out"] = with_left_out;
        j["columns_left_out"] = noted;
      }
    }
    j["avg_read_ms"] = read_.avg_ms();
    j["avg_split_ms"] = split_.avg_ms();
    j["avg_write_ms"] = write_.avg_ms();
    j["rows_per_second"] = rows_per_second_.load();
    j["bytes_per_second"] = bytes_per_second_.load();
    j["indexes"] = {{"total", built_[0].total.load()},
                    {"done", built_[0].done.load()},
                    {"failed", built_[0].failed.load()},
                    {"waiting", built_[0].waiting.load()}};
    j["constraints"] = {{"total", built_[1].total.load()},
                        {"done", built_[1].done.load()},
                        {"failed", built_[1].failed.load()},
                        {"waiting", built_[1].waiting.load()}};
    j["tuning"] = json::parse(tuning_json(tuning_));
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }

 private:
  // ---- tables ------------------------------------------------------------------------------

  void prepare() {
    auto& ctx = context();
    const Catalog catalog = ctx.source().discover(settings_.discover_selection_json());
    std::vector<const Table*> selected;
    for (const auto& t : catalog.tables) {
      if ((t.flags & FERRY_TABLE_TEMPORARY) != 0) continue;
      if (!settings_.selected(t.schema, t.name)) continue;
      selected.push_back(&t);
    }
    const auto data_objects = objects_.load("data:");
    std::map<std::string, StoredObject> table_objects;
    if (with_schema_) table_objects = objects_.load("table:");

    // Without schema migration: the destination's own tables, to copy the common columns.
    std::optional<Catalog> dst_catalog;
    const bool zero_date_columns =
        zero_dates_checked_ && std::any_of(selected.begin(), selected.end(), [](const Table* t) {
          return std::any_of(t->columns.begin(), t->columns.end(),
                             [](const Column& c) { return is_temporal(c.type); });
        });
    if ((!with_schema_ || zero_date_columns) && !selected.empty()) {
      std::set<std::string> schemas;
      for (const auto* t : selected) schemas.insert(renames_.schema(t->schema));
      try {
        dst_catalog = ctx.destination().discover(json{{"include", schemas}}.dump());
      } catch (const Error& e) {
        if (e.status() != FERRY_NOT_SUPPORTED) throw;
        host_.warn("the destination cannot list its tables (" + std::string(e.what()) +
                   "): every source column is copied under its (renamed) name");
      }
      if (!with_schema_) {
        host_.info(
            "the task has no schema migration: only the columns present on both sides are "
            "copied, matched by name");
      }
    }

    for (const Table* t : selected) {
      const std::string key = t->schema + "." + t->name;
      const auto data = data_objects.find("data:" + key);
      if (data != data_objects.end() && data->second.done()) {
        if (data->second.status == "succeeded") {
          ++tables_done_before_;
          rows_before_ +=
              static_cast<uint64_t>(data->second.detail.value("migrated_rows", int64_t{0}));
        }
        continue;  // copied by an earlier run, or taken out of ferry's hands
      }
      auto w = std::make_unique<TableWork>();
      w->key = key;
      w->object_key = "data:" + key;
      w->estimated_rows = t->row_estimate;
      w->src_ref = make_table(schema_of(*t));
      std::string problem;
      const StoredObject* table_object = nullptr;
      if (with_schema_) {
        const auto it = table_objects.find("table:" + key);
        if (it != table_objects.end()) table_object = &it->second;
        if (table_object && table_object->status == "removed") continue;  // not migrated
        if (!table_object) {
          problem =
              "schema migration has no record of this table; run the task again so that "
              "schema migration creates it";
        } else if (table_object->status != "succeeded" && table_object->status != "skipped") {
          problem = "its table object is " + table_object->status +
                    ": schema migration did not finish it (retry, skip or remove the table "
                    "object, then run the task again)";
        }
        if (table_object) w->parent = table_object->key;
      }
      if (problem.empty()) {
        problem = table_object ? map_from_schema(*w, *t, *table_object)
                               : map_without_schema(*w, *t, dst_catalog);
      }
      if (problem.empty() && zero_dates_checked_) {
        w->zero_dates = zero_date_rules(*w, *t, table_object, dst_catalog);
      }
      if (w->dst_schema.empty()) {
        w->dst_schema = renames_.schema(t->schema);
        w->dst_table = renames_.table(t->schema, t->name);
      }
      json fields = {{"kind", "data"},
                     {"parent", w->parent},
                     {"source", key},
                     {"destination", w->dst_schema + "." + w->dst_table},
                     {"detail", detail_of(*w)}};
      if (problem.empty()) {
        fields["status"] = "pending";
        fields["error"] = "";
      } else {
        w->phase = Phase::Failed;
        w->error = problem;
        fields["status"] = "failed";
        fields["error"] = problem;
        fields["finished_at_ms"] = common::wall_ms();
        host_.warn("table " + key + ": " + problem);
      }
      objects_.put(w->object_key, std::move(fields));
      std::lock_guard lock(mu_);
      tables_.push_back(std::move(w));
    }
    host_.metric_set("tables_total", static_cast<double>(tables_.size() + tables_done_before_));
  }

  // The destination table and columns schema migration planned (the table object's detail).
  std::string map_from_schema(TableWork& w, const Table& t, const StoredObject& object) {
    const json& d = object.detail;
    w.dst_schema = d.value("dst_schema", renames_.schema(t.schema));
    w.dst_table = d.value("dst_table", renames_.table(t.schema, t.name));
    if (d.contains("identity_sync") && d["identity_sync"].is_array()) {
      for (const auto& s : d["identity_sync"]) {
        if (s.is_string()) w.identity_sync.push_back(s.get<std::string>());
      }
    }
    std::map<std::string, std::string> planned;
    if (d.contains("columns") && d["columns"].is_array()) {
      for (const auto& pair : d["columns"]) {
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
          planned[pair[0].get<std::string>()] = pair[1].get<std::string>();
        }
      }
    }
    std::vector<Column> cols;
    for (uint32_t i = 0; i < t.columns.size(); ++i) {
      const Column& c = t.columns[i];
      std::string dst;
      if (planned.empty()) {
        dst = renames_.column(t.schema, t.name, c.name);
      } else if (const auto it = planned.find(c.name); it != planned.end()) {
        dst = it->second;
      } else {
        w.left_out.push_back(c.name);
        continue;
      }
      w.keep.push_back(i);
      cols.push_back(c);
      cols.back().name = dst;
    }
    return finish_mapping(w, t, std::move(cols), std::nullopt);
  }

  // The task's renames and the destination's catalog: the columns both sides have.
  std::string map_without_schema(TableWork& w, const Table& t,
                                 const std::optional<Catalog>& dst_catalog) {
    const std::string want_schema = renames_.schema(t.schema);
    const std::string want_table = renames_.table(t.schema, t.name);
    w.dst_schema = want_schema;
    w.dst_table = want_table;
    const Table* dt = nullptr;
    if (dst_catalog) {
      std::vector<Table> candidates;
      for (const auto& x : dst_catalog->tables) {
        if (x.schema == want_schema || same_ci(x.schema, want_schema)) candidates.push_back(x);
      }
      dt = find_named(candidates, want_table,
                      [](const Table& x) -> const std::string& { return x.name; });
      if (!dt) {
        return "destination table " + want_schema + "." + want_table +
               " does not exist (the task has no schema migration: create the table, or add "
               "\"schema\" to the task's types)";
      }
      w.dst_schema = dt->schema;
      w.dst_table = dt->name;
      // `dt` points into `candidates`: finish with it here.
      std::vector<Column> cols;
      for (uint32_t i = 0; i < t.columns.size(); ++i) {
        const Column& c = t.columns[i];
        const std::string renamed = renames_.column(t.schema, t.name, c.name);
        const Column* dc = find_named(dt->columns, renamed,
                                      [](const Column& x) -> const std::string& { return x.name; });
        if (!dc) {
          w.left_out.push_back(c.name);
          continue;
        }
        w.keep.push_back(i);
        cols.push_back(c);
        cols.back().name = dc->name;
      }
      std::set<std::string> dst_key;
      for (const auto& dc : dt->columns) {
        if ((dc.flags & FERRY_COLUMN_IN_PRIMARY_KEY) != 0) dst_key.insert(dc.name);
      }
      return finish_mapping(w, t, std::move(cols), dst_key);
    }
    std::vector<Column> cols;
    for (uint32_t i = 0; i < t.columns.size(); ++i) {
      w.keep.push_back(i);
      cols.push_back(t.columns[i]);
      cols.back().name = renames_.column(t.schema, t.name, t.columns[i].name);
    }
    return finish_mapping(w, t, std::move(cols), std::nullopt);
  }

  // One rule per DATE / DATETIME / TIMESTAMP column copied (MySQL → PostgreSQL): zero dates
  // become NULL when zero_dates = "null" (the schema stage's, or this component's when the task
  // has no schema stage) and the destination column accepts NULL; otherwise they are refused
  // with the step that lets them through.
  std::vector<ZeroDateRule> zero_date_rules(const TableWork& w, const Table& t,
                                            const StoredObject* table_object,
                                            const std::optional<Catalog>& dst_catalog) const {
    const bool to_null = table_object ? table_object->detail.value("zero_dates", "refuse") == "null"
                                      : zero_dates_ == "null";
    const Table* dt = nullptr;
    if (dst_catalog) {
      for (const auto& x : dst_catalog->tables) {
        if (x.schema == w.dst_schema && x.name == w.dst_table) dt = &x;
      }
    }
    const TableSchema& dst = w.dst_ref->table();
    std::vector<ZeroDateRule> rules;
    for (uint32_t j = 0; j < dst.columns.size(); ++j) {
      const Column& src = t.columns[w.keep[j]];
      if (!is_temporal(src.type)) continue;
      bool nullable = (src.flags & FERRY_COLUMN_NULLABLE) != 0;
      if (dt) {
        for (const auto& dc : dt->columns) {
          if (dc.name == dst.columns[j].name) nullable = (dc.flags & FERRY_COLUMN_NULLABLE) != 0;
        }
      }
      ZeroDateRule r;
      r.column = j;
      r.name = t.schema + "." + t.name + "." + src.name;
      r.to_null = to_null && nullable;
      if (!to_null) {
        r.refusal = table_object
                        ? "set zero_dates = \"null\" in the schema stage's config to load zero "
                          "dates as NULL, or correct the rows on the source; then run the task "
                          "again"
                        : "set zero_dates = \"null\" in the full-import stage's config to load "
                          "zero dates as NULL, or correct the rows on the source; then run the "
                          "task again";
      } else {
        r.refusal = "zero_dates = \"null\" loads them as NULL, but " + w.dst_schema + "." +
                    w.dst_table + "." + dst.columns[j].name +
                    " is NOT NULL: drop NOT NULL on the destination (or edit the table's DDL "
                    "with ferryd --objects TASK set-ddl and retry it), or correct the rows on "
                    "the source; then run the task again";
      }
      rules.push_back(std::move(r));
    }
    return rules;
  }

  // Key flags of the destination columns and the table refs. `dst_key`: the destination's
  // primary key when its catalog is known (else the source's key is the destination's).
  std::string finish_mapping(TableWork& w, const Table& t, std::vector<Column> cols,
                             const std::optional<std::set<std::string>>& dst_key) {
    if (cols.empty()) {
      return "no column of the source table is on the destination table " + w.dst_schema + "." +
             w.dst_table +
             ", so there is nothing to copy (add the columns there, or remove the table from the "
             "migration)";
    }
    bool keyed = false;
    if (dst_key) {
      size_t covered = 0;
      for (const auto& c : cols) covered += dst_key->count(c.name);
      keyed = !dst_key->empty() && covered == dst_key->size();
      for (auto& c : cols) {
        c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_IN_PRIMARY_KEY);
        if (keyed && dst_key->count(c.name)) c.flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
      }
    } else {
      size_t src_key = 0, kept_key = 0;
      for (const auto& c : t.columns) src_key += (c.flags & FERRY_COLUMN_IN_PRIMARY_KEY) ? 1 : 0;
      for (const auto& c : cols) kept_key += (c.flags & FERRY_COLUMN_IN_PRIMARY_KEY) ? 1 : 0;
      keyed = src_key > 0 && kept_key == src_key;
      if (!keyed) {
        for (auto& c : cols) c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_IN_PRIMARY_KEY);
      }
    }
    w.keyed = keyed;
    w.project = w.keep.size() != t.columns.size();
    w.dst_ref = make_table(TableSchema{w.dst_schema, w.dst_table, std::move(cols)});
    return {};
  }

  // The table's data object detail (mu_ held, or before the threads start).
  json detail_of(const TableWork& w) const {
    json d = {{"estimated_rows", w.estimated_rows},
              {"migrated_rows", w.rows_done},
              {"chunks_total", w.chunks.size()},
              {"chunks_done", w.chunks_done},
              {"chunks_skipped", w.chunks_skipped}};
    if (!w.left_out.empty()) {
      d["columns_left_out"] = w.left_out;
      d["note"] = with_schema_ ? "columns schema migration did not create are not copied"
                               : "only the columns present on both sides are copied";
    }
    if (w.phase != Phase::Failed && w.dst_ref && !w.keyed) {
      d["no_key"] =
          "the destination table has no primary key: a partly copied table is emptied and "
          "copied again";
    }
    return d;
  }

  void fail_table(size_t i, const std::string& why) {
    TableWork& w = *tables_[i];
    json detail;
    {
      std::lock_guard lock(mu_);
      if (w.phase == Phase::Failed) return;
      w.phase = Phase::Failed;
      w.error = why;
      detail = detail_of(w);
      cv_queue_.notify_all();
      cv_work_.notify_all();
    }
    host_.warn("table " + w.key + " failed: " + why);
    host_.metric_add("tables_failed", 1);
    objects_.failed(w.object_key, why, {{"detail", detail}});
  }

  // ---- checkpoints --------------------------------------------------------------------------

  std::optional<Bytes> load(const std::string& key) {
    try {
      return host_.checkpoint_read(key);
    } catch (const Error& e) {
      throw StageError(e.status() == FERRY_CANCELLED ? FERRY_CANCELLED : FERRY_UNAVAILABLE,
                       e.what());
    }
  }
  void save(const std::string& key, const Bytes& value) {
    try {
      host_.checkpoint_write(key, value);
    } catch (const Error& e) {
      throw StageError(e.status() == FERRY_CANCELLED ? FERRY_CANCELLED : FERRY_UNAVAILABLE,
                       e.what());
    }
  }

  // ---- the copy -----------------------------------------------------------------------------

  void copy_tables() {
    {
      std::lock_guard lock(mu_);
      bool any = false;
      for (const auto& w : tables_) any |= w->phase != Phase::Failed;
      if (!any) return;
      readers_active_ = tuning_.readers;
      owner_.assign(tables_.size(), kNoWriter);
      threads_running_ = tuning_.readers + tuning_.writers;
    }
    load_early_indexes();
    std::vector<std::thread> threads;
    for (uint32_t i = 0; i < tuning_.readers; ++i) threads.emplace_back([this] { reader_main(); });
    for (uint32_t i = 0; i < tuning_.writers; ++i) {
      threads.emplace_back([this, i] { writer_main(i); });
    }

    auto last_report = Clock::now();
    for (;;) {
      std::vector<size_t> todo;
      bool running = false;
      {
        std::unique_lock lock(mu_);
        cv_main_.wait_for(lock, 500ms, [&] { return !finalize_.empty() || threads_running_ == 0; });
        todo.assign(finalize_.begin(), finalize_.end());
        finalize_.clear();
        running = threads_running_ > 0;
      }
      for (size_t i : todo) {
        try {
          finalize(i);
        } catch (...) {
          record_fatal(std::current_exception());
        }
      }
      if (host_.cancelled()) {
        record_fatal(std::make_exception_ptr(Error(FERRY_CANCELLED, "stopped")));
      }
      if (Clock::now() - last_report >= 1s || !running) {
        sample_rates();
        report();
        last_report = Clock::now();
      }
      if (!running) break;
    }
    for (auto& t : threads) t.join();
    stop_early_indexes();
    std::exception_ptr fatal;
    {
      std::lock_guard lock(mu_);
      fatal = fatal_;
    }
    if (fatal) std::rethrow_exception(fatal);
  }

  void record_fatal(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (!fatal_) fatal_ = e;
    stop_ = true;
    cv_queue_.notify_all();
    cv_work_.notify_all();
    cv_main_.notify_all();
  }

  void thread_ended(bool reader) {
    std::lock_guard lock(mu_);
    if (reader) --readers_active_;
    --threads_running_;
    cv_queue_.notify_all();
    cv_main_.notify_all();
  }

  void check_cancelled() {
    if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped");
  }

  // Waits `d`, or less when the stage stops.
  void pause_for(Clock::duration d) {
    const auto until = Clock::now() + d;
    while (Clock::now() < until) {
      check_cancelled();
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(100ms, until - Clock::now()));
    }
  }

  void backoff(int attempt) {
    pause_for(std::min<Clock::duration>(200ms * (1 << std::min(attempt - 1, 5)), 5s));
  }

  // ---- readers -------------------------------------------------------------------------------

  void reader_main() {
    try {
      EndpointLease lease = host_.open_endpoint(FERRY_KIND_SOURCE);
      SourceClient source(lease.endpoint());
      while (const auto job = next_job()) {
        if (job->plan) {
          plan_table(job->table, source);
        } else {
          copy_chunk(job->table, job->chunk, source);
        }
      }
    } catch (...) {
      record_fatal(std::current_exception());
    }
    thread_ended(true);
  }

  std::optional<Job> next_job() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (stop_) return std::nullopt;
      bool waiting = false;
      while (scan_from_ < tables_.size()) {
        const TableWork& w = *tables_[scan_from_];
        const bool exhausted = w.phase == Phase::Failed || w.phase == Phase::Finished ||
                               (w.phase == Phase::Ready && w.next_chunk >= w.chunks.size());
        if (!exhausted) break;
        ++scan_from_;
      }
      for (size_t i = scan_from_; i < tables_.size(); ++i) {
        TableWork& w = *tables_[i];
        if (w.phase == Phase::Unplanned) {
          w.phase = Phase::Planning;
          return Job{i, 0, true};
        }
        if (w.phase == Phase::Planning) {
          waiting = true;
        } else if (w.phase == Phase::Ready) {
          while (w.next_chunk < w.chunks.size() && w.chunks[w.next_chunk].done) ++w.next_chunk;
          if (w.next_chunk < w.chunks.size()) return Job{i, w.next_chunk++, false};
        }
      }
      if (!waiting) return std::nullopt;
      cv_work_.wait_for(lock, 200ms);
      lock.unlock();
      check_cancelled();
      lock.lock();
    }
  }

  // Loads or makes the table's plan and reads its chunks' checkpoints.
  void plan_table(size_t i, SourceClient& source) {
    TableWork& w = *tables_[i];
    objects_.running(w.object_key);
    try {
      std::vector<Split> splits;
      if (const auto saved = load(plan_key(w.key))) {
        splits = decode_plan(*saved);
      } else {
        const auto t0 = Clock::now();
        splits = source.plan_splits(*w.src_ref->ref(), tuning_.split_rows);
        const double ms = ms_since(t0);
        split_.add(ms);
        host_.metric_add("split_ms", ms);
        host_.metric_add("split_calls", 1);
        save(plan_key(w.key), encode_plan(splits));
      }
      std::vector<Chunk> chunks(splits.size());
      std::vector<uint64_t> done_rows(splits.size(), 0);
      bool any_written = false, all_done = true;
      for (size_t n = 0; n < splits.size(); ++n) {
        const ChunkState st = decode_chunk(load(chunk_key(w.key, n)));
        chunks[n].done = st.kind == ChunkState::Kind::Done;
        chunks[n].started_recorded = st.kind != ChunkState::Kind::Absent;
        chunks[n].idempotent = st.kind == ChunkState::Kind::Started;
        done_rows[n] = st.rows;
        any_written |= st.kind != ChunkState::Kind::Absent;
        all_done &= chunks[n].done;
      }
      if (!w.keyed && any_written && !all_done) restart_keyless(w, chunks, done_rows);
      size_t done = 0;
      uint64_t rows = 0;
      for (size_t n = 0; n < chunks.size(); ++n) {
        if (chunks[n].done) {
          ++done;
          rows += done_rows[n];
        }
      }
      if (done > 0) host_.metric_add("chunks_skipped", static_cast<double>(done));
      host_.metric_add("chunks_total", static_cast<double>(chunks.size()));
      json detail;
      {
        std::lock_guard lock(mu_);
        if (w.phase == Phase::Failed) return;
        w.splits = std::move(splits);
        w.chunks = std::move(chunks);
        w.chunks_done = done;
        w.chunks_skipped = done;
        w.rows_done = rows;
        w.phase = Phase::Ready;
        if (done == w.chunks.size()) {
          w.phase = Phase::Finished;
          finalize_.push_back(i);
          cv_main_.notify_all();
        }
        detail = detail_of(w);
        cv_work_.notify_all();
      }
      objects_.put(w.object_key, {{"detail", detail}});
      if (done > 0) {
        host_.info("table " + w.key + ": " + std::to_string(done) + " of " +
                   std::to_string(w.chunks.size()) +
                   " chunk(s) were copied by an earlier run and are skipped");
      }
    } catch (const Error& e) {
      if (ends_stage(e)) throw;
      fail_table(i, std::string("planning its chunks: ") + e.what());
    }
  }

  // A table without a key on the destination that was partly copied: what is there cannot be
  // told apart, so every chunk is marked started (a crash from here on comes back here), the
  // destination table is emptied, and every chunk is copied again.
  void restart_keyless(TableWork& w, std::vector<Chunk>& chunks, std::vector<uint64_t>& rows) {
    if (!dialect_) {
      fail(FERRY_NOT_SUPPORTED,
           "the table has no primary key on the destination and was partly copied; ferry can "
           "empty it only on a mysql or postgres destination (this one is '" +
               settings_.destination_plugin + "')");
    }
    for (size_t n = 0; n < chunks.size(); ++n) {
      if (!chunks[n].started_recorded || chunks[n].done)
        save(chunk_key(w.key, n), encode_started());
      chunks[n] = Chunk{};
      chunks[n].started_recorded = true;
      rows[n] = 0;
    }
    const std::string statement =
        "TRUNCATE TABLE " + sch::quote_qualified(w.dst_schema, w.dst_table, *dialect_);
    {
      std::lock_guard lock(control_mu_);
      context().destination().apply_ddl(statement);
    }
    host_.metric_add("tables_truncated", 1);
    host_.warn("table " + w.key +
               " has no primary key on the destination and was partly copied "
               "before: " +
               w.dst_schema + "." + w.dst_table + " was emptied and the table is copied again");
  }

  // The first batch of a chunk has the columns discovered (else the table changed since).
  void check_shape(const TableWork& w, const ferry_batch& b) {
    const TableSchema& src = w.src_ref->table();
    if (b.ops != nullptr || b.table_count < 1 || b.tables[0]->column_count != src.columns.size()) {
      fail(FERRY_INVALID_ARGUMENT, "the source's rows do not have the table's " +
                                       std::to_string(src.columns.size()) +
                                       " columns: the table changed since it was discovered; run "
                                       "the task again");
    }
    for (uint32_t c = 0; c < b.tables[0]->column_count; ++c) {
      const char* name = b.tables[0]->columns[c]->name;
      if (!name || src.columns[c].name != name) {
        fail(FERRY_INVALID_ARGUMENT,
             "the source's rows have column " + std::string(name ? name : "?") + " where " +
                 src.columns[c].name +
                 " was discovered: the table changed since it was discovered; run the task again");
      }
    }
    if (w.project && b.encoding != nullptr) {
      fail(FERRY_NOT_SUPPORTED, std::string("the source's rows are in encoding '") + b.encoding +
                                    "', which full import cannot narrow to the common columns");
    }
  }

  // The batch narrowed to the copied columns, under the destination's table.
  OwnedBatch project(const TableWork& w, const OwnedBatch& in) {
    const BatchView v(in.get());
    BatchBuilder out = BatchBuilder::rows(w.dst_ref);
    const uint64_t n = v.record_count();
    for (uint64_t r = 0; r < n; ++r) {
      const uint64_t first = v.after(r);
      for (uint32_t c : w.keep) {
        const Cell cell = v.cell(first + c);
        out.add_cell(cell.data, cell.flags);
      }
    }
    return OwnedBatch::from(std::move(out));
  }

  void throttle(uint64_t rows, uint64_t bytes) {
    if (!limiter_->active()) return;
    const auto until = limiter_->acquire(static_cast<double>(rows), static_cast<double>(bytes));
    const auto now = Clock::now();
    if (until > now) pause_for(until - now);
  }

  void copy_chunk(size_t i, size_t n, SourceClient& source) {
    TableWork& w = *tables_[i];
    const Split& split = w.splits[n];
    for (int attempt = 1;; ++attempt) {
      uint32_t attempt_id = 0;
      bool record_started = false;
      {
        std::lock_guard lock(mu_);
        if (w.phase == Phase::Failed || stop_) return;
        Chunk& c = w.chunks[n];
        c.read_complete = false;
        c.pushed = c.written = c.rows = 0;
        attempt_id = c.attempt;
        record_started = !c.started_recorded;
      }
      if (record_started) {
        save(chunk_key(w.key, n), encode_started());
        std::lock_guard lock(mu_);
        w.chunks[n].started_recorded = true;
      }
      try {
        auto t0 = Clock::now();
        StreamReader stream = source.open_snapshot(split, tuning_.batch_rows);
        double open_ms = ms_since(t0);
        bool checked = false;
        for (;;) {
          host_.yield();
          t0 = Clock::now();
          OwnedBatch batch = stream.next();
          const double ms = ms_since(t0) + open_ms;
          open_ms = 0;
          read_.add(ms);
          host_.metric_add("read_ms", ms);
          host_.metric_add("read_calls", 1);
          if (batch.is_end()) break;
          if (!checked) {
            check_shape(w, batch.get());
            checked = true;
          }
          const uint64_t rows = batch.get().record_count;
          const uint64_t bytes = BatchView(batch.get()).data_bytes();
          host_.metric_add("rows_read", static_cast<double>(rows));
          host_.metric_add("bytes_read", static_cast<double>(bytes));
          if (rows == 0) continue;
          if (w.project) batch = project(w, batch);
          if (!w.zero_dates.empty())
            batch = apply_zero_dates(w.dst_ref, w.zero_dates, std::move(batch));
          throttle(rows, bytes);
          if (!push(Item{i, n, attempt_id, std::move(batch), rows, bytes})) return;
        }
        bool finished = false;
        {
          std::lock_guard lock(mu_);
          Chunk& c = w.chunks[n];
          if (c.attempt != attempt_id) return;
          c.read_complete = true;
          finished = claim_finished(c);
        }
        if (finished) finish_chunk(i, n);
        return;
      } catch (const Error& e) {
        if (ends_stage(e)) throw;
        bool retry = false;
        {
          std::lock_guard lock(mu_);
          const Chunk& c = w.chunks[n];
          retry = e.status() == FERRY_UNAVAILABLE && attempt < kMaxAttempts &&
                  (w.keyed || (c.pushed == 0 && c.inflight == 0 && c.written == 0)) &&
                  w.phase != Phase::Failed && !stop_;
        }
        if (!retry) {
          fail_table(i, "chunk " + std::to_string(n) + " (" + split.display + "): " + e.what());
          return;
        }
        host_.warn("table " + w.key + ", chunk " + std::to_string(n) + ": " + e.what() +
                   "; reading it again (attempt " + std::to_string(attempt + 1) + " of " +
                   std::to_string(kMaxAttempts) + ")");
        host_.metric_add("retries", 1);
        backoff(attempt);
        // Batches of the failed attempt still queued are dropped; those being written finish
        // first; then the chunk is read again and written idempotently.
        std::unique_lock lock(mu_);
        Chunk& c = w.chunks[n];
        ++c.attempt;
        if (w.keyed) c.idempotent = true;
        while (c.inflight > 0 && !stop_) {
          cv_queue_.wait_for(lock, 200ms);
          lock.unlock();
          check_cancelled();
          lock.lock();
        }
      }
    }
  }

  // mu_ held: the chunk's attempt has been read to its end and every batch of it is written.
  static bool claim_finished(Chunk& c) {
    if (c.done || !c.read_complete || c.inflight > 0 || c.written != c.pushed) return false;
    c.done = true;
    return true;
  }

  void finish_chunk(size_t i, size_t n) {
    TableWork& w = *tables_[i];
    uint64_t rows = 0;
    {
      std::lock_guard lock(mu_);
      rows = w.chunks[n].rows;
    }
    save(chunk_key(w.key, n), encode_done(rows));
    host_.metric_add("chunks_done", 1);
    json detail;
    {
      std::lock_guard lock(mu_);
      ++w.chunks_done;
      w.rows_done += rows;
      if (w.chunks_done == w.chunks.size() && w.phase == Phase::Ready) {
        w.phase = Phase::Finished;
        finalize_.push_back(i);
        cv_main_.notify_all();
      }
      detail = detail_of(w);
    }
    objects_.put(w.object_key, {{"detail", detail}});
  }

  bool push(Item item) {
    std::unique_lock lock(mu_);
    for (;;) {
      if (stop_) return false;
      TableWork& w = *tables_[item.table];
      if (w.phase == Phase::Failed) return false;
      if (queue_.empty() || (queue_.size() < tuning_.queue_batches &&
                             queue_bytes_ + item.bytes <= tuning_.queue_bytes)) {
        ++w.chunks[item.chunk].pushed;
        queue_bytes_ += item.bytes;
        queue_.push_back(std::move(item));
        cv_queue_.notify_all();
        return true;
      }
      cv_queue_.wait_for(lock, 200ms);
      lock.unlock();
      check_cancelled();
      lock.lock();
    }
  }

  // ---- writers -------------------------------------------------------------------------------

  // Writers keep to tables: a writer takes the batches of the tables it owns first, then those
  // of a table no writer owns yet (and owns it from then on), and helps with another writer's
  // table only when the queue backs up (at least half full) or the readers are done. One
  // session per table, while there are enough tables, loads each table in order without
  // contending with another session on the table's last pages (PostgreSQL's relation extension
  // lock, the rightmost index pages of both engines), and each server session touches only the
  // pages of its own tables. Every queued batch has a taker: its owner, when idle, takes it.
  // mu_ held.
  std::optional<size_t> pick(uint32_t writer) const {
    std::optional<size_t> unowned, other;
    for (size_t i = 0; i < queue_.size(); ++i) {
      const uint32_t owner = owner_[queue_[i].table];
      if (owner == writer) return i;
      if (owner == kNoWriter) {
        if (!unowned) unowned = i;
      } else if (!other) {
        other = i;
      }
    }
    if (unowned) return unowned;
    const bool backlog = 2 * queue_.size() >= tuning_.queue_batches ||
                         2 * queue_bytes_ >= tuning_.queue_bytes || readers_active_ == 0;
    if (other && backlog) return other;
    return std::nullopt;
  }

  std::optional<Item> pop(uint32_t writer) {
    std::unique_lock lock(mu_);
    for (;;) {
      if (stop_) return std::nullopt;
      if (const auto at = pick(writer)) {
        const auto it = queue_.begin() + static_cast<std::ptrdiff_t>(*at);
        Item item = std::move(*it);
        queue_.erase(it);
        queue_bytes_ -= item.bytes;
        if (owner_[item.table] == kNoWriter) owner_[item.table] = writer;
        cv_queue_.notify_all();
        return item;
      }
      if (queue_.empty() && readers_active_ == 0) return std::nullopt;
      cv_queue_.wait_for(lock, 200ms);
      lock.unlock();
      check_cancelled();
      lock.lock();
    }
  }

  void writer_main(uint32_t writer) {
    try {
      EndpointLease lease = host_.open_endpoint(FERRY_KIND_DESTINATION);
      DestinationClient destination(lease.endpoint());
      while (auto item = pop(writer)) write_item(*item, destination);
    } catch (...) {
      record_fatal(std::current_exception());
    }
    thread_ended(false);
  }

  void write_item(Item& item, DestinationClient& destination) {
    host_.yield();
    TableWork& w = *tables_[item.table];
    uint32_t flags = 0;
    {
      std::lock_guard lock(mu_);
      Chunk& c = w.chunks[item.chunk];
      if (w.phase == Phase::Failed || item.attempt != c.attempt) return;  // dropped
      ++c.inflight;
      flags = c.idempotent ? FERRY_APPLY_IDEMPOTENT : 0;
    }
    auto release = [&] {
      std::lock_guard lock(mu_);
      --w.chunks[item.chunk].inflight;
      cv_queue_.notify_all();
    };
    try {
      for (int attempt = 1;; ++attempt) {
        try {
          const auto t0 = Clock::now();
          destination.bulk_write(*w.dst_ref->ref(), item.batch.get(), flags);
          const double ms = ms_since(t0);
          write_.add(ms);
          host_.metric_add("write_ms", ms);
          host_.metric_add("write_calls", 1);
          break;
        } catch (const Error& e) {
          if (ends_stage(e) || e.status() != FERRY_UNAVAILABLE || !w.keyed ||
              attempt >= kMaxAttempts) {
            throw;
          }
          host_.warn("table " + w.key + ", chunk " + std::to_string(item.chunk) + ": " + e.what() +
                     "; writing the batch again (attempt " + std::to_string(attempt + 1) + " of " +
                     std::to_string(kMaxAttempts) + ")");
          host_.metric_add("retries", 1);
          backoff(attempt);
          check_cancelled();
          flags |= FERRY_APPLY_IDEMPOTENT;
        }
      }
    } catch (const Error& e) {
      release();
      if (ends_stage(e)) throw;
      fail_table(item.table, "writing chunk " + std::to_string(item.chunk) + " (" +
                                 w.splits[item.chunk].display + "): " + e.what());
      return;
    } catch (...) {
      release();
      throw;
    }
    rows_written_ += item.rows;
    bytes_written_ += item.bytes;
    host_.metric_add("rows_written", static_cast<double>(item.rows));
    host_.metric_add("bytes_written", static_cast<double>(item.bytes));
    item.batch.reset();
    bool finished = false;
    {
      std::lock_guard lock(mu_);
      Chunk& c = w.chunks[item.chunk];
      --c.inflight;
      if (item.attempt == c.attempt) {
        ++c.written;
        c.rows += item.rows;
        finished = claim_finished(c);
      }
      cv_queue_.notify_all();
    }
    if (finished) finish_chunk(item.table, item.chunk);
  }

  // ---- after a table's chunks ------------------------------------------------------------------

  // Runs on the stage's thread: the identity / auto-increment counters, then the data object.
  void finalize(size_t i) {
    TableWork& w = *tables_[i];
    {
      std::lock_guard lock(mu_);
      if (stop_ || w.phase != Phase::Finished) return;
    }
    try {
      if (!w.identity_sync.empty()) {
        std::lock_guard lock(control_mu_);
        for (const auto& s : w.identity_sync) context().destination().apply_ddl(s);
      }
    } catch (const Error& e) {
      if (ends_stage(e)) throw;
      fail_table(i, std::string("setting its identity / auto-increment counter: ") + e.what());
      return;
    }
    json detail;
    uint64_t rows = 0;
    size_t chunks = 0;
    {
      std::lock_guard lock(mu_);
      finalized_.insert(w.key);
      detail = detail_of(w);
      rows = w.rows_done;
      chunks = w.chunks.size();
    }
    objects_.succeeded(w.object_key, {{"detail", detail}});
    host_.metric_add("tables_done", 1);
    host_.info("table " + w.key + " copied to " + w.dst_schema + "." + w.dst_table + ": " +
               std::to_string(rows) + " rows in " + std::to_string(chunks) + " chunk(s)");
    if (!w.parent.empty()) schedule_early_indexes(w.key, w.parent);
  }

  // ---- a table's indexes while the other tables are copied -------------------------------------

  // A table's indexes are created as soon as its data object succeeded, while the other tables
  // are still being copied, on up to max(1, writers / 2) destination instances of their own: the
  // index builds overlap the copy instead of waiting for the last table. When the copy ends,
  // the builds scheduled but not started go on with up to `writers` instances; tables copied by
  // an earlier run and skipped tables get theirs from build_objects("index") afterwards, which
  // leaves alone what was tried here.

  struct EarlyIndexes {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::string, std::vector<StoredObject>> by_parent;  // not done yet, by table object
    std::deque<StoredObject> jobs;
    std::vector<std::thread> threads;
    size_t idle = 0;
    bool closed = false;
    std::set<std::string> tried;  // index objects built (or tried) by this run
  };

  // Runs before the copy's threads start.
  void load_early_indexes() {
    if (!with_schema_) return;
    size_t total = 0;
    for (auto& [key, o] : objects_.load("index:")) {
      if (o.status == "removed") continue;
      ++total;
      if (o.done() || o.parent.rfind("table:", 0) != 0) continue;
      early_.by_parent[o.parent].push_back(std::move(o));
    }
    built_[0].total = total;
  }

  // Runs on the stage's thread (finalize).
  void schedule_early_indexes(const std::string& table_key, const std::string& parent) {
    std::lock_guard lock(early_.mu);
    if (early_.closed) return;
    const auto it = early_.by_parent.find(parent);
    if (it == early_.by_parent.end() || it->second.empty()) return;
    host_.info("creating the " + std::to_string(it->second.size()) + " index(es) of " + table_key +
               " (its data is in)");
    for (auto& o : it->second) early_.jobs.push_back(std::move(o));
    early_.by_parent.erase(it);
    const size_t cap = std::max<size_t>(1, tuning_.writers / 2);
    if (early_.idle == 0 && early_.threads.size() < cap) {
      early_.threads.emplace_back([this] { early_index_main(); });
    }
    early_.cv.notify_all();
  }

  void early_index_main() {
    try {
      std::optional<EndpointLease> lease;
      std::optional<DestinationClient> destination;
      for (;;) {
        StoredObject o;
        {
          std::unique_lock lock(early_.mu);
          ++early_.idle;
          early_.cv.wait(lock, [&] { return early_.closed || !early_.jobs.empty(); });
          --early_.idle;
          if (early_.jobs.empty()) return;  // closed
          o = std::move(early_.jobs.front());
          early_.jobs.pop_front();
          early_.tried.insert(o.key);
        }
        if (!destination) {
          lease.emplace(host_.open_endpoint(FERRY_KIND_DESTINATION));
          destination.emplace(lease->endpoint());
        }
        host_.yield();
        build_one(o, *destination, built_[0], "index");
      }
    } catch (...) {
      record_fatal(std::current_exception());
    }
  }

  // After the copy's threads ended: the indexes scheduled here are built, now by up to
  // `writers` instances (as build_objects would), unless the stage stops.
  void stop_early_indexes() {
    {
      std::lock_guard lock(early_.mu);
      early_.closed = true;
      bool stopping = false;
      {
        std::lock_guard stage_lock(mu_);
        stopping = stop_;
      }
      if (stopping) early_.jobs.clear();
      for (size_t spare = early_.idle;
           spare < early_.jobs.size() && early_.threads.size() < tuning_.writers; ++spare) {
        early_.threads.emplace_back([this] { early_index_main(); });
      }
      early_.cv.notify_all();
    }
    for (auto& t : early_.threads) t.join();
    early_.threads.clear();
  }

  // ---- indexes and constraints ---------------------------------------------------------------

  struct BuildCounts {
    std::atomic<size_t> total{0}, done{0}, failed{0}, waiting{0};
  };

  // Creates every `kind:` object not done whose table's data is in, up to `writers` at a time
  // on separate destination instances.
  void build_objects(const std::string& kind) {
    BuildCounts& counts = built_[kind == "index" ? 0 : 1];
    const auto all = objects_.load(kind + ":");
    const auto data = objects_.load("data:");
    counts.total = counts.done = counts.failed = counts.waiting = 0;
    std::vector<StoredObject> jobs;
    for (const auto& [key, o] : all) {
      if (o.status == "removed") continue;
      ++counts.total;
      if (o.done()) {
        ++counts.done;
        continue;
      }
      if (kind == "index" && early_.tried.count(key)) {  // failed while the copy went on
        ++counts.failed;
        continue;
      }
      if (o.parent.rfind("table:", 0) == 0) {
        const auto d = data.find("data:" + o.parent.substr(6));
        if (d == data.end() || (d->second.status != "succeeded" && d->second.status != "skipped")) {
          ++counts.waiting;
          continue;
        }
      }
      jobs.push_back(o);
    }
    if (jobs.empty()) return;
    host_.info("creating " + std::to_string(jobs.size()) + " " + kind +
               (jobs.size() == 1  ? ""
                : kind == "index" ? "es"
                                  : "s") +
               " after the data");
    std::atomic<size_t> next{0};
    std::mutex fatal_mu;
    std::exception_ptr fatal;
    auto worker = [&] {
      try {
        EndpointLease lease = host_.open_endpoint(FERRY_KIND_DESTINATION);
        DestinationClient destination(lease.endpoint());
        for (;;) {
          {
            std::lock_guard lock(fatal_mu);
            if (fatal) return;
          }
          const size_t j = next++;
          if (j >= jobs.size()) return;
          host_.yield();
          build_one(jobs[j], destination, counts, kind);
          report();
        }
      } catch (...) {
        std::lock_guard lock(fatal_mu);
        if (!fatal) fatal = std::current_exception();
      }
    };
    const size_t n = std::min<size_t>(tuning_.writers, jobs.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (fatal) std::rethrow_exception(fatal);
  }

  void build_one(const StoredObject& o, DestinationClient& destination, BuildCounts& counts,
                 const std::string& kind) {
    const bool was_running = o.status == "running";
    objects_.running(o.key);
    const auto t0 = Clock::now();
    try {
      if (o.ddl.find_first_not_of(" \t\r\n;") == std::string::npos) {
        const std::string note = o.detail.value("note", "");
        fail(FERRY_INVALID_ARGUMENT, "there is no DDL to run" +
                                         (note.empty() ? std::string() : " (" + note + ")") +
                                         ": edit the object's DDL, or skip or remove it");
      }
      for (const auto& s : split_statements(o.ddl, dialect_)) destination.apply_ddl(s);
      objects_.succeeded(o.key);
      ++counts.done;
      host_.metric_add(kind == "index" ? "indexes_done" : "constraints_done", 1);
    } catch (const Error& e) {
      if (e.status() == FERRY_CANCELLED) throw;  // stays running; the next run tries again
      if (was_running && says_exists(e.what())) {
        // Created by a run that ended before it could record it.
        objects_.succeeded(o.key);
        ++counts.done;
        host_.info(kind + " " + o.source + " already exists (created by an earlier run)");
      } else {
        objects_.failed(o.key, e.what());
        ++counts.failed;
        host_.metric_add(kind == "index" ? "indexes_failed" : "constraints_failed", 1);
        host_.warn(kind + " " + o.source + " failed: " + e.what());
      }
    }
    const double ms = ms_since(t0);
    host_.metric_add(kind == "index" ? "index_ms" : "constraint_ms", ms);
  }

  // ---- progress ------------------------------------------------------------------------------

  void set_phase(const char* p) {
    std::lock_guard lock(mu_);
    phase_ = p;
  }

  void sample_rates() {
    const auto now = Clock::now();
    const uint64_t rows = rows_written_.load(), bytes = bytes_written_.load();
    if (last_sample_.time_since_epoch().count() != 0) {
      const double dt = std::chrono::duration<double>(now - last_sample_).count();
      if (dt > 0) {
        rows_per_second_ = static_cast<double>(rows - last_rows_) / dt;
        bytes_per_second_ = static_cast<double>(bytes - last_bytes_) / dt;
      }
    }
    last_sample_ = now;
    last_rows_ = rows;
    last_bytes_ = bytes;
    host_.metric_set("rows_per_second", rows_per_second_.load());
    host_.metric_set("bytes_per_second", bytes_per_second_.load());
    host_.metric_set("avg_read_ms", read_.avg_ms());
    host_.metric_set("avg_split_ms", split_.avg_ms());
    host_.metric_set("avg_write_ms", write_.avg_ms());
    std::lock_guard lock(mu_);
    host_.metric_set("queue_batches", static_cast<double>(queue_.size()));
    host_.metric_set("queue_bytes", static_cast<double>(queue_bytes_));
  }

  void report() { host_.report_progress(status()); }

  // The stage fails when a table, an index or a constraint failed, naming them.
  void conclude() {
    std::vector<std::string> tables;
    {
      std::lock_guard lock(mu_);
      for (const auto& w : tables_) {
        if (w->phase == Phase::Failed) tables.push_back(w->key + ": " + w->error);
      }
    }
    std::vector<std::string> objects;
    for (const char* kind : {"index:", "constraint:"}) {
      for (const auto& [key, o] : objects_.load(kind)) {
        if (o.status == "failed") objects.push_back(key + ": " + o.error);
      }
    }
    if (tables.empty() && objects.empty()) return;
    std::string msg;
    if (!tables.empty()) {
      msg = std::to_string(tables.size()) + " table(s) failed: " + list_text(tables) + ". ";
    }
    if (!objects.empty()) {
      msg += std::to_string(objects.size()) +
             " index(es)/constraint(s) failed: " + list_text(objects) + ". ";
    }
    msg += "Fix the cause (or edit the DDL, skip or remove the objects), then run the task again";
    fail(FERRY_INVALID_ARGUMENT, msg);
  }

  Host host_;
  Config config_;
  Objects objects_;
  common::TaskSettings settings_;
  Tuning tuning_;
  std::unique_ptr<RateLimiter> limiter_;
  std::optional<sch::Dialect> dialect_;
  bool zero_dates_checked_ = false;  // MySQL → PostgreSQL
  std::string zero_dates_;           // this component's zero_dates ("" = not set)
  sch::Renames renames_;
  bool with_schema_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_queue_, cv_work_, cv_main_;
  std::vector<std::unique_ptr<TableWork>> tables_;
  size_t tables_done_before_ = 0;
  uint64_t rows_before_ = 0;
  std::set<std::string> finalized_;
  size_t scan_from_ = 0;
  std::deque<Item> queue_;
  static constexpr uint32_t kNoWriter = UINT32_MAX;
  std::vector<uint32_t> owner_;  // per table: the writer that keeps to it (see pick)
  uint64_t queue_bytes_ = 0;
  uint32_t readers_active_ = 0, threads_running_ = 0;
  bool stop_ = false;
  std::exception_ptr fatal_;
  std::deque<size_t> finalize_;
  std::string phase_ = "starting";
  std::mutex control_mu_;  // context().destination(), used by several threads

  Timer read_, split_, write_;
  std::atomic<uint64_t> rows_written_{0}, bytes_written_{0};
  std::atomic<double> rows_per_second_{0}, bytes_per_second_{0};
  Clock::time_point last_sample_{};
  uint64_t last_rows_ = 0, last_bytes_ = 0;
  BuildCounts built_[2];
  EarlyIndexes early_;
};

}  // namespace
}  // namespace ferry::full_import

FERRY_PLUGIN(
    "full-import", "1.0.0", "Chunked, checkpointed full data copy with a pool of readers/writers",
    ferry::component<ferry::full_import::FullImport>(
        "full-import",
        "copies every selected table in chunks with parallel readers and writers, checkpointed "
        "per chunk; then creates the indexes (and constraints when there is no incremental sync)",
        {ferry::field::integer("readers", "reader threads (default: the concurrency preset's)"),
         ferry::field::integer("writers", "writer threads (default: the preset's)"),
         ferry::field::integer("batch_rows", "rows per batch (default: the preset's)"),
         ferry::field::integer("split_rows", "target rows per chunk (default: the preset's)"),
         ferry::field::integer("queue_batches",
                               "batches between readers and writers, at most (default: the "
                               "preset's)"),
         ferry::field::integer("queue_bytes",
                               "cell bytes between readers and writers, at most (default: the "
                               "preset's)"),
         ferry::field::number("max_rows_per_second", "rows/s cap of the copy; 0 = none"),
         ferry::field::number("max_bytes_per_second", "bytes/s cap of the copy; 0 = none"),
         ferry::field::string("zero_dates",
                              "MySQL to PostgreSQL, for a task without schema migration: zero "
                              "dates are refused (\"refuse\", the default) or loaded as NULL "
                              "(\"null\") into columns that accept NULL")}))
