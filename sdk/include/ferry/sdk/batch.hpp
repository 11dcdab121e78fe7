// ferry SDK C++ layer: batches of rows and change events.
//
// BatchBuilder (producer) appends cells into one contiguous buffer and exports a ferry_batch
// whose release() frees it. OwnedBatch (consumer) holds a received ferry_batch and releases it
// exactly once. BatchView reads one without copying. See ferry_batch in <ferry/abi.h> for the
// layout; values are in the canonical text form of their logical type (docs/sdk.md).
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/catalog.hpp>
#include <ferry/sdk/error.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

using SharedTable = std::shared_ptr<const TableRefHolder>;

inline SharedTable make_table(TableSchema t) {
  return std::make_shared<TableRefHolder>(std::move(t));
}

class BatchBuilder {
 public:
  // A row batch: every record is an INSERT of `table` (snapshots, read_range).
  static BatchBuilder rows(SharedTable table) {
    BatchBuilder b;
    b.tables_.push_back(std::move(table));
    b.row_mode_ = true;
    return b;
  }
  // A change batch: records of any of `tables`, each with its op, images and position.
  static BatchBuilder changes(std::vector<SharedTable> tables) {
    BatchBuilder b;
    b.tables_ = std::move(tables);
    b.row_mode_ = false;
    return b;
  }

  // Change mode: adds a table the batch's records may refer to; returns its index.
  uint32_t add_table(SharedTable table) {
    tables_.push_back(std::move(table));
    return static_cast<uint32_t>(tables_.size() - 1);
  }

  void add_cell(std::string_view value, uint8_t flags = 0) {
    data_.append(value);
    offsets_.push_back(data_.size());
    flags_.push_back(flags);
    any_flag_ |= flags != 0;
  }
  void add_null() { add_cell({}, FERRY_CELL_NULL); }

  // Row mode: one whole row; std::nullopt is NULL. The row must have the table's width.
  void add_row(std::initializer_list<std::optional<std::string_view>> cells) {
    const auto width = tables_.empty() ? 0 : tables_[0]->ref()->column_count;
    if (cells.size() != width) {
      fail(FERRY_INVALID_ARGUMENT, "a row of " + std::to_string(cells.size()) + " cells for " +
                                       std::to_string(width) + " columns");
    }
    for (const auto& c : cells) c ? add_cell(*c) : add_null();
  }

  // Change mode: the index the next add_cell() gets (to mark where an image starts).
  uint64_t next_cell() const { return offsets_.size() - 1; }

  void add_record(ferry_op op, uint32_t table, uint64_t before, uint64_t after, uint64_t txn_seq,
                  int64_t commit_time_us, std::span<const uint8_t> position = {}) {
    ops_.push_back(op);
    table_of_.push_back(table);
    before_.push_back(before);
    after_.push_back(after);
    txn_.push_back(txn_seq);
    commit_.push_back(commit_time_us);
    pos_data_.insert(pos_data_.end(), position.begin(), position.end());
    pos_offsets_.push_back(pos_data_.size());
  }

  uint64_t record_count() const {
    if (!row_mode_) return ops_.size();
    const auto ncols = tables_.empty() ? 0 : tables_[0]->ref()->column_count;
    return ncols == 0 ? 0 : (offsets_.size() - 1) / ncols;
  }
  // Bytes of cell data (what batch sizing and memory bounds count).
  size_t data_bytes() const { return data_.size(); }
  bool empty() const { return record_count() == 0; }

  // Hands the batch to a C consumer; the builder is left empty.
  void export_to(ferry_batch* out) && {
    if (row_mode_ && !tables_.empty()) {
      const auto width = tables_[0]->ref()->column_count;
      if (width != 0 && (offsets_.size() - 1) % width != 0) {
        fail(FERRY_INVALID_ARGUMENT, "a row batch ends with a partial row (" +
                                         std::to_string((offsets_.size() - 1) % width) + " of " +
                                         std::to_string(width) + " cells)");
      }
    }
    auto* o = new BatchBuilder(std::move(*this));
    for (const auto& t : o->tables_) o->table_ptrs_.push_back(t->ref());
    *out = ferry_batch{};
    out->struct_size = sizeof(ferry_batch);
    out->table_count = static_cast<uint32_t>(o->table_ptrs_.size());
    out->tables = o->table_ptrs_.data();
    out->record_count = o->record_count();
    out->cell_count = o->offsets_.size() - 1;
    out->cell_offsets = o->offsets_.data();
    out->cell_data = reinterpret_cast<const uint8_t*>(o->data_.data());
    out->cell_flags = o->any_flag_ ? o->flags_.data() : nullptr;
    if (!o->row_mode_) {
      out->ops = o->ops_.data();
      out->table_of = o->table_of_.data();
      out->before = o->before_.data();
      out->after = o->after_.data();
      out->txn_seq = o->txn_.data();
      out->commit_time_us = o->commit_.data();
      out->position_offsets = o->pos_offsets_.data();
      out->position_data = o->pos_data_.data();
    }
    out->private_data = o;
    out->release = [](ferry_batch* self) {
      delete static_cast<BatchBuilder*>(self->private_data);
      self->release = nullptr;
    };
    *this = BatchBuilder{};
  }

 private:
  BatchBuilder() = default;

  std::vector<SharedTable> tables_;
  std::vector<const ferry_table_ref*> table_ptrs_;
  bool row_mode_ = true;
  bool any_flag_ = false;
  std::vector<uint64_t> offsets_{0};
  std::string data_;
  std::vector<uint8_t> flags_;
  std::vector<ferry_op> ops_;
  std::vector<uint32_t> table_of_;
  std::vector<uint64_t> before_, after_, txn_;
  std::vector<int64_t> commit_;
  std::vector<uint64_t> pos_offsets_{0};
  std::vector<uint8_t> pos_data_;
};

// A received batch, released exactly once. A default-constructed OwnedBatch is the end marker.
class OwnedBatch {
 public:
  OwnedBatch() = default;
  explicit OwnedBatch(ferry_batch* taken) : b_(*taken) { taken->release = nullptr; }
  OwnedBatch(OwnedBatch&& o) noexcept : b_(o.b_) { o.b_.release = nullptr; }
  OwnedBatch& operator=(OwnedBatch&& o) noexcept {
    if (this != &o) {
      reset();
      b_ = o.b_;
      o.b_.release = nullptr;
    }
    return *this;
  }
  OwnedBatch(const OwnedBatch&) = delete;
  OwnedBatch& operator=(const OwnedBatch&) = delete;
  ~OwnedBatch() { reset(); }

  static OwnedBatch from(BatchBuilder&& b) {
    ferry_batch c{};
    std::move(b).export_to(&c);
    return OwnedBatch(&c);
  }

  bool is_end() const { return b_.release == nullptr; }
  const ferry_batch& get() const { return b_; }
  // Moves the batch into a C out-parameter (ownership goes with it).
  void release_into(ferry_batch* out) {
    *out = b_;
    b_.release = nullptr;
  }
  void reset() {
    if (b_.release) b_.release(&b_);
    b_.release = nullptr;
  }

 private:
  ferry_batch b_{};
};

struct Cell {
  std::string_view data;
  uint8_t flags = 0;
  bool is_null() const { return (flags & FERRY_CELL_NULL) != 0; }
  bool is_unchanged() const { return (flags & FERRY_CELL_UNCHANGED) != 0; }
};

// Read access to a batch; valid while the batch is.
class BatchView {
 public:
  explicit BatchView(const ferry_batch& b) : b_(&b) {}

  const ferry_batch& raw() const { return *b_; }
  uint64_t record_count() const { return b_->record_count; }
  uint64_t cell_count() const { return b_->cell_count; }
  uint32_t table_count() const { return b_->table_count; }
  const ferry_table_ref* table_at(uint32_t i) const { return b_->tables[i]; }
  // NULL = canonical text (docs/sdk.md); a transform that only knows canonical text checks it.
  const char* encoding() const { return b_->encoding; }
  bool is_row_batch() const { return b_->ops == nullptr; }
  // Index into the batch's tables, or FERRY_NO_TABLE (BEGIN / COMMIT / HEARTBEAT).
  uint32_t table_index(uint64_t r) const { return b_->table_of ? b_->table_of[r] : 0; }
  ferry_op op(uint64_t r) const { return b_->ops ? b_->ops[r] : ferry_op{FERRY_OP_INSERT}; }
  const ferry_table_ref* table(uint64_t r) const {
    const uint32_t t = table_index(r);
    return t == FERRY_NO_TABLE || t >= b_->table_count ? nullptr : b_->tables[t];
  }
  uint64_t after(uint64_t r) const {
    return b_->after ? b_->after[r] : r * b_->tables[0]->column_count;
  }
  uint64_t before(uint64_t r) const { return b_->before ? b_->before[r] : FERRY_NO_ROW; }
  uint64_t txn_seq(uint64_t r) const { return b_->txn_seq ? b_->txn_seq[r] : 0; }
  int64_t commit_time_us(uint64_t r) const {
    return b_->commit_time_us ? b_->commit_time_us[r] : 0;
  }
  std::span<const uint8_t> position(uint64_t r) const {
    if (!b_->position_offsets) return {};
    const uint64_t a = b_->position_offsets[r], z = b_->position_offsets[r + 1];
    return {b_->position_data + a, static_cast<size_t>(z - a)};
  }
  Cell cell(uint64_t i) const {
    const uint64_t a = b_->cell_offsets[i], z = b_->cell_offsets[i + 1];
    return Cell{std::string_view(reinterpret_cast<const char*>(b_->cell_data) + a,
                                 static_cast<size_t>(z - a)),
                b_->cell_flags ? b_->cell_flags[i] : uint8_t{0}};
  }
  // Cell `col` of the row image starting at `first`.
  Cell cell(uint64_t first, uint32_t col) const { return cell(first + col); }
  uint64_t data_bytes() const { return b_->cell_count ? b_->cell_offsets[b_->cell_count] : 0; }

 private:
  const ferry_batch* b_;
};

}  // namespace ferry
