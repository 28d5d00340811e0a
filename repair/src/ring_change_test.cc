// The replica set of a range against a changed ring: replacement, a join that splits the range,
// a removal, a datacenter filter, and the operator's line for each.
#include "ringkeeper/repair/ring_change.h"

#include <gtest/gtest.h>

#include <map>

#include "test_rings.h"

namespace rk::repair {
namespace {

using testing::place;

RingNode node(const std::string& id, Token token, const std::string& dc = "dc1") {
  return {id, dc, "r1", {token}};
}

// h1..h3 at tokens 100, 200, 300; (100,200] is h2's primary range: replicas h2, h3 at RF 2.
std::vector<RingNode> three() { return {node("h1", 100), node("h2", 200), node("h3", 300)}; }
const TokenRange kRange(100, 200);

HostInfo info(std::map<std::string, std::string> states) {
  return {[](const std::string& h) { return h; },
          [states](const std::string& h) {
            auto it = states.find(h);
            return it == states.end() ? std::string() : it->second;
          }};
}

TEST(RingChange, AnUnchangedReplicaSetIsNoChange) {
  auto p = place(three(), Replication::simple(2));
  EXPECT_TRUE(replica_set_change(p, kRange, {"h3", "h2"}).empty());
  EXPECT_TRUE(replica_set_change(p, TokenRange(120, 180), {"h2", "h3"}).empty());
}

TEST(RingChange, AReplacementTakingTheSameTokensIsNamedAsSuch) {
  auto p = place({node("h1", 100), node("h2", 200), node("h4", 300)}, Replication::simple(2));
  RingChange c = replica_set_change(p, kRange, {"h2", "h3"});
  EXPECT_EQ(c.left, std::vector<std::string>{"h3"});
  EXPECT_EQ(c.joined, std::vector<std::string>{"h4"});
  EXPECT_EQ(describe(c, info({{"h3", "REPLACED"}, {"h4", "JOINING"}})), "host h3 replaced by h4");
}

TEST(RingChange, AKnownReplacementIsNamedWhenTheOldHostIsGoneFromTheRing) {
  auto p = place({node("h1", 100), node("h2", 200), node("h4", 300)}, Replication::simple(2));
  HostInfo hosts = info({{"h4", "JOINING"}});
  hosts.replaced_by = [](const std::string& h) { return h == "h3" ? "h4" : ""; };
  EXPECT_EQ(describe(replica_set_change(p, kRange, {"h2", "h3"}), hosts), "host h3 replaced by h4");
}

TEST(RingChange, AJoinThatSplitsTheRangeChangesItsReplicaSet) {
  auto p = place({node("h1", 100), node("h4", 150), node("h2", 200), node("h3", 300)},
                 Replication::simple(2));
  // (100,150] is now h4, h2; (150,200] still h2, h3: h3 replicates only part of the range.
  RingChange c = replica_set_change(p, kRange, {"h2", "h3"});
  EXPECT_EQ(c.left, std::vector<std::string>{"h3"});
  EXPECT_EQ(c.joined, std::vector<std::string>{"h4"});
  EXPECT_EQ(describe(c, info({{"h3", "NORMAL"}, {"h4", "JOINING"}})),
            "host h3 left the replica set; host h4 joined the replica set");
  // A range inside the untouched piece keeps its replicas.
  EXPECT_TRUE(replica_set_change(p, TokenRange(160, 200), {"h2", "h3"}).empty());
}

TEST(RingChange, ARemovedNodeLeftTheRing) {
  auto p = place({node("h1", 100), node("h2", 200)}, Replication::simple(2));
  RingChange c = replica_set_change(p, kRange, {"h2", "h3"});
  EXPECT_EQ(describe(c, info({{"h1", "NORMAL"}, {"h2", "NORMAL"}})),
            "host h3 left the ring; host h1 joined the replica set");
}

TEST(RingChange, ADatacenterFilterCountsOnlyItsDatacenters) {
  auto p = place({node("a1", 100), node("b1", 150, "dc2"), node("a2", 200), node("a3", 300),
                  node("b2", 250, "dc2")},
                 Replication::network_topology({{"dc1", 2}, {"dc2", 1}}));
  // dc1 replicas of (100,200] are a2, a3 whatever dc2 does.
  EXPECT_TRUE(replica_set_change(p, kRange, {"a2", "a3"}, {"dc1"}).empty());
  EXPECT_FALSE(replica_set_change(p, kRange, {"a2", "a3"}).empty());
}

}  // namespace
}  // namespace rk::repair
