// Alert lifecycle: raise at the threshold, clear only past it by the hysteresis margin, change
// only when the condition held for the whole sustain window, one event per change.
#include "ringkeeper/monitor/alert_state.h"

#include <gtest/gtest.h>

namespace rk::monitor {
namespace {

constexpr int64_t kSecond = 1'000'000;

Range range(std::string_view s) { return *parse_range(s); }

// Free percent: warn below 60, critical below 50.
AlertOptions free_percent(double hysteresis = 0, int64_t sustain = 0) {
  return AlertOptions{Thresholds{range("60%:"), range("50%:")}, hysteresis, sustain};
}

TEST(SustainedState, ZeroWindowFollowsEverySample) {
  SustainedState s(0);
  EXPECT_EQ(s.add(0, State::kCritical), State::kCritical);
  EXPECT_EQ(s.add(1, State::kOk), State::kOk);
  EXPECT_EQ(s.add(2, State::kWarning), State::kWarning);
}

TEST(SustainedState, OneSpikeDoesNotChangeTheState) {
  SustainedState s(60 * kSecond);
  EXPECT_EQ(s.add(0, State::kOk), State::kOk);
  EXPECT_EQ(s.add(10 * kSecond, State::kCritical), State::kOk);
  EXPECT_EQ(s.add(20 * kSecond, State::kOk), State::kOk);
  for (int64_t t = 30; t <= 200; t += 10) EXPECT_EQ(s.add(t * kSecond, State::kOk), State::kOk);
}

TEST(SustainedState, ConditionHeldForTheWholeWindowChangesTheState) {
  SustainedState s(60 * kSecond);
  s.add(0, State::kOk);
  for (int64_t t = 10; t < 70; t += 10) {
    EXPECT_EQ(s.add(t * kSecond, State::kCritical), State::kOk) << t;
  }
  // Critical since t=10: at t=70 it has held for 60 s.
  EXPECT_EQ(s.add(70 * kSecond, State::kCritical), State::kCritical);
}

TEST(SustainedState, MixedWarningAndCriticalRaisesTheLevelThatHeldThroughout) {
  SustainedState s(30 * kSecond);
  s.add(0, State::kOk);
  s.add(10 * kSecond, State::kWarning);
  s.add(20 * kSecond, State::kCritical);
  s.add(30 * kSecond, State::kWarning);
  EXPECT_EQ(s.add(40 * kSecond, State::kCritical), State::kWarning);
}

TEST(SustainedState, ClearingAlsoNeedsTheWholeWindow) {
  SustainedState s(20 * kSecond, State::kCritical);
  s.add(0, State::kCritical);
  EXPECT_EQ(s.add(10 * kSecond, State::kOk), State::kCritical);
  EXPECT_EQ(s.add(20 * kSecond, State::kOk), State::kCritical);
  EXPECT_EQ(s.add(30 * kSecond, State::kOk), State::kOk);
}

TEST(SustainedState, UnknownOnlyWhenUnknownThroughoutAndNeverBreaksACondition) {
  SustainedState s(20 * kSecond);
  s.add(0, State::kOk);
  s.add(10 * kSecond, State::kUnknown);
  EXPECT_EQ(s.add(20 * kSecond, State::kUnknown), State::kOk);
  EXPECT_EQ(s.add(30 * kSecond, State::kUnknown), State::kUnknown);
  // Back to measuring: the level that held since the window's start.
  s.add(40 * kSecond, State::kWarning);
  s.add(50 * kSecond, State::kWarning);
  EXPECT_EQ(s.add(60 * kSecond, State::kWarning), State::kWarning);
}

TEST(Alert, RaisesAtTheThresholdWithOneEvent) {
  ManualClock clock;
  Alert a("disk_free", free_percent(), clock);
  EXPECT_FALSE(a.observe(60).has_value());  // 60 is inside 60:, no alert
  auto e = a.observe(59, "59% free");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->time_micros, clock.now_micros());
  EXPECT_EQ(e->signal, "disk_free");
  EXPECT_EQ(e->old_state, State::kOk);
  EXPECT_EQ(e->new_state, State::kWarning);
  EXPECT_EQ(e->value, 59);
  EXPECT_EQ(e->message, "disk_free OK -> WARNING: 59% free");
  EXPECT_FALSE(a.observe(58).has_value());  // no event without a change
  EXPECT_EQ(a.state(), State::kWarning);
}

TEST(Alert, ClearsOnlyPastTheThresholdPlusTheMargin) {
  ManualClock clock;
  Alert a("disk_free", free_percent(/*hysteresis=*/5), clock);
  ASSERT_TRUE(a.observe(59).has_value());
  EXPECT_FALSE(a.observe(61).has_value());  // back above 60 but not above 65
  EXPECT_FALSE(a.observe(64.9).has_value());
  auto e = a.observe(65);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->old_state, State::kWarning);
  EXPECT_EQ(e->new_state, State::kOk);
  EXPECT_EQ(e->message, "disk_free WARNING -> OK: value 65");
}

TEST(Alert, CriticalStepsDownToWarningWhenOnlyTheCriticalRangeClears) {
  ManualClock clock;
  Alert a("disk_free", free_percent(2), clock);
  ASSERT_EQ(a.observe(45)->new_state, State::kCritical);
  EXPECT_FALSE(a.observe(51).has_value());  // not yet 50 + 2
  auto e = a.observe(53);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->old_state, State::kCritical);
  EXPECT_EQ(e->new_state, State::kWarning);
  EXPECT_EQ(a.observe(70)->new_state, State::kOk);
}

TEST(Alert, SustainedAwaitDoesNotPageOnASpike) {
  ManualClock clock;
  // await in seconds: warn above 20 ms, critical above 100 ms, sustained for 60 s.
  Alert a("await:vda", AlertOptions{Thresholds{range("20ms"), range("100ms")}, 0, 60 * kSecond},
          clock);
  EXPECT_FALSE(a.observe(0.009).has_value());
  clock.advance_seconds(10);
  EXPECT_FALSE(a.observe(3.0).has_value());  // one 3000 ms spike
  clock.advance_seconds(10);
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(a.observe(0.009).has_value());
    clock.advance_seconds(10);
  }
  EXPECT_EQ(a.state(), State::kOk);
  // Now overloaded for good: CRITICAL once it has lasted 60 s.
  std::optional<AlertEvent> e;
  int samples = 0;
  while (!e && samples < 20) {
    e = a.observe(3.0);
    clock.advance_seconds(10);
    ++samples;
  }
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(samples, 7);  // samples at 0,10,...,60 s of the overload
  EXPECT_EQ(e->new_state, State::kCritical);
}

TEST(Alert, UnknownCarriesTheReasonAndNoValue) {
  ManualClock clock;
  Alert a("disk_free", free_percent(), clock);
  auto e = a.observe_unknown("cannot statvfs /data: Permission denied");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->new_state, State::kUnknown);
  EXPECT_FALSE(e->value.has_value());
  EXPECT_EQ(e->message, "disk_free OK -> UNKNOWN: cannot statvfs /data: Permission denied");
  auto back = a.observe(80);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->old_state, State::kUnknown);
  EXPECT_EQ(back->new_state, State::kOk);
}

TEST(Alert, InsideRangesUseTheMarginOutward) {
  ManualClock clock;
  Alert a("x", AlertOptions{Thresholds{range("@10:20"), std::nullopt}, 1, 0}, clock);
  ASSERT_EQ(a.observe(15)->new_state, State::kWarning);
  EXPECT_FALSE(a.observe(20.5).has_value());
  EXPECT_EQ(a.observe(21.5)->new_state, State::kOk);
}

}  // namespace
}  // namespace rk::monitor
