// What full import keeps in the task's checkpoints (ferry_host.checkpoint_write, namespaced by
// the stage), so that a restart — after a stop, a failure or kill -9 — copies exactly the
// chunks that were not finished:
//
//   plan/<schema.table>       the table's chunk plan: its splits, as the source planned them the
//                             first time (a restart copies the same chunks whatever the table
//                             has become)
//   chunk/<schema.table>/<n>  "started" before the first row of chunk n is written;
//                             "done <rows>" once its last batch is durable on the destination
//
// Keys use the source's schema and table names.
#pragma once

#include <ferry/sdk/values.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::full_import {

std::string plan_key(std::string_view table_key);
std::string chunk_key(std::string_view table_key, size_t n);

// A plan as bytes (JSON; opaque split bounds and key values hex-encoded) and back.
// decode_plan: FERRY_INVALID_ARGUMENT when the bytes are not a plan of this format.
Bytes encode_plan(const std::vector<Split>& splits);
std::vector<Split> decode_plan(const Bytes& bytes);

struct ChunkState {
  enum class Kind { Absent, Started, Done } kind = Kind::Absent;
  uint64_t rows = 0;  // Done: rows written
};
Bytes encode_started();
Bytes encode_done(uint64_t rows);
// An unreadable value reads as Started (its chunk is copied again, idempotently).
ChunkState decode_chunk(const std::optional<Bytes>& bytes);

}  // namespace ferry::full_import
