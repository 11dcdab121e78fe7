// Full import's sizing: the concurrency presets (smooth / normal / fast) and the stage's config
// fields that override them. docs/components.md ("full-import") documents the table.
#pragma once

#include <ferry/sdk/host.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::full_import {

struct Tuning {
  std::string preset;                  // the preset it started from
  uint32_t readers = 2;                // reader threads, each with its own source instance
  uint32_t writers = 2;                // writer threads, each with its own destination instance
  uint32_t batch_rows = 2000;          // rows per batch read from the source
  uint64_t split_rows = 100000;        // target rows per chunk (the source's split size)
  uint32_t queue_batches = 8;          // batches between readers and writers, at most
  uint64_t queue_bytes = 64ull << 20;  // cell bytes between readers and writers, at most
  double max_rows_per_second = 0;      // 0 = no cap
  double max_bytes_per_second = 0;     // 0 = no cap
};

// The preset named `name` ("smooth", "normal", "fast"); FERRY_INVALID_ARGUMENT otherwise.
Tuning preset(std::string_view name);

// The preset of the task's concurrency, with the stage's config fields (readers, writers,
// batch_rows, split_rows, queue_batches, queue_bytes, max_rows_per_second,
// max_bytes_per_second) applied over it. Out-of-range values are FERRY_INVALID_ARGUMENT naming
// the field.
Tuning resolve_tuning(std::string_view concurrency, const Config& config);

// {"preset":"normal","readers":2,...} for the status page.
std::string tuning_json(const Tuning& t);

}  // namespace ferry::full_import
