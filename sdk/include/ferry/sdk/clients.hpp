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
}  // namespace detail

// A callback slot of a plugin's table, or NULL when the table (built against an older minor)
// is too short to have it or the plugin left it empty.
#define FERRY_SLOT(vt, type, field) (FERRY_HAS_FIELD(vt, type, field) ? (vt)->field : nullptr)

// Calls an optional callback, or fails with NOT_SUPPORTED naming it.
#define FERRY_CALL(vt, type, field, ...)                                                    \
  ([&] {                                                                                    \
    auto fn = FERRY_SLOT(vt, type, field);                                                  \
    if (!fn) ::ferry::fail(FERRY_NOT_SUPPORTED, #field " is not supported by this plugin"); \
    return fn(__VA_ARGS__);                                                                 \
  }())

// What both sides of a task offer through their tables: precheck and the verification reads.
// `side` names the endpoint in error messages ("source discover: ...").
template <class VT>
class EndpointClient {
 public:
  EndpointClient(const VT* vt, void* self, const char* side) : vt_(vt), self_(self), side_(side) {}

  std::string precheck() {
    ferry_buffer b{};
    call(FERRY_CALL(vt_, VT, precheck, self_, &b), "precheck");
    return std::string(as_text(adopt_buffer(&b)));
  }
  Checksum checksum(const Split& range, const std::string& spec) {
    const SplitView v(range);
    ferry_checksum c{};
    c.struct_size = sizeof(c);
    call(FERRY_CALL(vt_, VT, checksum, self_, v.get(), spec.c_str(), &c), "checksum");
    return Checksum{c.row_count, c.digest};
  }
  StreamReader read_range(const Split& range, uint32_t batch_rows) {
    const SplitView v(range);
    ferry_stream s{};
    call(FERRY_CALL(vt_, VT, read_range, self_, v.get(), batch_rows, &s), "read_range");
    return StreamReader(&s, "read_range " + range.schema + "." + range.table);
  }

 protected:
  void call(ferry_status st, const char* what) {
    check(st, std::string(side_) + " " + what, detail::last_error_of(vt_, self_));
  }
  const VT* vt_;
  void* self_;
  const char* side_;
};

class SourceClient : public EndpointClient<ferry_source_vtable> {
 public:
  using VT = ferry_source_vtable;
  SourceClient(const VT* vt, void* self) : EndpointClient(vt, self, "source") {}
  explicit SourceClient(const ferry_endpoint& e)
      : SourceClient(static_cast<const VT*>(e.vtable), e.instance) {}

  Catalog discover(const std::string& selection_json = {}) {
    ferry_catalog c{};
    const char* sel = selection_json.empty() ? nullptr : selection_json.c_str();
    call(FERRY_CALL(vt_, VT, discover, self_, sel, &c), "discover");
    return adopt_catalog(&c);
  }
  Position snapshot_position() {
    ferry_position p{};
    call(FERRY_CALL(vt_, VT, snapshot_position, self_, &p), "snapshot_position");
    return adopt_position(&p);
  }
  std::vector<Split> plan_splits(const ferry_table_ref& table, uint64_t target_rows) {
    ferry_split_list l{};
    call(FERRY_CALL(vt_, VT, plan_splits, self_, &table, target_rows, &l), "plan_splits");
    return adopt_splits(&l);
  }
  StreamReader open_snapshot(const Split& split, uint32_t batch_rows) {
    const SplitView v(split);
    ferry_stream s{};
    call(FERRY_CALL(vt_, VT, open_snapshot, self_, v.get(), batch_rows, &s), "open_snapshot");
    return StreamReader(&s, "snapshot " + split.schema + "." + split.table);
  }
  StreamReader open_changes(const Position& from) {
    const ferry_position v = view_of(from);
    ferry_stream s{};
    call(FERRY_CALL(vt_, VT, open_changes, self_, &v, &s), "open_changes");
    return StreamReader(&s, "change stream");
  }
  void ack(const Position& upto) {
    const ferry_position v = view_of(upto);
    call(FERRY_CALL(vt_, VT, ack, self_, &v), "ack");
  }
  // Drops what the task holds on the source (ABI 1.1; a 1.0 plugin holds nothing to drop).
  void release() {
    if (!FERRY_HAS_FIELD(vt_, VT, release) || !vt_->release) return;
    call(vt_->release(self_), "release");
  }
  // < 0, 0, > 0 as `a` is before, at or after `b`.
  int compare_positions(const Bytes& a, const Bytes& b) {
    int32_t out = 0;
    call(
        FERRY_CALL(vt_, VT, compare_positions, self_, a.data(), a.size(), b.data(), b.size(), &out),
        "compare_positions");
    return out;
  }
};

class DestinationClient : public EndpointClient<ferry_destination_vtable> {
 public:
  using VT = ferry_destination_vtable;
  DestinationClient(const VT* vt, void* self) : EndpointClient(vt, self, "destination") {}
  explicit DestinationClient(const ferry_endpoint& e)
      : DestinationClient(static_cast<const VT*>(e.vtable), e.instance) {}

  void apply_ddl(const std::string& statement) {
    call(FERRY_CALL(vt_, VT, apply_ddl, self_, statement.c_str()), "apply_ddl");
  }
  void bulk_write(const ferry_table_ref& table, const ferry_batch& batch, uint32_t flags = 0) {
    call(FERRY_CALL(vt_, VT, bulk_write, self_, &table, &batch, flags), "bulk_write");
  }
  void apply_changes(const ferry_batch& batch, uint32_t flags, const Bytes& checkpoint) {
    call(FERRY_CALL(vt_, VT, apply_changes, self_, &batch, flags, checkpoint.data(),
                    checkpoint.size()),
         "apply_changes");
  }
  std::optional<Bytes> flush() {
    ferry_buffer b{};
    int32_t found = 0;
    call(FERRY_CALL(vt_, VT, flush, self_, &b, &found), "flush");
    if (!found) return std::nullopt;
    return adopt_buffer(&b);
  }
  // The destination's own catalog (ABI 1.2, optional): Error(FERRY_NOT_SUPPORTED) when the
  // plugin predates it or does not implement it.
  Catalog discover(const std::string& selection_json = {}) {
    ferry_catalog c{};
    const char* sel = selection_json.empty() ? nullptr : selection_json.c_str();
    call(FERRY_CALL(vt_, VT, discover, self_, sel, &c), "discover");
    return adopt_catalog(&c);
  }
};

// One end of a bounded data edge between stages.
class Channel {
 public:
  explicit Channel(ferry_channel* c) : c_(c) {}
  // Blocks while the channel is full. Throws Error(FERRY_CANCELLED) when the task stops.
  void push(OwnedBatch batch) {
    if (batch.is_end()) {
      fail(FERRY_INVALID_ARGUMENT, std::string("push to channel '") + c_->name +
                                       "': an end marker is not a batch; close() the channel");
    }
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
    if (FERRY_HAS_FIELD(c, ferry_stage_context, task_json)) {
      data_dir_ = c->data_dir ? c->data_dir : "";
      task_json_ = c->task_json ? c->task_json : "{}";
    }
  }
  // This stage's own directory in ferry's data directory (for files it keeps: a change store).
  const std::string& data_dir() const { return data_dir_; }
  // The task's settings as JSON (types, objects, concurrency...; never secrets).
  const std::string& task_json() const { return task_json_; }
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
  std::string data_dir_, task_json_ = "{}";
};

}  // namespace ferry
