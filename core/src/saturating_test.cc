// Saturating arithmetic at the ends of int64 (see saturating.h).
#include "ringkeeper/core/saturating.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

TEST(Saturating, AddClampsAtBothEnds) {
  EXPECT_EQ(saturating_add(1, 2), 3);
  EXPECT_EQ(saturating_add(kInt64Max, 1), kInt64Max);
  EXPECT_EQ(saturating_add(kInt64Max - 5, 2147483647LL * 1'000'000), kInt64Max);
  EXPECT_EQ(saturating_add(kInt64Min, -1), kInt64Min);
  EXPECT_EQ(saturating_add(kInt64Min, kInt64Max), -1);
  EXPECT_EQ(saturating_add(0, 0), 0);
}

TEST(Saturating, SubClampsAtBothEnds) {
  EXPECT_EQ(saturating_sub(5, 7), -2);
  EXPECT_EQ(saturating_sub(kInt64Min, 1), kInt64Min);
  EXPECT_EQ(saturating_sub(kInt64Max, -1), kInt64Max);
  EXPECT_EQ(saturating_sub(0, kInt64Min), kInt64Max);
}

TEST(Saturating, MulClampsWithTheSignOfTheProduct) {
  EXPECT_EQ(saturating_mul(6, 7), 42);
  EXPECT_EQ(saturating_mul(kInt64Max, 2), kInt64Max);
  EXPECT_EQ(saturating_mul(kInt64Max, -2), kInt64Min);
  EXPECT_EQ(saturating_mul(kInt64Min, -1), kInt64Max);
  EXPECT_EQ(saturating_mul(0, kInt64Min), 0);
}

TEST(Saturating, SecondsToMicrosClamps) {
  EXPECT_EQ(seconds_to_micros(2147483647), 2147483647LL * 1'000'000);
  EXPECT_EQ(seconds_to_micros(9223372036854775807), kInt64Max);
  EXPECT_EQ(seconds_to_micros(-9223372036854775807), kInt64Min);
}

}  // namespace
}  // namespace rk
