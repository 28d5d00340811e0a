// The per-tick choice of a repair run's segments: which start, which stop, and the reason each
// waiting segment gives (replicas busy or down, load gates, intensity, retries, windows).
#include "ringkeeper/repair/segment_selection.h"

#include <gtest/gtest.h>

#include "ringkeeper/core/time_text.h"
#include "test_rings.h"

namespace rk::repair {
namespace {

using testing::place;

constexpr int64_t kNow = 1'800'000'000'000'000;  // 2027-01-15
constexpr int64_t kSec = 1'000'000;

// Six nodes, one token each, RF 3: six segments, each replica set three consecutive nodes.
struct Fixture {
  Fixture() {
    auto p = place({{"a", "dc1", "r", {0}},
                    {"b", "dc1", "r", {100}},
                    {"c", "dc1", "r", {200}},
                    {"d", "dc1", "r", {300}},
                    {"e", "dc1", "r", {400}},
                    {"f", "dc1", "r", {500}}},
                   Replication::simple(3));
    plan = plan_segments(p, "ks", {"t"}, {}).value();
    progress.resize(plan.segments.size());
    for (const PlanHost& h : plan.hosts) {
      nodes.push_back({h.host_id, "10.0.0." + h.host_id, NodeState::kNormal});
    }
  }
  Selection select(const SelectionOptions& o, int64_t now = kNow) {
    auto s = select_segments({&plan, progress, nodes, now}, o);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return std::move(s).value();
  }
  NodeCondition& node(std::string_view id) {
    for (auto& n : nodes) {
      if (n.host_id == id) return n;
    }
    throw std::runtime_error("no such node");
  }
  SegmentPlan plan;
  std::vector<SegmentProgress> progress;
  std::vector<NodeCondition> nodes;
};

std::vector<uint32_t> started(const Selection& s) {
  std::vector<uint32_t> out;
  for (const auto& st : s.start) out.push_back(st.segment);
  return out;
}

const SegmentWait* wait_of(const Selection& s, uint32_t segment) {
  for (const auto& w : s.waiting) {
    if (w.segment == segment) return &w;
  }
  return nullptr;
}

TEST(SegmentSelection, SequentialStartsOneSessionAtATime) {
  Fixture f;
  Selection s = f.select({});
  ASSERT_EQ(s.start.size(), 1u);
  EXPECT_EQ(s.start[0].validation, "sequential");
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kSequentialTurn)], 5u);
  f.progress[s.start[0].segment] = {SegmentState::kRunning, 1, kNow};
  Selection again = f.select({}, kNow + kSec);
  EXPECT_TRUE(again.start.empty());
  EXPECT_FALSE(again.finished);
  EXPECT_EQ(again.next_check_us, kNow + 30 * 60 * kSec);  // the running session's timeout
}

TEST(SegmentSelection, SequentialNeverRepeatsTheReplicaSetJustRepaired) {
  Fixture f;
  int64_t now = kNow;
  std::vector<std::vector<uint32_t>> order;
  for (int k = 0; k < 6; ++k) {
    Selection s = f.select({}, now);
    ASSERT_EQ(s.start.size(), 1u);
    const uint32_t id = s.start[0].segment;
    f.progress[id] = {SegmentState::kDone, 1, now, now + 10 * kSec};
    order.push_back(f.plan.segments[id].replicas);
    now += 11 * kSec;
  }
  EXPECT_TRUE(f.select({}, now).finished);
  for (size_t k = 1; k < order.size(); ++k) EXPECT_NE(order[k], order[k - 1]);
}

TEST(SegmentSelection, DownReplicaSkipsOnlyItsSegments) {
  Fixture f;
  f.node("a").state = NodeState::kDown;
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  Selection s = f.select(o);
  // a is a replica of three of the six segments; the three others cannot all run at once (they
  // share nodes), but at least one starts.
  EXPECT_FALSE(s.start.empty());
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kReplicaUnavailable)], 3u);
  bool named = false;
  for (const auto& w : s.waiting) named |= w.message == "replica 10.0.0.a DOWN";
  EXPECT_TRUE(named);
  for (uint32_t id : started(s)) {
    EXPECT_EQ(std::count(f.plan.segments[id].replicas.begin(), f.plan.segments[id].replicas.end(),
                         static_cast<uint32_t>(f.plan.host_index("a"))),
              0);
  }
}

TEST(SegmentSelection, ParallelStartsConflictFreeSessionsUpToTheLimit) {
  Fixture f;
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  Selection s = f.select(o);
  EXPECT_EQ(s.start.size(), 2u);  // 6 nodes / RF 3
  EXPECT_EQ(s.start[0].validation, "parallel");
  std::set<uint32_t> used;
  for (uint32_t id : started(s)) {
    for (uint32_t r : f.plan.segments[id].replicas) EXPECT_TRUE(used.insert(r).second);
  }
  o.concurrency = 1;
  Selection one = f.select(o);
  EXPECT_EQ(one.start.size(), 1u);
  EXPECT_GT(one.waiting_by_kind[static_cast<size_t>(WaitKind::kConcurrencyLimit)], 0u);
}

TEST(SegmentSelection, NodesInOtherRunsSessionsAreBusy) {
  Fixture f;
  for (auto& n : f.nodes) n.in_other_session = true;
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  Selection s = f.select(o);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kReplicaBusy)], 6u);
}

TEST(SegmentSelection, LoadGatesPostponeWithTheReason) {
  Fixture f;
  for (auto& n : f.nodes) n.pending_compactions = 40;
  Selection s = f.select({});
  EXPECT_TRUE(s.start.empty());
  ASSERT_FALSE(s.waiting.empty());
  EXPECT_EQ(s.waiting[0].kind, WaitKind::kLoad);
  EXPECT_EQ(s.waiting[0].message.rfind("pending compactions 40 > 20 on 10.0.0.", 0), 0u)
      << s.waiting[0].message;

  for (auto& n : f.nodes) n.pending_compactions = 0;
  f.node("c").disk = SignalState::kCritical;
  f.node("c").disk_message = "free 2%";
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  s = f.select(o);
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kLoad)], 3u);
  bool named = false;
  for (const auto& w : s.waiting) named |= w.message == "disk CRITICAL on 10.0.0.c: free 2%";
  EXPECT_TRUE(named);

  f.node("c").disk = SignalState::kOk;
  f.node("d").await = SignalState::kCritical;
  s = f.select(o);
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kLoad)], 3u);
  o.gate_on_await = false;
  EXPECT_EQ(f.select(o).waiting_by_kind[static_cast<size_t>(WaitKind::kLoad)], 0u);
}

TEST(SegmentSelection, IntensityRestsTheNodesOfTheLastSession) {
  Fixture f;
  // Segment 0 took 100 s; at intensity 0.25 its nodes rest 300 s.
  f.progress[0] = {SegmentState::kDone, 1, kNow - 100 * kSec, kNow};
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  o.intensity = 0.25;
  Selection s = f.select(o, kNow + 10 * kSec);
  for (uint32_t id : started(s)) {
    for (uint32_t r : f.plan.segments[id].replicas) {
      EXPECT_EQ(
          std::count(f.plan.segments[0].replicas.begin(), f.plan.segments[0].replicas.end(), r), 0);
    }
  }
  EXPECT_GT(s.waiting_by_kind[static_cast<size_t>(WaitKind::kIntensityPause)], 0u);
  EXPECT_EQ(s.next_check_us, kNow + 300 * kSec);
  const SegmentWait* w = nullptr;
  for (const auto& x : s.waiting) {
    if (x.kind == WaitKind::kIntensityPause) w = &x;
  }
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->message.find("intensity pause on 10.0.0."), std::string::npos);
  EXPECT_NE(w->message.find(format_time_us(kNow + 300 * kSec, TimeForm::kRfc3339Seconds)),
            std::string::npos);
  EXPECT_EQ(intensity_pause_us(100 * kSec, 0.5), 100 * kSec);
  EXPECT_EQ(intensity_pause_us(100 * kSec, 1.0), 0);
}

TEST(SegmentSelection, FailedSegmentsRetryAfterBackoffThenGiveUp) {
  Fixture f;
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  f.progress[0] = {SegmentState::kFailed, 1, kNow - 20 * kSec, kNow};
  Selection s = f.select(o, kNow + kSec);
  const SegmentWait* w = wait_of(s, 0);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->kind, WaitKind::kRetryBackoff);
  const int64_t retry_at = kNow + retry_delay(o.retry, 0, 1).count() * 1000;
  EXPECT_EQ(w->until_us, retry_at);
  EXPECT_GE(retry_delay(o.retry, 0, 1), std::chrono::seconds(30));
  EXPECT_LE(retry_delay(o.retry, 0, 1), std::chrono::seconds(60));
  Selection later = f.select(o, retry_at);
  EXPECT_EQ(wait_of(later, 0), nullptr);  // started or waiting for a conflict, not backoff

  f.progress[0].attempts = o.retry.max_attempts;
  for (size_t i = 1; i < f.progress.size(); ++i) f.progress[i] = {SegmentState::kDone, 1, 1, 2};
  Selection gave_up = f.select(o, retry_at);
  EXPECT_TRUE(gave_up.finished);
  ASSERT_NE(wait_of(gave_up, 0), nullptr);
  EXPECT_EQ(wait_of(gave_up, 0)->kind, WaitKind::kGaveUp);
}

TEST(SegmentSelection, TimedOutSessionsAreStopped) {
  Fixture f;
  f.progress[2] = {SegmentState::kRunning, 1, kNow - 31 * 60 * kSec};
  Selection s = f.select({});
  ASSERT_EQ(s.stop.size(), 1u);
  EXPECT_EQ(s.stop[0].segment, 2u);
  EXPECT_TRUE(s.stop[0].counts_as_attempt);
  EXPECT_NE(s.stop[0].reason.find("timed out"), std::string::npos);
}

TEST(SegmentSelection, NothingStartsOutsideTheWindow) {
  Fixture f;
  SelectionOptions o;
  // kNow is 2027-01-15T08:00:00Z (a Friday); the window is 22:00-06:00 UTC.
  o.windows = MaintenanceSchedule::parse("daily 22:00-06:00").value();
  f.progress[1] = {SegmentState::kRunning, 1, kNow - 60 * kSec};
  Selection s = f.select(o);
  EXPECT_TRUE(s.start.empty());
  EXPECT_TRUE(s.stop.empty());  // kFinish: running sessions go on
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kOutsideWindow)], 5u);
  EXPECT_EQ(s.waiting[0].message, "outside maintenance window; opens 2027-01-15T22:00:00Z");
  o.window_close = WindowClosePolicy::kStop;
  Selection stop = f.select(o);
  ASSERT_EQ(stop.stop.size(), 1u);
  EXPECT_FALSE(stop.stop[0].counts_as_attempt);
}

TEST(SegmentSelection, SegmentsThatWouldOutlastAClosingWindowWait) {
  Fixture f;
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  o.windows = MaintenanceSchedule::parse("daily 22:00-06:00").value();
  o.window_close = WindowClosePolicy::kStop;
  // 2027-01-16T05:50:00Z: ten minutes before the window closes; sessions of this run take 20 min.
  const int64_t at = kNow + 21 * 3600 * kSec + 50 * 60 * kSec;
  f.progress[0] = {SegmentState::kDone, 1, at - 40 * 60 * kSec, at - 20 * 60 * kSec};
  Selection s = f.select(o, at);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kWindowEnding)], 5u);
  ASSERT_FALSE(s.waiting.empty());
  EXPECT_EQ(s.waiting[0].message,
            "would still run when the maintenance window closes at 2027-01-16T06:00:00Z; starts "
            "in the next one (2027-01-16T22:00:00Z)");
  EXPECT_EQ(s.next_check_us, kNow + 38 * 3600 * kSec);
  // Enough time left, or sessions that may run on past the close: they start.
  EXPECT_FALSE(f.select(o, at - 3600 * kSec).start.empty());
  o.window_close = WindowClosePolicy::kFinish;
  EXPECT_FALSE(f.select(o, at).start.empty());
  o.window_close = WindowClosePolicy::kStop;
  o.avoid_window_overrun = false;
  EXPECT_FALSE(f.select(o, at).start.empty());
}

TEST(SegmentSelection, RejectsBadInput) {
  Fixture f;
  SelectionOptions o;
  o.intensity = 0;
  EXPECT_FALSE(select_segments({&f.plan, f.progress, f.nodes, kNow}, o).ok());
  std::vector<SegmentProgress> short_progress(2);
  EXPECT_FALSE(select_segments({&f.plan, short_progress, f.nodes, kNow}, {}).ok());
  EXPECT_EQ(parse_repair_mode("datacenter_aware").value(), RepairMode::kDatacenterAware);
  EXPECT_FALSE(parse_repair_mode("fast").ok());
  EXPECT_EQ(parse_node_state("REPLACED").value(), NodeState::kDown);
}

TEST(SegmentSelection, DatacenterAwareSchedulesLikeParallelAndValidatesSequentially) {
  Fixture f;
  SelectionOptions o;
  o.mode = RepairMode::kDatacenterAware;
  Selection s = f.select(o);
  EXPECT_EQ(s.start.size(), 2u);
  for (const auto& st : s.start) EXPECT_EQ(st.validation, "sequential");
}

TEST(SegmentSelection, HostsTheSchedulerDoesNotKnowAreUnavailable) {
  Fixture f;
  f.nodes.erase(f.nodes.begin());  // "a" has no condition at all
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  Selection s = f.select(o);
  EXPECT_EQ(s.waiting_by_kind[static_cast<size_t>(WaitKind::kReplicaUnavailable)], 3u);
  bool named = false;
  for (const auto& w : s.waiting) named |= w.message == "replica a state unknown";
  EXPECT_TRUE(named);
}

TEST(SegmentSelection, SummaryCountsTheReasons) {
  Fixture f;
  f.node("a").state = NodeState::kDown;
  Selection s = f.select({});
  EXPECT_EQ(s.summary,
            "1 started, 0 running, 0 stopping, 5 waiting: 3 replica_unavailable, "
            "2 sequential_turn");
  for (auto& p : f.progress) p = {SegmentState::kDone, 1, 1, 2};
  EXPECT_EQ(f.select({}).summary, "finished: 6 done, 0 gave up");
}

TEST(SegmentSelection, SegmentIdsSurviveARestoredPlan) {
  Fixture f;
  auto restored = restore_plan("ks", {"t"}, plan_records(f.plan), {});
  ASSERT_TRUE(restored.ok());
  SelectionOptions o;
  o.mode = RepairMode::kParallel;
  auto a = select_segments({&f.plan, f.progress, f.nodes, kNow}, o);
  auto b = select_segments({&*restored, f.progress, f.nodes, kNow}, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(started(*a), started(*b));
}

TEST(PlanWaves, PacksConflictFreeRounds) {
  Fixture f;
  auto waves = plan_waves(f.plan);
  size_t total = 0;
  for (const auto& w : waves) {
    std::set<uint32_t> used;
    for (uint32_t id : w) {
      for (uint32_t r : f.plan.segments[id].replicas) EXPECT_TRUE(used.insert(r).second);
    }
    total += w.size();
  }
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(waves.size(), 3u);
  EXPECT_EQ(plan_waves(f.plan, 1).size(), 6u);
}

}  // namespace
}  // namespace rk::repair
