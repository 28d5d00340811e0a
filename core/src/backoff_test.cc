// Backoff delays and the retry loop.
#include "ringkeeper/core/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace rk {
namespace {

using std::chrono::milliseconds;

std::vector<milliseconds> delays(const BackoffOptions& o) {
  Backoff b(o);
  std::vector<milliseconds> out;
  while (auto d = b.next_delay()) out.push_back(*d);
  return out;
}

TEST(Backoff, WithoutJitterDoublesUpToTheCap) {
  BackoffOptions o{.max_attempts = 6,
                   .initial_delay = milliseconds(100),
                   .max_delay = milliseconds(500),
                   .multiplier = 2.0,
                   .jitter = 0.0};
  EXPECT_EQ(delays(o),
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(500), milliseconds(500)}));
}

TEST(Backoff, MaxAttemptsCountsTheFirstAttempt) {
  EXPECT_EQ(delays({.max_attempts = 1}).size(), 0u);
  EXPECT_EQ(delays({.max_attempts = 3}).size(), 2u);
}

TEST(Backoff, JitterStaysInRangeAndFollowsTheSeed) {
  BackoffOptions o{.max_attempts = 50,
                   .initial_delay = milliseconds(1000),
                   .max_delay = milliseconds(1000),
                   .jitter = 0.5,
                   .seed = 42};
  std::vector<milliseconds> a = delays(o);
  for (milliseconds d : a) {
    EXPECT_GE(d, milliseconds(500));
    EXPECT_LE(d, milliseconds(1000));
  }
  EXPECT_EQ(a, delays(o));
  o.seed = 43;
  EXPECT_NE(a, delays(o));
}

TEST(Backoff, RetriesOnlyRetryableFailures) {
  std::vector<milliseconds> slept;
  Sleeper sleep = [&](milliseconds d) { slept.push_back(d); };
  int calls = 0;
  Status s = retry_with_backoff(
      BackoffOptions{.max_attempts = 4, .jitter = 0.0},
      [&] { return ++calls < 3 ? Status::Unavailable("down") : Status::OK(); }, is_retryable,
      sleep);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(slept, (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));

  calls = 0;
  Result<int> r = retry_with_backoff(
      BackoffOptions{},
      [&]() -> Result<int> {
        ++calls;
        return Status::NotFound("gone");
      },
      is_retryable, sleep);
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(calls, 1);
}

TEST(Backoff, GivesUpAfterMaxAttempts) {
  int calls = 0;
  Result<int> r = retry_with_backoff(
      BackoffOptions{.max_attempts = 3},
      [&]() -> Result<int> {
        ++calls;
        return Status::Timeout("slow");
      },
      is_retryable, [](milliseconds) {});
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace rk
