#include "ringkeeper/core/replica_placement.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace rk {
namespace {

ReplicaPlacement place(std::vector<RingNode> nodes, Replication replication) {
  auto ring = Ring::build(std::move(nodes));
  EXPECT_TRUE(ring.ok()) << ring.status().to_string();
  auto p = ReplicaPlacement::create(std::move(ring).value(), std::move(replication));
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(p).value();
}

std::vector<std::string> hosts(const std::vector<const RingNode*>& nodes) {
  std::vector<std::string> out;
  for (const RingNode* n : nodes) out.push_back(n->host_id);
  return out;
}

using Hosts = std::vector<std::string>;

TEST(Replication, Validates) {
  EXPECT_TRUE(Replication::simple(3).validate().ok());
  EXPECT_FALSE(Replication::simple(0).validate().ok());
  EXPECT_FALSE(Replication::network_topology({}).validate().ok());
  EXPECT_FALSE(Replication::network_topology({{"dc1", -1}}).validate().ok());
  EXPECT_FALSE(Replication::network_topology({{"dc1", 0}}).validate().ok());
  EXPECT_TRUE(Replication::network_topology({{"dc1", 3}, {"dc2", 0}}).validate().ok());
  EXPECT_EQ(Replication::network_topology({{"dc1", 3}, {"dc2", 2}}).total_factor(), 5);
  EXPECT_FALSE(ReplicaPlacement::create(Ring(), Replication::simple(0)).ok());
}

TEST(SimpleStrategy, WalksClockwiseTakingDistinctNodes) {
  // a holds two consecutive tokens; the walk skips its second one.
  auto p = place({{"a", "dc", "r1", {0, 10}}, {"b", "dc", "r1", {20}}, {"c", "dc", "r1", {30}}},
                 Replication::simple(2));
  EXPECT_EQ(hosts(p.replicas(5)), (Hosts{"a", "b"}));
  EXPECT_EQ(hosts(p.replicas(-5)), (Hosts{"a", "b"}));
  EXPECT_EQ(hosts(p.replicas(25)), (Hosts{"c", "a"}));
  EXPECT_EQ(hosts(p.replicas(31)), (Hosts{"a", "b"}));  // wraps
}

TEST(SimpleStrategy, FewerNodesThanRfReplicatesOnEveryNode) {
  auto p = place({{"a", "dc", "r1", {0}}, {"b", "dc", "r1", {20}}}, Replication::simple(3));
  EXPECT_EQ(hosts(p.replicas(5)), (Hosts{"b", "a"}));
  EXPECT_TRUE(place({}, Replication::simple(3)).replicas(5).empty());
}

TEST(NetworkTopologyStrategy, PlacesReplicasInDistinctRacksFirst) {
  // Ring order a(r1) b(r1) c(r2) d(r2) e(r3): a walk from a meets r1 twice before r2 and r3.
  auto p = place({{"a", "dc1", "r1", {0}},
                  {"b", "dc1", "r1", {10}},
                  {"c", "dc1", "r2", {20}},
                  {"d", "dc1", "r2", {30}},
                  {"e", "dc1", "r3", {40}}},
                 Replication::network_topology({{"dc1", 3}}));
  EXPECT_EQ(hosts(p.replicas(0)), (Hosts{"a", "c", "e"}));
  EXPECT_EQ(hosts(p.replicas(15)), (Hosts{"c", "e", "a"}));
}

TEST(NetworkTopologyStrategy, FillsWithSetAsideNodesWhenRacksAreFewerThanRf) {
  auto p = place({{"a", "dc1", "r1", {0}},
                  {"b", "dc1", "r1", {10}},
                  {"c", "dc1", "r2", {20}},
                  {"d", "dc1", "r2", {30}}},
                 Replication::network_topology({{"dc1", 3}}));
  // From a: a (r1), b set aside, c (r2) completes the racks, then b from the set-aside list.
  EXPECT_EQ(hosts(p.replicas(0)), (Hosts{"a", "c", "b"}));
}

TEST(NetworkTopologyStrategy, ReplicatesPerDatacenter) {
  auto p = place({{"a", "dc1", "r1", {0}},
                  {"x", "dc2", "r1", {5}},
                  {"b", "dc1", "r2", {10}},
                  {"y", "dc2", "r2", {15}},
                  {"c", "dc1", "r3", {20}}},
                 Replication::network_topology({{"dc1", 2}, {"dc2", 1}, {"dc3", 2}}));
  EXPECT_EQ(hosts(p.replicas(1)), (Hosts{"b", "c", "x"}));
  EXPECT_EQ(hosts(p.replicas(16)), (Hosts{"c", "a", "x"}));
}

TEST(ReplicaPlacement, RangeReplicasAreClippedPerPrimaryRange) {
  auto p = place({{"a", "dc", "r1", {0}}, {"b", "dc", "r2", {100}}, {"c", "dc", "r3", {200}}},
                 Replication::simple(2));
  auto pieces = p.replicas_for_range(TokenRange(50, 150));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].range, TokenRange(50, 100));
  EXPECT_EQ(hosts(pieces[0].replicas), (Hosts{"b", "c"}));
  EXPECT_EQ(pieces[1].range, TokenRange(100, 150));
  EXPECT_EQ(hosts(pieces[1].replicas), (Hosts{"c", "a"}));
  // A range inside one primary range has one replica set.
  auto inside = p.replicas_for_range(TokenRange(120, 180));
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(hosts(inside[0].replicas), (Hosts{"c", "a"}));
}

TEST(ReplicaPlacement, EffectiveOwnershipWithRfThreeOnThreeNodesIsEverything) {
  auto p = place({{"a", "dc", "r1", {0}}, {"b", "dc", "r2", {100}}, {"c", "dc", "r3", {200}}},
                 Replication::simple(3));
  for (const auto& [host, share] : p.effective_ownership()) EXPECT_DOUBLE_EQ(share, 1.0) << host;
  EXPECT_EQ(p.ranges_of("a").size(), 3u);
}

// Properties over random rings (seeded): replica sets are distinct nodes of the right size, NTS
// uses as many racks as it can, range pieces tile the range, ownership sums to the replica count.
TEST(ReplicaPlacement, RandomRingsKeepPlacementInvariants) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 100; ++round) {
    const int node_count = 1 + static_cast<int>(rng() % 9);
    std::vector<RingNode> nodes;
    std::set<Token> used;
    for (int n = 0; n < node_count; ++n) {
      RingNode node{"n" + std::to_string(n),
                    (rng() % 2) ? "dc1" : "dc2",
                    "r" + std::to_string(rng() % 3),
                    {}};
      const int tokens = 1 + static_cast<int>(rng() % 4);
      while (static_cast<int>(node.tokens.size()) < tokens) {
        const auto t = static_cast<Token>(rng());
        if (used.insert(t).second) node.tokens.push_back(t);
      }
      nodes.push_back(node);
    }
    const int rf = 1 + static_cast<int>(rng() % 4);
    const Replication replication = (round % 2)
                                        ? Replication::simple(rf)
                                        : Replication::network_topology({{"dc1", rf}, {"dc2", 1}});
    auto p = place(nodes, replication);
    size_t expected_per_range = 0;
    if (replication.strategy == Replication::Strategy::kSimple) {
      expected_per_range = std::min<size_t>(rf, nodes.size());
    } else {
      for (const auto& [dc, f] : replication.datacenter_factors) {
        size_t in_dc = 0;
        for (const auto& n : nodes) in_dc += n.datacenter == dc;
        expected_per_range += std::min<size_t>(f, in_dc);
      }
    }
    for (const RangeReplicas& r : p.all_ranges()) {
      std::set<std::string> distinct;
      for (const RingNode* n : r.replicas) distinct.insert(n->host_id);
      ASSERT_EQ(distinct.size(), r.replicas.size());
      ASSERT_EQ(r.replicas.size(), expected_per_range);
      if (replication.strategy == Replication::Strategy::kNetworkTopology) {
        std::set<std::string> dc1_racks_all, dc1_racks_used;
        for (const auto& n : nodes)
          if (n.datacenter == "dc1") dc1_racks_all.insert(n.rack);
        for (const RingNode* n : r.replicas)
          if (n->datacenter == "dc1") dc1_racks_used.insert(n->rack);
        ASSERT_EQ(dc1_racks_used.size(), std::min<size_t>(rf, dc1_racks_all.size()));
      }
    }
    double total = 0;
    for (const auto& [h, share] : p.effective_ownership()) total += share;
    EXPECT_NEAR(total, static_cast<double>(expected_per_range), 1e-9);

    const TokenRange query(static_cast<Token>(rng()), static_cast<Token>(rng()));
    uint128_t covered = 0;
    for (const RangeReplicas& piece : p.replicas_for_range(query)) {
      covered += piece.range.size();
      EXPECT_TRUE(query.contains(piece.range));
      EXPECT_EQ(hosts(piece.replicas), hosts(p.replicas(piece.range.end())));
      const auto indices = p.replica_indices(piece.range.end());
      ASSERT_EQ(indices.size(), piece.replicas.size());
      for (size_t k = 0; k < indices.size(); ++k) {
        EXPECT_EQ(&p.ring().nodes()[indices[k]], piece.replicas[k]);
      }
    }
    EXPECT_TRUE(covered == query.size()) << "round " << round;
  }
}

}  // namespace
}  // namespace rk
