// Full import's pure parts: the concurrency presets and their overrides, and the checkpoint
// formats a restart reads back (a plan survives byte for byte, binary key values included).
#include <gtest/gtest.h>

#include <ferry/sdk/error.hpp>

#include "checkpoints.hpp"
#include "rate_limiter.hpp"
#include "tuning.hpp"

#include <string>
#include <vector>

namespace ferry::full_import {
namespace {

TEST(FullImportTuning, PresetsScaleThreadsBatchesAndQueue) {
  const Tuning s = preset("smooth"), n = preset("normal"), f = preset("fast");
  EXPECT_EQ(s.readers, 1u);
  EXPECT_EQ(s.writers, 1u);
  EXPECT_EQ(n.readers, 2u);
  EXPECT_EQ(n.writers, 2u);
  EXPECT_EQ(f.readers, 4u);
  EXPECT_EQ(f.writers, 4u);
  EXPECT_LT(s.batch_rows, n.batch_rows);
  EXPECT_LT(n.batch_rows, f.batch_rows);
  EXPECT_LT(s.queue_bytes, f.queue_bytes);
  EXPECT_EQ(s.max_rows_per_second, 0);
  EXPECT_THROW(preset("turbo"), Error);
}

TEST(FullImportTuning, FieldsOverrideThePresetAndAreChecked) {
  ferry_config_value readers{};
  readers.struct_size = sizeof(readers);
  readers.type = FERRY_FIELD_INT;
  readers.name = "readers";
  readers.int_value = 3;
  ferry_config_value cap{};
  cap.struct_size = sizeof(cap);
  cap.type = FERRY_FIELD_FLOAT;
  cap.name = "max_rows_per_second";
  cap.float_value = 500;
  const ferry_config_value* values[] = {&readers, &cap};
  ferry_config c{};
  c.struct_size = sizeof(c);
  c.count = 2;
  c.values = values;
  const Tuning t = resolve_tuning("fast", Config(&c));
  EXPECT_EQ(t.readers, 3u);
  EXPECT_EQ(t.writers, 4u);
  EXPECT_EQ(t.max_rows_per_second, 500);
  EXPECT_EQ(resolve_tuning("", Config()).preset, "normal");
  readers.int_value = 0;
  EXPECT_THROW(resolve_tuning("fast", Config(&c)), Error);
}

TEST(FullImportCheckpoints, APlanRoundTripsExactly) {
  Split a;
  a.schema = "shop";
  a.table = "odd \"name\"";
  a.bounds = {0, 1, 2, 255};
  a.display = "id < 10";
  a.row_estimate = 42;
  a.key_columns = {"k1", "k2"};
  a.upper = std::vector<std::string>{std::string("\x00\xff", 2), "é"};
  Split b = a;
  b.lower = a.upper;
  b.upper.reset();
  Split c;  // no key range at all
  c.schema = "s";
  c.table = "t";
  const auto back = decode_plan(encode_plan({a, b, c}));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].schema, a.schema);
  EXPECT_EQ(back[0].table, a.table);
  EXPECT_EQ(back[0].bounds, a.bounds);
  EXPECT_EQ(back[0].display, a.display);
  EXPECT_EQ(back[0].row_estimate, 42);
  EXPECT_EQ(back[0].key_columns, a.key_columns);
  EXPECT_FALSE(back[0].lower.has_value());
  EXPECT_EQ(back[0].upper, a.upper);
  EXPECT_EQ(back[1].lower, a.upper);
  EXPECT_FALSE(back[1].upper.has_value());
  EXPECT_TRUE(back[2].key_columns.empty());
  EXPECT_THROW(decode_plan(to_bytes("{\"v\":99,\"splits\":[]}")), Error);
  EXPECT_THROW(decode_plan(to_bytes("not json")), Error);
}

TEST(FullImportCheckpoints, ChunkStates) {
  EXPECT_EQ(decode_chunk(std::nullopt).kind, ChunkState::Kind::Absent);
  EXPECT_EQ(decode_chunk(encode_started()).kind, ChunkState::Kind::Started);
  const auto done = decode_chunk(encode_done(1234));
  EXPECT_EQ(done.kind, ChunkState::Kind::Done);
  EXPECT_EQ(done.rows, 1234u);
  // Anything unreadable is copied again (idempotently), never skipped.
  EXPECT_EQ(decode_chunk(to_bytes("done x")).kind, ChunkState::Kind::Started);
  EXPECT_EQ(chunk_key("s.t", 3), "chunk/s.t/3");
  EXPECT_EQ(plan_key("s.t"), "plan/s.t");
}

TEST(FullImportRateLimiter, BooksTimeByTheTighterCap) {
  RateLimiter none(0, 0);
  EXPECT_FALSE(none.active());
  RateLimiter rl(100, 1000);  // 100 rows/s, 1000 bytes/s
  const auto start = RateLimiter::Clock::now();
  rl.acquire(100, 10);                      // 1 s by rows — within the one-second burst
  const auto until = rl.acquire(10, 1000);  // + 1 s by bytes
  const double ahead = std::chrono::duration<double>(until - start).count();
  EXPECT_GT(ahead, 0.9);
  EXPECT_LT(ahead, 1.1);
}

}  // namespace
}  // namespace ferry::full_import
