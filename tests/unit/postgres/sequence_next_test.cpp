// The next value of a sequence from its state, as nextval() computes it (PostgreSQL's
// sequence.c): the catalog reports it as an identity column's identity_next.
#include <gtest/gtest.h>

#include "catalog.hpp"

#include <cstdint>
#include <limits>

namespace ferry::pg {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(PgSequenceNext, NotCalledYetGivesLastValueItself) {
  EXPECT_EQ(sequence_next(1, false, 1, 1, kMax, false), 1);        // fresh
  EXPECT_EQ(sequence_next(1000, false, 1, 1, kMax, false), 1000);  // RESTART WITH 1000
  EXPECT_EQ(sequence_next(-1, false, -1, kMin, -1, false), -1);    // a fresh descending one
}

TEST(PgSequenceNext, CalledAddsTheIncrement) {
  EXPECT_EQ(sequence_next(3, true, 1, 1, kMax, false), 4);
  EXPECT_EQ(sequence_next(20, true, 5, 10, kMax, false), 25);
  EXPECT_EQ(sequence_next(-3, true, -2, kMin, -1, false), -5);
}

TEST(PgSequenceNext, AtItsLimitCyclesOrHasNone) {
  EXPECT_EQ(sequence_next(10, true, 1, 1, 10, false), -1);
  EXPECT_EQ(sequence_next(10, true, 1, 1, 10, true), 1);
  EXPECT_EQ(sequence_next(8, true, 5, 1, 10, true), 1);
  EXPECT_EQ(sequence_next(-10, true, -1, -10, -1, true), -1);  // cycles to its max, -1
  EXPECT_EQ(sequence_next(-10, true, -1, -10, -1, false), -1);
  EXPECT_EQ(sequence_next(kMax, true, 1, 1, kMax, false), -1);  // no overflow
  EXPECT_EQ(sequence_next(kMax - 1, true, 1, 1, kMax, false), kMax);
  EXPECT_EQ(sequence_next(kMin, true, -1, kMin, -1, true), -1);
  EXPECT_EQ(sequence_next(kMin + 1, true, -1, kMin, 5, true), kMin);
}

}  // namespace
}  // namespace ferry::pg
