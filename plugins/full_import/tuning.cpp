#include "tuning.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

namespace ferry::full_import {

Tuning preset(std::string_view name) {
  Tuning t;
  t.preset = std::string(name);
  if (name == "smooth") {
    t.readers = 1;
    t.writers = 1;
    t.batch_rows = 1000;
    t.split_rows = 50000;
    t.queue_batches = 4;
    t.queue_bytes = 32ull << 20;
  } else if (name == "normal") {
    t.readers = 2;
    t.writers = 2;
    t.batch_rows = 2000;
    t.split_rows = 100000;
    t.queue_batches = 8;
    t.queue_bytes = 64ull << 20;
  } else if (name == "fast") {
    t.readers = 4;
    t.writers = 4;
    t.batch_rows = 5000;
    t.split_rows = 200000;
    t.queue_batches = 16;
    t.queue_bytes = 128ull << 20;
  } else {
    fail(FERRY_INVALID_ARGUMENT, "full-import: unknown concurrency preset '" + std::string(name) +
                                     "' (expected smooth, normal or fast)");
  }
  return t;
}

namespace {

int64_t int_field(const Config& c, const char* name, int64_t fallback, int64_t min, int64_t max) {
  if (!c.has(name)) return fallback;
  const int64_t v = c.get_int(name, fallback);
  if (v < min || v > max) {
    fail(FERRY_INVALID_ARGUMENT, std::string("full-import: ") + name + " must be between " +
                                     std::to_string(min) + " and " + std::to_string(max) +
                                     ", not " + std::to_string(v));
  }
  return v;
}

double rate_field(const Config& c, const char* name, double fallback) {
  if (!c.has(name)) return fallback;
  const double v = c.get_float(name, fallback);
  if (!(v >= 0)) {
    fail(FERRY_INVALID_ARGUMENT, std::string("full-import: ") + name +
                                     " must be 0 (no cap) or more, not " + std::to_string(v));
  }
  return v;
}

}  // namespace

Tuning resolve_tuning(std::string_view concurrency, const Config& config) {
  Tuning t = preset(concurrency.empty() ? std::string_view("normal") : concurrency);
  t.readers = static_cast<uint32_t>(int_field(config, "readers", t.readers, 1, 64));
  t.writers = static_cast<uint32_t>(int_field(config, "writers", t.writers, 1, 64));
  t.batch_rows = static_cast<uint32_t>(int_field(config, "batch_rows", t.batch_rows, 1, 1000000));
  t.split_rows = static_cast<uint64_t>(
      int_field(config, "split_rows", static_cast<int64_t>(t.split_rows), 1, int64_t{1} << 40));
  t.queue_batches =
      static_cast<uint32_t>(int_field(config, "queue_batches", t.queue_batches, 1, 4096));
  t.queue_bytes = static_cast<uint64_t>(int_field(
      config, "queue_bytes", static_cast<int64_t>(t.queue_bytes), 1 << 16, int64_t{1} << 40));
  t.max_rows_per_second = rate_field(config, "max_rows_per_second", t.max_rows_per_second);
  t.max_bytes_per_second = rate_field(config, "max_bytes_per_second", t.max_bytes_per_second);
  return t;
}

std::string tuning_json(const Tuning& t) {
  return nlohmann::json{{"preset", t.preset},
                        {"readers", t.readers},
                        {"writers", t.writers},
                        {"batch_rows", t.batch_rows},
                        {"split_rows", t.split_rows},
                        {"queue_batches", t.queue_batches},
                        {"queue_bytes", t.queue_bytes},
                        {"max_rows_per_second", t.max_rows_per_second},
                        {"max_bytes_per_second", t.max_bytes_per_second}}
      .dump();
}

}  // namespace ferry::full_import
