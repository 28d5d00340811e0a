#include "ringkeeper/repair/gc_grace.h"

#include <gtest/gtest.h>

#include <limits>

#include "test_rings.h"

namespace rk::repair {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kDay = 86400 * kSec;
constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr int64_t kTenDays = 864000;

RepairWork work(std::string table, int64_t gc_grace, int64_t oldest, int64_t bytes) {
  return RepairWork{{TableRef{"ks", std::move(table), gc_grace}}, oldest, 0, bytes};
}

TEST(GcGrace, DeadlineIsOldestRepairPlusTheSmallestGcGraceOfTheGroup) {
  RepairWork w{{{"ks", "a", kTenDays}, {"ks", "b", 3 * 86400}}, kNow - kDay, 0, 0};
  auto out = forecast_deadlines({w}, kNow, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 2u);
  for (const TableDeadline& d : out) {
    EXPECT_EQ(d.gc_grace_seconds, 3 * 86400);
    EXPECT_EQ(d.deadline_us, kNow + 2 * kDay);
    EXPECT_EQ(d.state, DeadlineState::kOk) << d.message;
  }
  EXPECT_EQ(out[1].table.table, "b");
}

TEST(GcGrace, OrdersWorkByDeadlineAndQueuesIt) {
  // 1 MB/s; each group 1 day of work. "late" is due first, so it goes first and "early" waits.
  const int64_t day_bytes = 86400 * 1'000'000LL;
  auto out = forecast_deadlines({work("early", kTenDays, kNow - 1 * kDay, day_bytes),
                                 work("late", kTenDays, kNow - 5 * kDay, day_bytes)},
                                kNow, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].table.table, "late");
  EXPECT_EQ(out[0].forecast_done_us, kNow + kDay);
  EXPECT_EQ(out[1].forecast_done_us, kNow + 2 * kDay);
  EXPECT_EQ(out[0].state, DeadlineState::kOk) << out[0].message;
  // Deadline in 5 days, 2-day margin, done in 1 day: OK with 4 days to spare.
  EXPECT_NE(out[0].message.find("4.0 days before the deadline"), std::string::npos)
      << out[0].message;
}

TEST(GcGrace, AtRiskLongBeforeTheDeadline) {
  // Deadline in 8 days, 7 days of work: past deadline - margin (2 days).
  auto out = forecast_deadlines({work("t", kTenDays, kNow - 2 * kDay, 7 * 86400 * 1'000'000LL)},
                                kNow, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, DeadlineState::kAtRisk);
  EXPECT_NE(out[0].message.find("past the safe point"), std::string::npos) << out[0].message;
}

TEST(GcGrace, WindowsStretchTheForecast) {
  // 5 days of work, but only 8 h a day are open: 15 days, past a deadline 8 days away.
  ForecastOptions o{.bytes_per_second = 1e6};
  o.windows = MaintenanceSchedule::parse("daily 22:00-06:00").value();
  auto out =
      forecast_deadlines({work("t", kTenDays, kNow - 2 * kDay, 5 * 86400 * 1'000'000LL)}, kNow, o);
  EXPECT_EQ(out[0].state, DeadlineState::kAtRisk) << out[0].message;
  EXPECT_GT(out[0].forecast_done_us, kNow + 14 * kDay);
}

TEST(GcGrace, OverdueAndNeverRepaired) {
  auto out =
      forecast_deadlines({work("old", kTenDays, kNow - 11 * kDay, 0), work("new", kTenDays, 0, 10)},
                         kNow, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].table.table, "new");  // unknown deadline goes first
  EXPECT_EQ(out[0].state, DeadlineState::kNeverRepaired);
  EXPECT_EQ(out[0].deadline_us, 0);
  EXPECT_EQ(out[1].state, DeadlineState::kOverdue);
  EXPECT_NE(out[1].message.find("OVERDUE by 24.0 hours"), std::string::npos) << out[1].message;

  RepairWork seen = work("seen", kTenDays, 0, 10);
  seen.first_seen_at_us = kNow - kDay;
  auto s = forecast_deadlines({seen}, kNow, {});
  EXPECT_EQ(s[0].deadline_us, kNow + 9 * kDay);
  EXPECT_EQ(s[0].state, DeadlineState::kNeverRepaired);
}

TEST(GcGrace, UnknownPaceIsAtRiskOnlyInsideTheMargin) {
  auto fine = forecast_deadlines({work("t", kTenDays, kNow - kDay, 100)}, kNow, {});
  EXPECT_EQ(fine[0].state, DeadlineState::kOk);
  EXPECT_EQ(fine[0].forecast_done_us, 0);
  auto close = forecast_deadlines({work("t", kTenDays, kNow - 9 * kDay, 100)}, kNow, {});
  EXPECT_EQ(close[0].state, DeadlineState::kAtRisk);
}

TEST(GcGrace, DefaultIntervalLeavesRoomForACycleAndTheMargin) {
  auto a = default_repair_interval(kTenDays, std::chrono::hours(24));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->interval, std::chrono::seconds(kTenDays - 86400 * 5 / 4 - 2 * 86400));
  auto unknown = default_repair_interval(kTenDays, std::chrono::seconds(0));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->interval, std::chrono::seconds(kTenDays - kTenDays / 4 - 2 * 86400));
  EXPECT_NE(unknown->explanation.find("assumed"), std::string::npos);
  auto too_long = default_repair_interval(kTenDays, std::chrono::hours(24 * 4));
  EXPECT_EQ(too_long.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(default_repair_interval(0, std::chrono::seconds(1)).ok());
}

TEST(GcGrace, ObservedPaceCountsOpenTimeOnly) {
  auto p = testing::place({{"a", "dc", "r", {0}}, {"b", "dc", "r", {100}}}, Replication::simple(1));
  SegmentPlanOptions po;
  po.min_replicas = 1;
  SegmentPlan plan =
      plan_segments(p, "ks", {"t"}, testing::uniform_sizes(p.ring(), 1000), po).value();
  ASSERT_EQ(plan.segments.size(), 2u);
  std::vector<SegmentProgress> progress(2);
  EXPECT_EQ(observed_bytes_per_second(plan, progress, kNow), 0);
  const int64_t b0 = plan.segments[0].estimated_bytes;
  const int64_t b1 = plan.segments[1].estimated_bytes;
  progress[0] = {SegmentState::kDone, 1, kNow - 100 * kSec, kNow - 50 * kSec};
  progress[1] = {SegmentState::kDone, 1, kNow - 50 * kSec, kNow};
  EXPECT_DOUBLE_EQ(observed_bytes_per_second(plan, progress, kNow),
                   static_cast<double>(b0 + b1) / 100);
}

// ---- At the limits of int64: deadlines saturate instead of wrapping into the past ----

constexpr int64_t kMaxGcGrace = 2147483647;  // Cassandra's bound, 68 years
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

TEST(GcGrace, HugeGcGraceJustAfterAFullRepairIsOk) {
  for (const int64_t gc_grace : {kMaxGcGrace, kInt64Max}) {
    auto out = forecast_deadlines({work("t", gc_grace, kNow - 3 * kSec, 0)}, kNow,
                                  {.bytes_per_second = 1e6});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].state, DeadlineState::kOk) << gc_grace << ": " << out[0].message;
    EXPECT_GT(out[0].deadline_us, kNow) << gc_grace;
  }
  // With no pace known either (the AT_RISK test against the margin).
  auto out = forecast_deadlines({work("t", kInt64Max, kNow - 3 * kSec, 1000)}, kNow, {});
  EXPECT_EQ(out[0].state, DeadlineState::kOk) << out[0].message;
  EXPECT_EQ(out[0].deadline_us, kInt64Max);
}

TEST(GcGrace, RepairNearTheEndOfTimeSaturatesTheDeadline) {
  const int64_t late = kInt64Max - kDay;
  auto out =
      forecast_deadlines({work("t", kMaxGcGrace, late, 0)}, late + kSec, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].deadline_us, kInt64Max);
  EXPECT_EQ(out[0].state, DeadlineState::kOk) << out[0].message;
}

TEST(GcGrace, ZeroGcGraceIsOverdueAtOnce) {
  auto out = forecast_deadlines({work("t", 0, kNow - kSec, 0)}, kNow, {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].deadline_us, kNow - kSec);
  EXPECT_EQ(out[0].state, DeadlineState::kOverdue) << out[0].message;
}

TEST(GcGrace, NowAtTheStartOfTimeDoesNotWrap) {
  // A clock reading near INT64_MIN (a broken clock): the overdue text's "now - deadline" and the
  // margin arithmetic saturate rather than overflow.
  auto out = forecast_deadlines({work("t", kMaxGcGrace, kNow, 0)}, kInt64Min + 1,
                                {.bytes_per_second = 1e6});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].state, DeadlineState::kOverdue) << out[0].message;
}

TEST(GcGrace, DefaultIntervalForTheLargestGcGrace) {
  auto advice = default_repair_interval(kMaxGcGrace, std::chrono::seconds(0));
  ASSERT_TRUE(advice.ok()) << advice.status().to_string();
  EXPECT_GT(advice->interval.count(), 0);
  EXPECT_LT(advice->interval.count(), kMaxGcGrace);
  auto huge = default_repair_interval(kInt64Max, std::chrono::seconds(0));
  ASSERT_TRUE(huge.ok()) << huge.status().to_string();
  EXPECT_GT(huge->interval.count(), 0);
}

}  // namespace
}  // namespace rk::repair
