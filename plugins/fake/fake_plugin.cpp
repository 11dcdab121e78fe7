// The fake connector: a source that generates deterministic rows and a destination that appends
// the rows it receives to a file. Used by the executor tests and the demo; both sides can be told
// to fail after N rows (the "fault-injecting Env" of LevelDB's tests, for ferry's pipeline), and
// the source can hold at a known point until the test releases it.
//
// Source tables: fake.t0 .. fake.t<tables-1>, each with `rows` rows:
//   id BIGINT PK, name VARCHAR(64), amount DECIMAL(12,2), created TIMESTAMPTZ, note TEXT NULL
// Also: a transform (fake-filter) and a faulty component (fake-take) for the executor tests.
#include <ferry/sdk.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace {

ferry::TableSchema fake_table(int64_t index) {
  ferry::TableSchema t;
  t.schema = "fake";
  t.name = "t" + std::to_string(index);
  auto col = [](std::string name, ferry_type type, uint32_t flags) {
    ferry::Column c;
    c.name = std::move(name);
    c.type = type;
    c.flags = flags;
    return c;
  };
  t.columns.push_back(col("id", FERRY_TYPE_INT64, FERRY_COLUMN_IN_PRIMARY_KEY));
  t.columns.push_back(col("name", FERRY_TYPE_VARCHAR, 0));
  t.columns.back().length = 64;
  t.columns.push_back(col("amount", FERRY_TYPE_DECIMAL, 0));
  t.columns.back().precision = 12;
  t.columns.back().scale = 2;
  t.columns.push_back(col("created", FERRY_TYPE_TIMESTAMPTZ, 0));
  t.columns.push_back(col("note", FERRY_TYPE_TEXT, FERRY_COLUMN_NULLABLE));
  return t;
}

// Splits carry their id range as "first:end" (end exclusive), and the same range as a key range.
std::pair<int64_t, int64_t> parse_bounds(const ferry::Bytes& b) {
  const std::string s(ferry::as_text(b));
  const auto colon = s.find(':');
  if (colon == std::string::npos) ferry::fail(FERRY_INVALID_ARGUMENT, "bad fake split '" + s + "'");
  return {std::stoll(s.substr(0, colon)), std::stoll(s.substr(colon + 1))};
}

// What the fake source is told to do wrong, for tests.
struct Faults {
  int64_t fail_after = -1;   // fail once the source produced this many rows
  int64_t delay_ms = 0;      // sleep before each batch
  int64_t hold_after = -1;   // hold once this many rows are out ...
  std::string release_file;  // ... until this file exists
};

class RowStream : public ferry::BatchStream {
 public:
  RowStream(ferry::Host host, ferry::SharedTable table, int64_t first, int64_t end,
            uint32_t batch_rows, const Faults& faults,
            std::shared_ptr<std::atomic<int64_t>> produced)
      : host_(host),
        table_(std::move(table)),
        next_(first),
        end_(end),
        batch_rows_(batch_rows ? batch_rows : 1000),
        faults_(faults),
        produced_(std::move(produced)) {}

  ferry::OwnedBatch next() override {
    if (host_.cancelled()) ferry::fail(FERRY_CANCELLED, "fake source: cancelled");
    if (next_ >= end_) return ferry::OwnedBatch{};
    if (faults_.delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(faults_.delay_ms));
    }
    hold();
    auto b = ferry::BatchBuilder::rows(table_);
    char amount[32], created[32];
    for (uint32_t i = 0; i < batch_rows_ && next_ < end_; ++i, ++next_) {
      if (faults_.fail_after >= 0 && *produced_ >= faults_.fail_after) {
        ferry::fail(FERRY_UNAVAILABLE, "fake source: injected failure after " +
                                           std::to_string(produced_->load()) + " rows");
      }
      const int64_t id = next_;
      std::snprintf(amount, sizeof amount, "%lld.%02lld", static_cast<long long>(id / 100),
                    static_cast<long long>(id % 100));
      std::snprintf(created, sizeof created, "2026-01-01T%02lld:%02lld:%02lldZ",
                    static_cast<long long>((id / 3600) % 24),
                    static_cast<long long>((id / 60) % 60), static_cast<long long>(id % 60));
      const std::string sid = std::to_string(id), name = "name-" + sid, note = "note for " + sid;
      b.add_row({sid, name, std::string_view(amount), std::string_view(created),
                 id % 7 == 0 ? std::nullopt : std::optional<std::string_view>(note)});
      ++*produced_;
    }
    return ferry::OwnedBatch::from(std::move(b));
  }

 private:
  // Once `hold_after` rows are out, waits until `release_file` exists (or the task stops): a test
  // sees the task mid-copy at a known point instead of racing the clock.
  void hold() {
    if (faults_.hold_after < 0 || *produced_ < faults_.hold_after) return;
    while (!std::filesystem::exists(faults_.release_file)) {
      if (host_.cancelled()) ferry::fail(FERRY_CANCELLED, "fake source: cancelled while held");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  ferry::Host host_;
  ferry::SharedTable table_;
  int64_t next_, end_;
  uint32_t batch_rows_;
  Faults faults_;
  std::shared_ptr<std::atomic<int64_t>> produced_;  // rows produced by every stream of the source
};

class FakeSource : public ferry::Source {
 public:
  explicit FakeSource(const ferry::CreateContext& ctx)
      : host_(ctx.host),
        tables_(ctx.config.get_int("tables", 1)),
        rows_(ctx.config.get_int("rows", 1000)) {
    if (tables_ < 0 || rows_ < 0) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "tables and rows must be >= 0");
    }
    faults_.fail_after = ctx.config.get_int("fail_after_rows", -1);
    faults_.delay_ms = ctx.config.get_int("delay_ms", 0);
    faults_.hold_after = ctx.config.get_int("hold_after_rows", -1);
    faults_.release_file = ctx.config.get_string("release_file");
    if (faults_.hold_after >= 0 && faults_.release_file.empty()) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "hold_after_rows needs a release_file");
    }
  }

  ferry::Catalog discover(const std::string&) override {
    ferry::Catalog c;
    c.schemas.push_back("fake");
    for (int64_t i = 0; i < tables_; ++i) {
      auto s = fake_table(i);
      ferry::Table t;
      t.schema = s.schema;
      t.name = s.name;
      t.columns = s.columns;
      t.row_estimate = rows_;
      t.indexes.push_back(ferry::Index{FERRY_INDEX_PRIMARY, "PRIMARY", {"id"}, ""});
      c.tables.push_back(std::move(t));
    }
    return c;
  }
  ferry::Position snapshot_position() override { return {ferry::to_bytes("0"), "fake:0"}; }

  std::vector<ferry::Split> plan_splits(const ferry::TableSchema& table,
                                        uint64_t target_rows) override {
    const int64_t step = target_rows ? static_cast<int64_t>(target_rows) : rows_;
    std::vector<ferry::Split> out;
    for (int64_t first = 1; first <= rows_; first += step) {
      const int64_t end = std::min(first + step, rows_ + 1);
      ferry::Split s;
      s.schema = table.schema;
      s.table = table.name;
      s.bounds = ferry::to_bytes(std::to_string(first) + ":" + std::to_string(end));
      s.display = "id >= " + std::to_string(first) + " AND id < " + std::to_string(end);
      s.row_estimate = end - first;
      s.key_columns = {"id"};
      s.lower = std::vector<std::string>{std::to_string(first)};
      s.upper = std::vector<std::string>{std::to_string(end)};
      out.push_back(std::move(s));
    }
    return out;
  }

  std::unique_ptr<ferry::BatchStream> open_snapshot(const ferry::Split& split,
                                                    uint32_t batch_rows) override {
    const auto [first, end] = parse_bounds(split.bounds);
    const int64_t index = std::stoll(split.table.substr(1));
    return std::make_unique<RowStream>(host_, ferry::make_table(fake_table(index)), first, end,
                                       batch_rows, faults_, produced_);
  }

 private:
  ferry::Host host_;
  int64_t tables_, rows_;
  Faults faults_;
  std::shared_ptr<std::atomic<int64_t>> produced_ = std::make_shared<std::atomic<int64_t>>(0);
};

// Appends every row it receives to `output` as "schema.table<TAB>cell<TAB>..." (\N for NULL).
class FakeDestination : public ferry::Destination {
 public:
  explicit FakeDestination(const ferry::CreateContext& ctx)
      : host_(ctx.host),
        path_(ctx.config.get_string("output")),
        fail_after_(ctx.config.get_int("fail_after_rows", -1)) {
    if (!path_.empty()) {
      file_ = std::fopen(path_.c_str(), "a");
      if (!file_) {
        ferry::fail(FERRY_INVALID_ARGUMENT, "fake destination: cannot open output '" + path_ +
                                                "': " + std::strerror(errno));
      }
    }
  }
  ~FakeDestination() override {
    if (file_) std::fclose(file_);
  }

  void bulk_write(const ferry_table_ref& table, const ferry::BatchView& batch,
                  uint32_t /*flags*/) override {
    const std::string prefix = std::string(table.schema) + "." + table.name;
    std::string out;
    for (uint64_t r = 0; r < batch.record_count(); ++r) {
      if (fail_after_ >= 0 && written_ >= fail_after_) {
        ferry::fail(FERRY_UNAVAILABLE, "fake destination: injected failure after " +
                                           std::to_string(written_) + " rows");
      }
      out += prefix;
      const uint64_t first = batch.after(r);
      for (uint32_t c = 0; c < table.column_count; ++c) {
        const ferry::Cell cell = batch.cell(first, c);
        out += '\t';
        if (cell.is_null()) {
          out += "\\N";
        } else {
          out.append(cell.data);
        }
      }
      out += '\n';
      ++written_;
    }
    if (file_ &&
        (std::fwrite(out.data(), 1, out.size(), file_) != out.size() || std::fflush(file_))) {
      ferry::fail(FERRY_UNAVAILABLE, "fake destination: write to '" + path_ + "' failed");
    }
    host_.metric_add("fake_destination_rows", static_cast<double>(batch.record_count()));
  }

 private:
  ferry::Host host_;
  std::string path_;
  int64_t fail_after_;
  int64_t written_ = 0;
  std::FILE* file_ = nullptr;
};

// Drops the rows whose first column (id) is a multiple of `drop_every` (0 keeps everything):
// lets the executor tests put a transform between two stages.
class FakeFilter : public ferry::Transform {
 public:
  explicit FakeFilter(const ferry::CreateContext& ctx)
      : drop_every_(ctx.config.get_int("drop_every", 0)) {}

  ferry::OwnedBatch transform(const ferry::BatchView& in) override {
    if (!in.is_row_batch() || in.table_count() != 1) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "fake-filter accepts row batches of one table only");
    }
    const ferry_table_ref& t = *in.table_at(0);
    auto out = ferry::BatchBuilder::rows(ferry::make_table(ferry::copy_table_ref(t)));
    for (uint64_t r = 0; r < in.record_count(); ++r) {
      const uint64_t first = in.after(r);
      if (drop_every_ > 0 && std::stoll(std::string(in.cell(first, 0).data)) % drop_every_ == 0) {
        continue;
      }
      for (uint32_t c = 0; c < t.column_count; ++c) {
        const ferry::Cell cell = in.cell(first, c);
        out.add_cell(cell.data, cell.flags);
      }
    }
    if (out.empty()) return ferry::OwnedBatch{};
    return ferry::OwnedBatch::from(std::move(out));
  }

 private:
  int64_t drop_every_;
};

// Reads `batches` batches from its input and returns: with a small number, a component that
// (wrongly) stops reading early, for the executor's "input left unread" check. It counts the
// pause/resume hooks the host calls in the metrics "pauses" and "resumes".
class FakeTake : public ferry::Component {
 public:
  explicit FakeTake(const ferry::CreateContext& ctx)
      : host_(ctx.host), batches_(ctx.config.get_int("batches", 1)) {}
  void run() override {
    for (int64_t i = 0; i < batches_; ++i) {
      if (context().inputs().at(0).pull().is_end()) return;
      host_.metric_add("batches_read", 1);
    }
  }
  void pause() override { host_.metric_add("pauses", 1); }
  void resume() override { host_.metric_add("resumes", 1); }

 private:
  ferry::Host host_;
  int64_t batches_;
};

}  // namespace

FERRY_PLUGIN(
    "fake", "1.0.0", "Deterministic generated rows and a file sink, for tests and demos",
    ferry::source<FakeSource>(
        "fake", "generates tables fake.t0..tN of deterministic rows",
        FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT,
        {ferry::field::integer("tables", "number of tables").with_default("1"),
         ferry::field::integer("rows", "rows per table").with_default("1000"),
         ferry::field::integer("fail_after_rows", "fail after the source produced N rows")
             .with_default("-1"),
         ferry::field::integer("delay_ms", "sleep before each batch").with_default("0"),
         ferry::field::integer("hold_after_rows",
                               "hold once N rows are out, until release_file exists")
             .with_default("-1"),
         ferry::field::string("release_file", "see hold_after_rows").with_default(""),
         ferry::field::secret("password",
                              "accepted and never used: lets tests follow a secret through "
                              "ferryd")}),
    ferry::destination<FakeDestination>(
        "fake", "appends received rows to a file", FERRY_CAP_DEST_BULK,
        {ferry::field::string("output", "file the rows are appended to").with_default(""),
         ferry::field::integer("fail_after_rows", "fail bulk_write after N rows")
             .with_default("-1")}),
    ferry::component<FakeTake>(
        "fake-take", "reads N batches of its input, then stops (a faulty consumer)",
        {ferry::field::integer("batches", "how many batches to read").with_default("1")}),
    ferry::transform<FakeFilter>(
        "fake-filter", "drops rows whose id is a multiple of drop_every",
        {ferry::field::integer("drop_every", "0 keeps every row").with_default("0")}))
