#include "task/channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace ferry::host {
namespace {

// The size of a ferry_batch built against ABI 1.0: every accepted producer has at least this.
constexpr size_t kBatchV1Size = offsetof(ferry_batch, private_data) + sizeof(void*);

uint64_t batch_bytes(const ferry_batch& b) {
  return b.cell_count ? b.cell_offsets[b.cell_count] : 0;
}

}  // namespace

BoundedChannel::BoundedChannel(std::string name, size_t capacity, uint64_t max_bytes)
    : name_(std::move(name)), capacity_(capacity ? capacity : 1), max_bytes_(max_bytes) {
  c_.struct_size = sizeof(c_);
  c_.name = name_.c_str();
  c_.private_data = this;
  // Plugins call these: nothing may unwind into them.
  c_.push = [](ferry_channel* self, ferry_batch* b) -> ferry_status {
    try {
      return static_cast<BoundedChannel*>(self->private_data)->push(b);
    } catch (...) {
      return FERRY_INTERNAL;
    }
  };
  c_.pull = [](ferry_channel* self, ferry_batch* out) -> ferry_status {
    try {
      return static_cast<BoundedChannel*>(self->private_data)->pull(out);
    } catch (...) {
      return FERRY_INTERNAL;
    }
  };
  c_.close = [](ferry_channel* self) {
    try {
      static_cast<BoundedChannel*>(self->private_data)->close();
    } catch (...) {
    }
  };
}

BoundedChannel::~BoundedChannel() {
  for (auto& b : queue_) {
    if (b.release) b.release(&b);
  }
}

ferry_status BoundedChannel::push(ferry_batch* batch) {
  if (!batch || !batch->release) {
    spdlog::error(
        "channel '{}': a batch without release (an end marker?) was pushed; producers "
        "close() the channel instead",
        name_);
    return FERRY_INVALID_ARGUMENT;
  }
  if (batch->struct_size < kBatchV1Size || (batch->cell_count > 0 && !batch->cell_offsets)) {
    spdlog::error("channel '{}': a malformed batch was pushed (struct_size {}, {} cells)", name_,
                  batch->struct_size, batch->cell_count);
    return FERRY_INVALID_ARGUMENT;
  }
  // Copy no more than the producer's struct (it may predate fields this host knows).
  ferry_batch taken{};
  std::memcpy(&taken, batch, std::min<size_t>(batch->struct_size, sizeof taken));
  const uint64_t n = batch_bytes(taken);
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [&] {
    return cancelled_ ||
           (queue_.size() < capacity_ && (queue_.empty() || bytes_ + n <= max_bytes_));
  });
  if (cancelled_) return FERRY_CANCELLED;
  if (closed_) return FERRY_INVALID_ARGUMENT;
  queue_.push_back(taken);
  batch->release = nullptr;
  bytes_ += n;
  not_empty_.notify_one();
  return FERRY_OK;
}

ferry_status BoundedChannel::pull(ferry_batch* out) {
  *out = ferry_batch{};
  std::unique_lock lock(mu_);
  not_empty_.wait(lock, [&] { return cancelled_ || closed_ || !queue_.empty(); });
  if (cancelled_) return FERRY_CANCELLED;
  if (queue_.empty()) return FERRY_OK;  // closed and drained: end marker
  *out = queue_.front();
  queue_.pop_front();
  bytes_ -= batch_bytes(*out);
  ++passed_;
  not_full_.notify_one();
  return FERRY_OK;
}

void BoundedChannel::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  not_empty_.notify_all();
}

void BoundedChannel::cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool BoundedChannel::drained() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_.empty();
}
bool BoundedChannel::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}
size_t BoundedChannel::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}
uint64_t BoundedChannel::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}
uint64_t BoundedChannel::batches_passed() const {
  std::lock_guard lock(mu_);
  return passed_;
}

}  // namespace ferry::host
