// A 30-day virtual-clock simulation of scheduled repairs: with the capacity to keep up, every
// range is repaired again within gc_grace and the forecast never cries wolf; without it, the
// forecast says AT_RISK long before the first deadline.
#include <gtest/gtest.h>

#include "ringkeeper/core/time_text.h"
#include "ringkeeper/repair/gc_grace.h"
#include "ringkeeper/repair/segment_plan.h"
#include "ringkeeper/repair/segment_selection.h"
#include "test_rings.h"
#include "test_simulation.h"

namespace rk::repair {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kHour = 3600 * kSec;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStart = 1'800'000'000'000'000;
constexpr int64_t kGcGrace = 10 * 86400;  // seconds
constexpr int64_t kGiB = int64_t{1} << 30;

struct Scenario {
  int64_t bytes_per_node;
  int64_t target_segment_bytes;
  double intensity;
  std::string windows;  // maintenance schedule spec ("" = always open)
};

struct Outcome {
  int64_t worst_age_us = 0;      // the oldest any range got (now - its last repair start)
  int64_t first_at_risk_us = 0;  // when the forecast first said AT_RISK/OVERDUE (0: never)
  int64_t first_deadline_us = 0;
  int cycles = 0;
  std::vector<std::string> messages;
};

// Repairs the keyspace on a schedule for 30 days: each run starts at the interval
// default_repair_interval() derives from the last cycle's duration. Ranges count as repaired at
// the start of their successful session (the data it compared was pinned then).
Outcome simulate_30_days(const Scenario& sc, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto placement = testing::place(testing::random_nodes(rng, 12, 8, 1), Replication::simple(3));
  SegmentPlanOptions po;
  po.target_segment_bytes = sc.target_segment_bytes;
  SegmentPlan plan = plan_segments(placement, "ks", {"t"},
                                   testing::uniform_sizes(placement.ring(), sc.bytes_per_node), po)
                         .value();
  SelectionOptions so;
  so.mode = RepairMode::kParallel;
  so.intensity = sc.intensity;
  so.max_wait_details = 0;
  so.windows = MaintenanceSchedule::parse(sc.windows).value();
  ForecastOptions fo;
  fo.windows = so.windows;
  testing::SimOptions sim_options;
  sim_options.failure_rate = 0.02;
  sim_options.seed = seed;
  testing::Simulator sim(plan, so, sim_options);

  Outcome out;
  std::vector<int64_t> repaired_at(plan.segments.size(), kStart - kDay);
  out.first_deadline_us = kStart - kDay + kGcGrace * kSec;
  const int64_t end = kStart + 30 * kDay;
  double pace = 0;
  int64_t next_sample = kStart;
  auto check = [&](int64_t now, const std::vector<SegmentProgress>& progress, bool in_run) {
    int64_t oldest = std::numeric_limits<int64_t>::max();
    for (int64_t t : repaired_at) {
      oldest = std::min(oldest, t);
      out.worst_age_us = std::max(out.worst_age_us, now - t);
    }
    if (now < next_sample) return;
    next_sample = now + 6 * kHour;
    int64_t remaining = 0;
    for (size_t i = 0; i < plan.segments.size(); ++i) {
      if (!in_run || progress[i].state != SegmentState::kDone) {
        remaining += plan.segments[i].estimated_bytes;
      }
    }
    if (in_run) {
      const double observed = observed_bytes_per_second(plan, progress, now, so.windows);
      if (observed > 0) pace = observed;
    }
    fo.bytes_per_second = pace;
    auto d = forecast_deadlines({{{{"ks", "t", kGcGrace}}, oldest, 0, remaining}}, now, fo);
    if (d[0].state != DeadlineState::kOk && out.first_at_risk_us == 0) {
      out.first_at_risk_us = now;
      out.messages.push_back(format_time_us(now, TimeForm::kRfc3339Seconds) + " " + d[0].message);
    }
  };

  int64_t run_start = kStart;
  while (run_start < end) {
    testing::SimResult r = sim.run(run_start, {}, [&](int64_t now, const auto& progress) {
      for (size_t i = 0; i < progress.size(); ++i) {
        if (progress[i].state == SegmentState::kDone) {
          repaired_at[i] = std::max(repaired_at[i], progress[i].started_at_us);
        }
      }
      check(now, progress, true);
    });
    EXPECT_FALSE(r.stuck);
    if (r.stuck) break;
    ++out.cycles;
    const int64_t cycle_us = so.windows.open_time(run_start, r.finished_at_us);
    auto advice = default_repair_interval(kGcGrace, std::chrono::seconds(cycle_us / kSec + 1), fo,
                                          r.finished_at_us);
    const int64_t interval = advice.ok() ? advice->interval.count() * kSec : 0;
    const int64_t next = std::max(r.finished_at_us, run_start + interval);
    // Idle until the next run, sampling the forecast and the ranges' ages.
    for (int64_t t = r.finished_at_us; t < next && t < end; t += kHour) check(t, r.progress, false);
    check(std::min(next, end), r.progress, false);
    run_start = next;
  }
  return out;
}

TEST(GcGraceSimulation, KeepsEveryDeadlineWhenTheClusterCanKeepUp) {
  // ~1.6 TB of ring data, ~1 day per cycle at intensity 0.1.
  for (uint64_t seed : {1u, 2u}) {
    Outcome o = simulate_30_days({400 * kGiB, 8 * kGiB, 0.1, ""}, seed);
    EXPECT_GE(o.cycles, 3);
    EXPECT_LE(o.worst_age_us, kGcGrace * kSec) << "a range outlived gc_grace";
    EXPECT_GT(o.worst_age_us, kGcGrace * kSec / 2);  // the schedule did use the room it had
    EXPECT_EQ(o.first_at_risk_us, 0) << (o.messages.empty() ? "" : o.messages[0]);
  }
}

TEST(GcGraceSimulation, KeepsEveryDeadlineInsideNightlyWindows) {
  // Only 22:00-06:00 is open: a third of the time.
  Outcome o = simulate_30_days({400 * kGiB, 8 * kGiB, 0.3, "daily 22:00-06:00"}, 3);
  EXPECT_GE(o.cycles, 3);
  EXPECT_LE(o.worst_age_us, kGcGrace * kSec);
  EXPECT_GT(o.worst_age_us, kGcGrace * kSec / 2);
  EXPECT_EQ(o.first_at_risk_us, 0) << (o.messages.empty() ? "" : o.messages[0]);
}

TEST(GcGraceSimulation, SaysAtRiskLongBeforeTheDeadlineWhenItCannotKeepUp) {
  // 100x the data: a cycle takes longer than gc_grace.
  Outcome o = simulate_30_days({40'000 * kGiB, 512 * kGiB, 0.5, ""}, 4);
  ASSERT_NE(o.first_at_risk_us, 0);
  // Said with at least two days (the margin) to spare, while the data is still safe.
  EXPECT_LE(o.first_at_risk_us, o.first_deadline_us - 2 * kDay) << o.messages[0];
  EXPECT_GT(o.worst_age_us, kGcGrace * kSec);  // and indeed it could not keep up
}

}  // namespace
}  // namespace rk::repair
