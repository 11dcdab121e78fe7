// ferry SDK C++ layer: calling the other side of the ABI — a source, a destination, a channel —
// through its C table, with failures turned into ferry::Error. Components use these to reach
// their task's endpoints (through the handles the host passes in ferry_stage_context); the host
// uses the same wrappers.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/catalog.hpp>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct Checksum {
  uint64_t row_count = 0;
  uint64_t digest = 0;
};

namespace detail {
template <class VT>
const char* last_error_of(const VT* vt, void* self) {
  return vt->last_error ? vt->last_error(self) : nullptr;
}
// Calls an optional callback, or fails with NOT_SUPPORTED naming it.
template <class Fn>
Fn require(Fn fn, const char* what) {
  if (!fn) fail(FERRY_NOT_SUPPORTED, std::string(what) + " is not supported by this plugin");
  return fn;
}
}  // namespace detail

class SourceClient {
 public:
  SourceClient(const ferry_source_vtable* vt, void* self) : vt_(vt), self_(self) {}
  explicit SourceClient(const ferry_endpoint& e)
      : SourceClient(static_cast<const ferry_source_vtable*>(e.vtable), e.instance) {}

  std::string precheck() {
    ferry_buffer b{};
    call(detail::require(vt_->precheck, "precheck")(self_, &b), "precheck");
    return std::string(as_text(adopt_buffer(&b)));
  }
  Catalog discover(const std::string& selection_json = {}) {
    ferry_catalog c{};
    call(detail::require(vt_->discover, "discover")(
             self_, selection_json.empty() ? nullptr : selection_json.c_str(), &c),
         "discover");
    return adopt_catalog(&c);
  }
  Position snapshot_position() {
    ferry_position p{};
    call(detail::require(vt_->snapshot_position, "snapshot_position")(self_, &p),
         "snapshot_position");
    return adopt_position(&p);
  }
  std::vector<Split> plan_splits(const ferry_table_ref& table, uint64_t target_rows) {
    ferry_split_list l{};
    call(detail::require(vt_->plan_splits, "plan_splits")(self_, &table, target_rows, &l),
         "plan_splits");
    return adopt_splits(&l);
  }
  StreamReader open_snapshot(const Split& split, uint32_t batch_rows) {
    const ferry_split v = view_of(split);
    ferry_stream s{};
    call(detail::require(vt_->open_snapshot, "open_snapshot")(self_, &v, batch_rows, &s),
         "open_snapshot");
    return StreamReader(&s, "snapshot " + split.schema + "." + split.table);
  }
  StreamReader open_changes(const Position& from) {
    const ferry_position v = view_of(from);
    ferry_stream s{};
    call(detail::require(vt_->open_changes, "open_changes")(self_, &v, &s), "open_changes");
    return StreamReader(&s, "change stream");
  }
  void ack(const Position& upto) {
    const ferry_position v = view_of(upto);
    call(detail::require(vt_->ack, "ack")(self_, &v), "ack");
  }

 private:
  void call(ferry_status st, const char* what) {
    check(st, std::string("source ") + what, detail::last_error_of(vt_, self_));
  }
  const ferry_source_vtable* vt_;
  void* self_;
};

class DestinationClient {
 public:
  DestinationClient(const ferry_destination_vtable* vt, void* self) : vt_(vt), self_(self) {}
  explicit DestinationClient(const ferry_endpoint& e)
      : DestinationClient(static_cast<const ferry_destination_vtable*>(e.vtable), e.instance) {}

  void apply_ddl(const std::string& statement) {
    call(detail::require(vt_->apply_ddl, "apply_ddl")(self_, statement.c_str()), "apply_ddl");
  }
  void bulk_write(const ferry_table_ref& table, const ferry_batch& batch) {
    call(detail::require(vt_->bulk_write, "bulk_write")(self_, &table, &batch), "bulk_write");
  }
  void apply_changes(const ferry_batch& batch, uint32_t flags, const Bytes& checkpoint) {
    call(detail::require(vt_->apply_changes, "apply_changes")(self_, &batch, flags,
                                                              checkpoint.data(), checkpoint.size()),
         "apply_changes");
  }
  std::optional<Bytes> flush() {
    ferry_buffer b{};
    int32_t found = 0;
    call(detail::require(vt_->flush, "flush")(self_, &b, &found), "flush");
    if (!found) return std::nullopt;
    return adopt_buffer(&b);
  }
  Checksum checksum(const Split& range) {
    const ferry_split v = view_of(range);
    ferry_checksum c{};
    c.struct_size = sizeof(c);
    call(detail::require(vt_->checksum, "checksum")(self_, &v, &c), "checksum");
    return Checksum{c.row_count, c.digest};
  }
  StreamReader read_range(const Split& range, uint32_t batch_rows) {
    const ferry_split v = view_of(range);
    ferry_stream s{};
    call(detail::require(vt_->read_range, "read_range")(self_, &v, batch_rows, &s), "read_range");
    return StreamReader(&s, "read_range " + range.schema + "." + range.table);
  }

 private:
  void call(ferry_status st, const char* what) {
    check(st, std::string("destination ") + what, detail::last_error_of(vt_, self_));
  }
  const ferry_destination_vtable* vt_;
  void* self_;
};

// One end of a bounded data edge between stages.
class Channel {
 public:
  explicit Channel(ferry_channel* c) : c_(c) {}
  // Blocks while the channel is full. Throws Error(FERRY_CANCELLED) when the task stops.
  void push(OwnedBatch batch) {
    ferry_batch b{};
    batch.release_into(&b);
    const ferry_status st = c_->push(c_, &b);
    if (b.release) b.release(&b);  // not taken (cancelled): free it here
    check(st, std::string("push to channel '") + c_->name + "'", nullptr);
  }
  void push(BatchBuilder&& b) { push(OwnedBatch::from(std::move(b))); }
  // The next batch, or an end marker once the producer closed the channel and it is drained.
  OwnedBatch pull() {
    ferry_batch b{};
    check(c_->pull(c_, &b), std::string("pull from channel '") + c_->name + "'", nullptr);
    if (!b.release) return OwnedBatch{};
    return OwnedBatch(&b);
  }
  void close() { c_->close(c_); }
  const char* name() const { return c_->name; }

 private:
  ferry_channel* c_;
};

// What a component's init() receives.
class StageContext {
 public:
  explicit StageContext(const ferry_stage_context* c) {
    if (c->source) source_.emplace(*c->source);
    if (c->destination) destination_.emplace(*c->destination);
    for (uint32_t i = 0; i < c->input_count; ++i) inputs_.emplace_back(c->inputs[i]);
    for (uint32_t i = 0; i < c->output_count; ++i) outputs_.emplace_back(c->outputs[i]);
  }
  SourceClient& source() {
    if (!source_) fail(FERRY_INVALID_ARGUMENT, "this task has no source");
    return *source_;
  }
  DestinationClient& destination() {
    if (!destination_) fail(FERRY_INVALID_ARGUMENT, "this task has no destination");
    return *destination_;
  }
  std::vector<Channel>& inputs() { return inputs_; }
  std::vector<Channel>& outputs() { return outputs_; }

 private:
  std::optional<SourceClient> source_;
  std::optional<DestinationClient> destination_;
  std::vector<Channel> inputs_, outputs_;
};

}  // namespace ferry
