// Planner properties over seeded random rings: plans cover the ring exactly once, runs repair
// every segment exactly once with no node in two sessions at once, and sequential mode never hits
// the same replica set twice in a row when it has a choice.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ringkeeper/repair/segment_plan.h"
#include "ringkeeper/repair/segment_selection.h"
#include "test_rings.h"
#include "test_simulation.h"

namespace rk::repair {
namespace {

constexpr int64_t kStart = 1'800'000'000'000'000;
constexpr int64_t kGiB = int64_t{1} << 30;

struct RandomCluster {
  int nodes, vnodes, dcs, rf;
  ReplicaPlacement placement;
  SizeEstimates sizes;
};

// Up to `max_tokens` tokens in all (vnodes shrink to fit), 1..3 datacenters, RF 1..3.
RandomCluster random_cluster(std::mt19937_64& rng, int max_nodes, int max_vnodes, int max_tokens) {
  const int nodes = std::uniform_int_distribution<int>(1, max_nodes)(rng);
  int vnodes = std::uniform_int_distribution<int>(1, max_vnodes)(rng);
  vnodes = std::max(1, std::min(vnodes, max_tokens / nodes));
  const int dcs = std::uniform_int_distribution<int>(1, std::min(3, nodes))(rng);
  const int rf = std::uniform_int_distribution<int>(1, 3)(rng);
  auto placement = testing::place(testing::random_nodes(rng, nodes, vnodes, dcs),
                                  testing::replication_for(dcs, rf));
  SizeEstimates sizes;
  std::uniform_int_distribution<int64_t> bytes(0, 512 * kGiB);
  for (const RingNode& n : placement.ring().nodes()) sizes[n.host_id]["t"] = bytes(rng);
  return {nodes, vnodes, dcs, rf, std::move(placement), std::move(sizes)};
}

std::vector<uint32_t> sorted(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(PlannerProperties, PlansCoverEveryTokenExactlyOnceWithItsReplicas) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 10; ++round) {
    RandomCluster c = random_cluster(rng, 1000, 256, 12000);
    SCOPED_TRACE(::testing::Message() << "nodes " << c.nodes << " vnodes " << c.vnodes << " dcs "
                                      << c.dcs << " rf " << c.rf);
    SegmentPlanOptions o;
    o.min_replicas = 1;
    o.target_segment_bytes = std::uniform_int_distribution<int64_t>(1, 64)(rng) * kGiB;
    auto plan = plan_segments(c.placement, "ks", {"t"}, c.sizes, o);
    ASSERT_TRUE(plan.ok()) << plan.status().to_string();
    uint128_t total = 0;
    std::vector<TokenRange> ranges;
    for (const Segment& s : plan->segments) {
      total += s.range.size();
      ranges.push_back(s.range);
      // The replicas are those of every token in the segment (its end token stands for all).
      std::vector<uint32_t> expected;
      for (const RingNode* r : c.placement.replicas(s.range.end())) {
        expected.push_back(static_cast<uint32_t>(plan->host_index(r->host_id)));
      }
      ASSERT_EQ(sorted(s.replicas), sorted(expected)) << s.range.to_string();
      // Neither empty nor huge: a segment over the target is a single unsplittable token.
      ASSERT_TRUE(s.estimated_bytes <= o.target_segment_bytes + 1 || s.range.size() == 1)
          << s.range.to_string() << " " << s.estimated_bytes;
    }
    ASSERT_EQ(total, kRingSize);                 // sizes add up to the ring...
    ASSERT_EQ(covered_size(ranges), kRingSize);  // ...and cover all of it: no overlap, no gap
  }
}

TEST(PlannerProperties, RunsRepairEverySegmentOnceAndNoNodeIsInTwoSessions) {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 40; ++round) {
    RandomCluster c = random_cluster(rng, 40, 16, 300);
    SegmentPlanOptions po;
    po.target_segment_bytes = 64 * kGiB;
    po.min_replicas = 1;
    SegmentPlan plan = plan_segments(c.placement, "ks", {"t"}, c.sizes, po).value();
    SelectionOptions o;
    o.mode = static_cast<RepairMode>(std::uniform_int_distribution<int>(0, 2)(rng));
    o.concurrency = std::uniform_int_distribution<int>(0, 4)(rng);
    o.intensity = std::uniform_real_distribution<double>(0.2, 1.0)(rng);
    o.retry.max_attempts = 100;
    o.retry.initial_delay = std::chrono::seconds(10);
    o.max_wait_details = 0;
    o.max_pending_compactions = -1;
    testing::SimOptions so;
    so.failure_rate = 0.1;
    so.seed = rng();
    testing::Simulator sim(plan, o, so);
    // One node goes down for a while in the middle of the run.
    std::vector<testing::NodeEvent> events;
    const std::string victim =
        plan.hosts[std::uniform_int_distribution<size_t>(0, plan.hosts.size() - 1)(rng)].host_id;
    events.push_back({kStart + 600'000'000, victim, NodeState::kDown});
    events.push_back({kStart + 6 * 3'600'000'000LL, victim, NodeState::kNormal});
    SCOPED_TRACE(::testing::Message()
                 << "nodes " << c.nodes << " vnodes " << c.vnodes << " rf " << c.rf << " mode "
                 << repair_mode_name(o.mode) << " concurrency " << o.concurrency);
    testing::SimResult r = sim.run(kStart, events);
    ASSERT_FALSE(r.stuck);
    for (size_t i = 0; i < plan.segments.size(); ++i) {
      ASSERT_EQ(r.successes[i], 1) << "segment " << i;
      ASSERT_EQ(r.progress[i].state, SegmentState::kDone);
    }
    if (o.mode == RepairMode::kSequential) {
      EXPECT_EQ(r.max_concurrent, 1u);
    } else if (o.concurrency > 0) {
      EXPECT_LE(r.max_concurrent, static_cast<size_t>(o.concurrency));
    }
  }
}

TEST(PlannerProperties, SequentialNeverRepeatsAReplicaSetBackToBackUnlessForced) {
  std::mt19937_64 rng(4242);
  for (int round = 0; round < 30; ++round) {
    RandomCluster c = random_cluster(rng, 30, 8, 200);
    SegmentPlanOptions po;
    po.target_segment_bytes = 32 * kGiB;  // splits some ranges: pieces share their replica set
    po.min_replicas = 1;
    SegmentPlan plan = plan_segments(c.placement, "ks", {"t"}, c.sizes, po).value();
    SelectionOptions o;
    o.max_wait_details = 0;
    testing::Simulator sim(plan, o, {});
    int repeats = 0;
    auto on_start = [&](int64_t, uint32_t id, const std::vector<SegmentProgress>& progress) {
      int64_t last = -1;
      for (size_t i = 0; i < progress.size(); ++i) {
        if (progress[i].state == SegmentState::kDone &&
            (last < 0 || progress[i].finished_at_us > progress[last].finished_at_us)) {
          last = static_cast<int64_t>(i);
        }
      }
      if (last < 0) return;
      const auto set = sorted(plan.segments[id].replicas);
      if (set != sorted(plan.segments[static_cast<size_t>(last)].replicas)) return;
      ++repeats;
      // Allowed only when every segment still to do has that same set.
      for (size_t i = 0; i < progress.size(); ++i) {
        if (progress[i].state != SegmentState::kDone) {
          ASSERT_EQ(sorted(plan.segments[i].replicas), set)
              << "segment " << id << " repeats the set just repaired while " << i << " had another";
        }
      }
    };
    testing::SimResult r = sim.run(kStart, {}, nullptr, on_start);
    ASSERT_FALSE(r.stuck);
    EXPECT_EQ(r.start_order.size(), plan.segments.size());
    EXPECT_EQ(r.max_concurrent, 1u);
    (void)repeats;
  }
}

TEST(PlannerProperties, SequentialWithEveryNodeAReplicaStillFinishes) {
  // RF = nodes: every segment has the same replica set, so repeats are unavoidable.
  auto p = testing::place(
      {{"a", "dc", "r", {0, 1000}}, {"b", "dc", "r", {100, 2000}}, {"c", "dc", "r", {200, 3000}}},
      Replication::simple(3));
  SegmentPlanOptions po;
  po.merge_adjacent = false;
  SegmentPlan plan = plan_segments(p, "ks", {"t"}, {}, po).value();
  ASSERT_EQ(plan.segments.size(), 6u);
  SelectionOptions o;
  o.intensity = 0.5;
  testing::Simulator sim(plan, o, {});
  testing::SimResult r = sim.run(kStart);
  ASSERT_FALSE(r.stuck);
  EXPECT_EQ(r.start_order.size(), 6u);
  // Each session (5 s) is followed by a 5 s rest of all three nodes: 6 sessions + 5 rests.
  EXPECT_EQ(r.finished_at_us - kStart, 55'000'000);
}

}  // namespace
}  // namespace rk::repair
