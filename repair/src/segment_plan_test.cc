#include "ringkeeper/repair/segment_plan.h"

#include <gtest/gtest.h>

#include "test_rings.h"

namespace rk::repair {
namespace {

using testing::place;

TEST(SegmentPlan, OneSegmentPerPrimaryRangeWithItsReplicas) {
  auto p = place({{"a", "dc", "r", {0}}, {"b", "dc", "r", {100}}, {"c", "dc", "r", {200}}},
                 Replication::simple(2));
  auto plan = plan_segments(p, "ks", {"t"}, {});
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  ASSERT_EQ(plan->segments.size(), 3u);
  EXPECT_EQ(plan->segments[0].range, TokenRange(200, 0));
  EXPECT_EQ(plan->replica_ids(plan->segments[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(plan->hosts[plan->segments[0].primary].host_id, "a");
  EXPECT_EQ(plan->segments[1].range, TokenRange(0, 100));
  EXPECT_EQ(plan->replica_ids(plan->segments[1]), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(plan->segments[2].range, TokenRange(100, 200));
}

TEST(SegmentPlan, SplitsLargeRangesBySize) {
  // One node, RF 1: the whole ring holds 10 GiB; 1 GiB target -> 10 equal pieces.
  auto p = place({{"a", "dc", "r", {0}}}, Replication::simple(1));
  SizeEstimates sizes{{"a", {{"t", int64_t{10} << 30}, {"other", int64_t{99} << 30}}}};
  SegmentPlanOptions o;
  o.min_replicas = 1;
  auto plan = plan_segments(p, "ks", {"t"}, sizes, o);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->segments.size(), 10u);
  std::vector<TokenRange> ranges;
  for (const Segment& s : plan->segments) {
    ranges.push_back(s.range);
    EXPECT_EQ(s.estimated_bytes, int64_t{1} << 30);
  }
  EXPECT_EQ(covered_size(ranges), kRingSize);
  EXPECT_EQ(plan->total_estimated_bytes(), int64_t{10} << 30);
}

TEST(SegmentPlan, SplitsByTokenCountWithoutSizes) {
  auto p = place({{"a", "dc", "r", {0}}}, Replication::simple(1));
  SegmentPlanOptions o;
  o.min_replicas = 1;
  o.max_segment_tokens = static_cast<uint64_t>(kRingSize / 16);
  auto plan = plan_segments(p, "ks", {"t"}, {}, o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->segments.size(), 16u);
}

TEST(SegmentPlan, MergesAdjacentRangesOfTheSameReplicaSet) {
  // RF 2 on two nodes: every range has {a, b}; small data merges them into the whole ring.
  auto p = place({{"a", "dc", "r", {0, 50}}, {"b", "dc", "r", {100, 150}}}, Replication::simple(2));
  auto plan = plan_segments(p, "ks", {"t"}, testing::uniform_sizes(p.ring(), 1000));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->segments.size(), 1u);
  EXPECT_TRUE(plan->segments[0].range.is_full_ring());
  EXPECT_EQ(plan->segments[0].estimated_bytes, 1000);

  SegmentPlanOptions no_merge;
  no_merge.merge_adjacent = false;
  EXPECT_EQ(plan_segments(p, "ks", {"t"}, {}, no_merge)->segments.size(), 4u);
}

TEST(SegmentPlan, EstimatesFromTheBusiestReplica) {
  // RF 1 on two nodes with equal halves; a reports 100, b 300.
  auto p =
      place({{"a", "dc", "r", {0}}, {"b", "dc", "r", {kMinToken + 1}}}, Replication::simple(1));
  SizeEstimates sizes{{"a", {{"t", 100}}}, {"b", {{"t", 300}}}};
  SegmentPlanOptions o;
  o.min_replicas = 1;
  auto plan = plan_segments(p, "ks", {"t"}, sizes, o);
  ASSERT_TRUE(plan.ok());
  int64_t total = 0;
  for (const Segment& s : plan->segments) total += s.estimated_bytes;
  EXPECT_EQ(total, 400);
}

TEST(SegmentPlan, SkipsRangesWithNothingToCompare) {
  // RF 1: every range has a single replica.
  auto p = place({{"a", "dc", "r", {0}}, {"b", "dc", "r", {100}}}, Replication::simple(1));
  EXPECT_TRUE(plan_segments(p, "ks", {"t"}, {})->segments.empty());
}

TEST(SegmentPlan, FiltersByDatacenterAndNode) {
  // Two datacenters, RF 2 in each.
  auto p = place({{"a1", "dc1", "r", {0}},
                  {"a2", "dc1", "r", {200}},
                  {"b1", "dc2", "r", {100}},
                  {"b2", "dc2", "r", {300}},
                  {"c1", "dc3", "r", {400}}},
                 Replication::network_topology({{"dc1", 2}, {"dc2", 2}, {"dc3", 1}}));
  SegmentPlanOptions dc1;
  dc1.datacenters = {"dc1"};
  dc1.merge_adjacent = false;
  auto plan = plan_segments(p, "ks", {"t"}, {}, dc1);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  ASSERT_EQ(plan->segments.size(), 5u);
  for (const Segment& s : plan->segments) {
    auto ids = plan->replica_ids(s);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"a1", "a2"}));
  }
  dc1.merge_adjacent = true;  // the same replica set everywhere: one segment
  EXPECT_EQ(plan_segments(p, "ks", {"t"}, {}, dc1)->segments.size(), 1u);

  SegmentPlanOptions dc3;
  dc3.datacenters = {"dc3"};  // one replica per range there: nothing to compare
  EXPECT_TRUE(plan_segments(p, "ks", {"t"}, {}, dc3)->segments.empty());

  SegmentPlanOptions node;
  node.nodes = {"a1"};
  node.merge_adjacent = false;
  auto own = plan_segments(p, "ks", {"t"}, {}, node);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->segments.size(), 5u);  // a1 replicates every range (dc1 has two nodes, RF 2)
  for (const Segment& s : own->segments) EXPECT_EQ(s.replicas.size(), 5u);

  SegmentPlanOptions bad;
  bad.nodes = {"zz"};
  EXPECT_FALSE(plan_segments(p, "ks", {"t"}, {}, bad).ok());
  bad.nodes = {};
  bad.datacenters = {"dc9"};
  EXPECT_FALSE(plan_segments(p, "ks", {"t"}, {}, bad).ok());
}

TEST(SegmentPlan, CutsEveryRangeIntoAtLeastTheMinimumPieces) {
  auto p = place({{"a", "dc", "r", {0}}, {"b", "dc", "r", {1000}}}, Replication::simple(2));
  SegmentPlanOptions o;
  o.min_pieces_per_range = 4;
  EXPECT_EQ(plan_segments(p, "ks", {"t"}, {}, o)->segments.size(), 8u);
}

TEST(SegmentPlan, RejectsEmptyRingAndNoTables) {
  auto p = place({{"a", "dc", "r", {0}}}, Replication::simple(1));
  EXPECT_FALSE(plan_segments(p, "ks", {}, {}).ok());
  auto empty = ReplicaPlacement::create(Ring(), Replication::simple(1));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(plan_segments(*empty, "ks", {"t"}, {}).ok());
}

TEST(SegmentPlan, RestoresFromStoredRecords) {
  auto p = place({{"a", "dc1", "r", {0}}, {"b", "dc2", "r", {100}}, {"c", "dc1", "r", {200}}},
                 Replication::simple(2));
  auto plan = plan_segments(p, "ks", {"t1", "t2"}, {});
  ASSERT_TRUE(plan.ok());
  auto records = plan_records(*plan);
  auto back = restore_plan("ks", {"t1", "t2"}, records, {{"a", "dc1"}, {"b", "dc2"}, {"c", "dc1"}});
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->segments.size(), plan->segments.size());
  for (size_t i = 0; i < plan->segments.size(); ++i) {
    EXPECT_EQ(back->segments[i].range, plan->segments[i].range);
    EXPECT_EQ(back->replica_ids(back->segments[i]), plan->replica_ids(plan->segments[i]));
    EXPECT_EQ(back->hosts[back->segments[i].primary].host_id,
              plan->hosts[plan->segments[i].primary].host_id);
  }
  EXPECT_EQ(back->hosts[static_cast<size_t>(back->host_index("b"))].datacenter, "dc2");

  records[0].primary = "zz";
  EXPECT_FALSE(restore_plan("ks", {"t"}, records, {}).ok());
  records[0].replicas = {"a", "a"};
  EXPECT_FALSE(restore_plan("ks", {"t"}, records, {}).ok());
}

}  // namespace
}  // namespace rk::repair
