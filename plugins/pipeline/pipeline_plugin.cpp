// Generic pipeline stages that work with any connector, through the handles the host passes:
//   snapshot-reader: reads every table of the source, split by split, into its output channel;
//   bulk-writer:     bulk-writes every batch of its input channel into the destination.
// They are the plainest form of a full copy (no chunk checkpoints, no parallelism); the
// full-import component is the production path. Tasks wire them explicitly with [[task.stage]].
#include <ferry/sdk.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace {

class SnapshotReader : public ferry::Component {
 public:
  explicit SnapshotReader(const ferry::CreateContext& ctx)
      : host_(ctx.host),
        batch_rows_(static_cast<uint32_t>(ctx.config.get_int("batch_rows", 1000))),
        split_rows_(static_cast<uint64_t>(ctx.config.get_int("split_rows", 100000))) {
    if (batch_rows_ == 0 || split_rows_ == 0) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "snapshot-reader: batch_rows and split_rows must be > 0");
    }
  }

  void init(ferry::StageContext& ctx) override {
    if (ctx.outputs().size() != 1) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "snapshot-reader needs exactly one output channel");
    }
  }

  void run() override {
    auto& ctx = context();
    auto& out = ctx.outputs()[0];
    const ferry::Catalog catalog = ctx.source().discover();
    tables_total_ = catalog.tables.size();
    for (const auto& t : catalog.tables) {
      const ferry::SharedTable table = ferry::make_table(ferry::schema_of(t));
      for (const auto& split : ctx.source().plan_splits(*table->ref(), split_rows_)) {
        auto stream = ctx.source().open_snapshot(split, batch_rows_);
        for (auto batch = stream.next(); !batch.is_end(); batch = stream.next()) {
          host_.yield();
          const auto n = batch.get().record_count;
          out.push(std::move(batch));
          rows_ += n;
          host_.metric_add("rows_read", static_cast<double>(n));
        }
      }
      ++tables_done_;
      host_.report_progress(status());
    }
    out.close();
  }

  std::string status() override {
    return "{\"tables_done\":" + std::to_string(tables_done_.load()) +
           ",\"tables_total\":" + std::to_string(tables_total_.load()) +
           ",\"rows_read\":" + std::to_string(rows_.load()) + "}";
  }

 private:
  ferry::Host host_;
  uint32_t batch_rows_;
  uint64_t split_rows_;
  std::atomic<uint64_t> rows_{0}, tables_done_{0}, tables_total_{0};
};

class BulkWriter : public ferry::Component {
 public:
  explicit BulkWriter(const ferry::CreateContext& ctx) : host_(ctx.host) {}

  void init(ferry::StageContext& ctx) override {
    if (ctx.inputs().size() != 1) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "bulk-writer needs exactly one input channel");
    }
  }

  void run() override {
    auto& ctx = context();
    auto& in = ctx.inputs()[0];
    for (auto batch = in.pull(); !batch.is_end(); batch = in.pull()) {
      host_.yield();
      const ferry_batch& b = batch.get();
      if (b.table_count != 1 || b.ops != nullptr) {
        ferry::fail(FERRY_INVALID_ARGUMENT, "bulk-writer accepts row batches of one table only");
      }
      ctx.destination().bulk_write(*b.tables[0], b, 0);
      rows_ += b.record_count;
      host_.metric_add("rows_written", static_cast<double>(b.record_count));
      if (++batches_ % 16 == 0) host_.report_progress(status());
    }
    host_.report_progress(status());
  }

  std::string status() override {
    return "{\"rows_written\":" + std::to_string(rows_.load()) + "}";
  }

 private:
  ferry::Host host_;
  std::atomic<uint64_t> rows_{0};
  uint64_t batches_ = 0;
};

}  // namespace

FERRY_PLUGIN(
    "pipeline", "1.0.0", "Generic snapshot-reader and bulk-writer stages",
    ferry::component<SnapshotReader>(
        "snapshot-reader", "reads every source table, split by split, into a channel",
        {ferry::field::integer("batch_rows", "rows per batch").with_default("1000"),
         ferry::field::integer("split_rows", "target rows per split").with_default("100000")}),
    ferry::component<BulkWriter>("bulk-writer",
                                 "bulk-writes the batches of a channel to the destination"))
