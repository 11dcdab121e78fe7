// Bounded channels: backpressure by count and by bytes, end of stream, cancellation.
#include "task/channel.hpp"

#include <gtest/gtest.h>
#include <ferry/sdk.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace ferry::test {
namespace {

using namespace std::chrono_literals;

ferry_batch make_batch(size_t cell_bytes) {
  ferry::TableSchema t{"s", "t", {}};
  ferry::Column c;
  c.name = "v";
  c.type = FERRY_TYPE_TEXT;
  t.columns.push_back(c);
  auto b = ferry::BatchBuilder::rows(ferry::make_table(t));
  b.add_row({std::string(cell_bytes, 'x')});
  ferry_batch out{};
  std::move(b).export_to(&out);
  return out;
}

TEST(BoundedChannel, PushBlocksWhileFullUntilAPull) {
  host::BoundedChannel ch("a->b", 2, 1 << 20);
  for (int i = 0; i < 2; ++i) {
    auto b = make_batch(10);
    ASSERT_EQ(ch.push(&b), FERRY_OK);
    EXPECT_EQ(b.release, nullptr);  // taken
  }
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    auto b = make_batch(10);
    EXPECT_EQ(ch.push(&b), FERRY_OK);
    pushed = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(pushed.load()) << "a full channel must apply backpressure";
  EXPECT_EQ(ch.size(), 2u);
  ferry_batch out{};
  ASSERT_EQ(ch.pull(&out), FERRY_OK);
  ferry::OwnedBatch taken(&out);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(ch.size(), 2u);
}

TEST(BoundedChannel, ByteLimitBoundsMemoryButLetsOneLargeBatchThrough) {
  host::BoundedChannel ch("a->b", 100, 1000);
  auto big = make_batch(5000);  // larger than the limit: accepted into an empty channel
  ASSERT_EQ(ch.push(&big), FERRY_OK);
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    auto b = make_batch(10);
    EXPECT_EQ(ch.push(&b), FERRY_OK);
    pushed = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(ch.bytes(), 5000u);
  ferry_batch out{};
  ASSERT_EQ(ch.pull(&out), FERRY_OK);
  ferry::OwnedBatch taken(&out);
  producer.join();
  EXPECT_EQ(ch.bytes(), 10u);
}

TEST(BoundedChannel, CloseDeliversTheRestThenTheEnd) {
  host::BoundedChannel ch("a->b", 4, 1 << 20);
  auto b = make_batch(3);
  ASSERT_EQ(ch.push(&b), FERRY_OK);
  ch.close();
  ferry_batch out{};
  ASSERT_EQ(ch.pull(&out), FERRY_OK);
  ASSERT_NE(out.release, nullptr);
  ferry::OwnedBatch first(&out);
  ASSERT_EQ(ch.pull(&out), FERRY_OK);
  EXPECT_EQ(out.release, nullptr) << "closed and drained: end of stream";
  auto late = make_batch(1);
  EXPECT_EQ(ch.push(&late), FERRY_INVALID_ARGUMENT);
  late.release(&late);
  EXPECT_EQ(ch.batches_passed(), 1u);
}

TEST(BoundedChannel, CancelWakesBlockedProducerAndConsumer) {
  host::BoundedChannel full("a->b", 1, 1 << 20), empty("c->d", 1, 1 << 20);
  auto b = make_batch(1);
  ASSERT_EQ(full.push(&b), FERRY_OK);
  ferry_status push_status = FERRY_OK, pull_status = FERRY_OK;
  std::thread producer([&] {
    auto x = make_batch(1);
    push_status = full.push(&x);
    if (x.release) x.release(&x);  // not taken: still the caller's
  });
  std::thread consumer([&] {
    ferry_batch out{};
    pull_status = empty.pull(&out);
  });
  std::this_thread::sleep_for(50ms);
  full.cancel();
  empty.cancel();
  producer.join();
  consumer.join();
  EXPECT_EQ(push_status, FERRY_CANCELLED);
  EXPECT_EQ(pull_status, FERRY_CANCELLED);
}

TEST(BoundedChannel, RefusesWhatIsNotABatch) {
  host::BoundedChannel ch("a->b", 4, 1 << 20);
  ferry_batch end_marker{};  // release == NULL: would read as end of stream downstream
  end_marker.struct_size = sizeof(end_marker);
  EXPECT_EQ(ch.push(&end_marker), FERRY_INVALID_ARGUMENT);
  auto b = make_batch(3);
  b.struct_size = 8;  // not a ferry_batch this host knows
  EXPECT_EQ(ch.push(&b), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(b.release, nullptr) << "a refused batch stays the caller's";
  b.release(&b);
  EXPECT_EQ(ch.size(), 0u);

  // The SDK's Channel says so before it gets that far.
  ferry::Channel sdk(ch.c_channel());
  EXPECT_THROW(sdk.push(ferry::OwnedBatch{}), ferry::Error);
}

TEST(BoundedChannel, DrainedMeansClosedAndEmpty) {
  host::BoundedChannel ch("a->b", 4, 1 << 20);
  auto b = make_batch(3);
  ASSERT_EQ(ch.push(&b), FERRY_OK);
  ch.close();
  EXPECT_FALSE(ch.drained());
  ferry_batch out{};
  ASSERT_EQ(ch.pull(&out), FERRY_OK);
  ferry::OwnedBatch taken(&out);
  EXPECT_TRUE(ch.drained());
}

}  // namespace
}  // namespace ferry::test
