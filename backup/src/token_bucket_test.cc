// The bandwidth limit's arithmetic on a manual clock: sleeps are recorded, never taken.
#include "token_bucket.h"

#include <gtest/gtest.h>

#include <vector>

namespace rk::backup {
namespace {

TEST(TokenBucket, BurstPassesThenTheRateIsEnforced) {
  ManualClock clock;
  std::vector<int64_t> slept_ms;
  TokenBucket bucket(1000, 500, clock, [&](std::chrono::milliseconds d) {
    slept_ms.push_back(d.count());
    clock.advance_micros(d.count() * 1000);
  });
  bucket.acquire(500);  // the burst
  EXPECT_TRUE(slept_ms.empty());
  bucket.acquire(1000);  // a second's worth: one second of waiting
  ASSERT_EQ(slept_ms.size(), 1u);
  EXPECT_NEAR(slept_ms[0], 1000, 2);
  // 10 s of 100-byte pieces at 1000 B/s: about 10 s of sleeping in all.
  int64_t before = clock.monotonic_micros();
  for (int i = 0; i < 100; ++i) bucket.acquire(100);
  EXPECT_NEAR(static_cast<double>(clock.monotonic_micros() - before), 10e6, 0.2e6);
}

TEST(TokenBucket, QuietTimeRefillsOnlyUpToTheBurst) {
  ManualClock clock;
  int sleeps = 0;
  TokenBucket bucket(1000, 100, clock, [&](std::chrono::milliseconds d) {
    ++sleeps;
    clock.advance_micros(d.count() * 1000);
  });
  clock.advance_seconds(60);
  bucket.acquire(100);
  EXPECT_EQ(sleeps, 0);
  bucket.acquire(100);
  EXPECT_EQ(sleeps, 1);
}

}  // namespace
}  // namespace rk::backup
