// A bounded data edge between two stages: one producer, one consumer, at most `capacity`
// batches and `max_bytes` of cell data in flight (a single batch larger than max_bytes is still
// let through when the channel is empty, so nothing deadlocks). push() blocks while full —
// that is the backpressure; pull() blocks while empty. cancel() wakes both sides for good.
//
// Thread-safe. Exposed to plugins as a ferry_channel (c_channel()).
#pragma once

#include <ferry/abi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace ferry::host {

class BoundedChannel {
 public:
  BoundedChannel(std::string name, size_t capacity, uint64_t max_bytes);
  ~BoundedChannel();
  BoundedChannel(const BoundedChannel&) = delete;
  BoundedChannel& operator=(const BoundedChannel&) = delete;

  // Takes the batch (on FERRY_OK, batch->release is cleared); any other status leaves it with
  // the caller. FERRY_INVALID_ARGUMENT (with error() saying why) for a push after close() and
  // for something that is not a batch: no release (an end marker: close() instead), a struct
  // from an unknown future, cells without offsets.
  ferry_status push(ferry_batch* batch);
  // A batch, or an end marker (out->release == NULL) once closed and drained.
  ferry_status pull(ferry_batch* out);
  void close();
  void cancel();

  // Closed by the producer and every batch taken: the consumer has read it to the end.
  bool drained() const;
  bool closed() const;
  size_t size() const;
  uint64_t bytes() const;
  uint64_t batches_passed() const;
  const std::string& name() const { return name_; }
  ferry_channel* c_channel() { return &c_; }

 private:
  const std::string name_;
  const size_t capacity_;
  const uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<ferry_batch> queue_;
  uint64_t bytes_ = 0;
  uint64_t passed_ = 0;
  bool closed_ = false;
  bool cancelled_ = false;
  ferry_channel c_{};
};

}  // namespace ferry::host
