// ferry SDK C++ layer: pull streams of batches across the boundary.
//
// Producer: derive from BatchStream and return it from open_snapshot / open_changes /
// read_range; the layer exports it as a ferry_stream. Consumer: StreamReader wraps a received
// ferry_stream and releases it (and any batch not yet taken) exactly once.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/error.hpp>

#include <exception>
#include <memory>
#include <string>

namespace ferry {

class BatchStream {
 public:
  virtual ~BatchStream() = default;
  // The next batch, or an end marker (OwnedBatch{}) when the stream is finished.
  virtual OwnedBatch next() = 0;
};

inline void export_stream(std::unique_ptr<BatchStream> stream, ferry_stream* out) {
  struct Owned {
    std::unique_ptr<BatchStream> stream;
    std::string error;
  };
  *out = ferry_stream{};
  out->struct_size = sizeof(ferry_stream);
  out->private_data = new Owned{std::move(stream), {}};
  out->next = [](ferry_stream* self, ferry_batch* batch) -> ferry_status {
    auto* o = static_cast<Owned*>(self->private_data);
    *batch = ferry_batch{};
    try {
      o->stream->next().release_into(batch);
      return FERRY_OK;
    } catch (const Error& e) {
      o->error = e.what();
      return e.status();
    } catch (const std::exception& e) {
      o->error = std::string("unhandled exception: ") + e.what();
    } catch (...) {
      o->error = "unhandled non-standard exception";
    }
    return FERRY_INTERNAL;
  };
  out->last_error = [](ferry_stream* self) -> const char* {
    return static_cast<Owned*>(self->private_data)->error.c_str();
  };
  out->release = [](ferry_stream* self) {
    delete static_cast<Owned*>(self->private_data);
    self->release = nullptr;
  };
}

class StreamReader {
 public:
  StreamReader() = default;
  explicit StreamReader(ferry_stream* taken, std::string what = "stream")
      : s_(*taken), what_(std::move(what)) {
    taken->release = nullptr;
  }
  StreamReader(StreamReader&& o) noexcept : s_(o.s_), what_(std::move(o.what_)) {
    o.s_.release = nullptr;
  }
  StreamReader& operator=(StreamReader&& o) noexcept {
    if (this != &o) {
      close();
      s_ = o.s_;
      what_ = std::move(o.what_);
      o.s_.release = nullptr;
    }
    return *this;
  }
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;
  ~StreamReader() { close(); }

  // The next batch (is_end() at the end). Throws Error when the producer fails.
  OwnedBatch next() {
    if (!s_.release) return OwnedBatch{};
    ferry_batch b{};
    const ferry_status st = s_.next(&s_, &b);
    if (st != FERRY_OK && b.release) b.release(&b);  // abi.h: should be empty on failure
    check(st, what_, s_.last_error ? s_.last_error(&s_) : nullptr);
    if (!b.release) return OwnedBatch{};
    return OwnedBatch(&b);
  }
  void close() {
    if (s_.release) s_.release(&s_);
    s_.release = nullptr;
  }

 private:
  ferry_stream s_{};
  std::string what_;
};

}  // namespace ferry
