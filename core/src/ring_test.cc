#include "ringkeeper/core/ring.h"

#include <gtest/gtest.h>

#include "ringkeeper/core/token_assignment.h"

namespace rk {
namespace {

Ring must_build(std::vector<RingNode> nodes) {
  auto ring = Ring::build(std::move(nodes));
  EXPECT_TRUE(ring.ok()) << ring.status().to_string();
  return ring.ok() ? std::move(ring).value() : Ring();
}

// A ring of `count` nodes over `racks` racks with Priam tokens, registered in rack order.
Ring priam_ring(int count, int racks, uint32_t num_tokens = 1) {
  DatacenterLayout layout{
      .name = "dc1", .slot_count = static_cast<uint64_t>(count), .num_tokens = num_tokens};
  for (int r = 0; r < racks; ++r) layout.racks.push_back("r" + std::to_string(r + 1));
  std::vector<SlottedNode> slotted;
  for (int i = 0; i < count; ++i) {
    const std::string rack = layout.racks[static_cast<size_t>(i % racks)];
    auto a = assign_tokens(layout, slotted, rack);
    EXPECT_TRUE(a.ok());
    slotted.push_back({.host_id = "n" + std::to_string(i + 1),
                       .datacenter = "dc1",
                       .rack = rack,
                       .slot = a->slot,
                       .tokens = a->tokens});
  }
  std::vector<RingNode> nodes;
  for (const auto& s : slotted) nodes.push_back({s.host_id, s.datacenter, s.rack, s.tokens});
  return must_build(std::move(nodes));
}

TEST(Ring, RejectsDuplicateHostsAndTokens) {
  EXPECT_FALSE(Ring::build({{"a", "dc", "r", {1}}, {"a", "dc", "r", {2}}}).ok());
  EXPECT_FALSE(Ring::build({{"a", "dc", "r", {1}}, {"b", "dc", "r", {1}}}).ok());
  EXPECT_FALSE(Ring::build({{"a", "dc", "r", {}}}).ok());
  EXPECT_FALSE(Ring::build({{"", "dc", "r", {1}}}).ok());
  EXPECT_TRUE(Ring::build({}).ok());
}

TEST(Ring, TokenBelongsToTheFirstRingTokenAtOrAboveIt) {
  Ring ring =
      must_build({{"a", "dc", "r1", {-100}}, {"b", "dc", "r2", {0}}, {"c", "dc", "r3", {100}}});
  EXPECT_EQ(ring.primary_replica(-100).host_id, "a");  // a token is in its own range
  EXPECT_EQ(ring.primary_replica(-99).host_id, "b");
  EXPECT_EQ(ring.primary_replica(0).host_id, "b");
  EXPECT_EQ(ring.primary_replica(50).host_id, "c");
  EXPECT_EQ(ring.primary_replica(101).host_id, "a");  // wraps past the highest token
  EXPECT_EQ(ring.primary_replica(kMaxToken).host_id, "a");
  EXPECT_EQ(ring.primary_replica(kMinToken).host_id, "a");
}

TEST(Ring, FirstTokensRangeWrapsFromTheLastToken) {
  Ring ring = must_build({{"a", "dc", "r1", {-100, 100}}, {"b", "dc", "r2", {0}}});
  EXPECT_EQ(ring.range_at(0), TokenRange(100, -100));
  EXPECT_EQ(ring.range_at(1), TokenRange(-100, 0));
  EXPECT_EQ(ring.primary_ranges("a"),
            (std::vector<TokenRange>{TokenRange(100, -100), TokenRange(0, 100)}));
  EXPECT_TRUE(ring.primary_ranges("nobody").empty());
}

TEST(Ring, SingleTokenOwnsTheWholeRing) {
  Ring ring = must_build({{"a", "dc", "r1", {42}}});
  EXPECT_TRUE(ring.range_at(0).is_full_ring());
  EXPECT_DOUBLE_EQ(ring.primary_ownership().at("a"), 1.0);
}

TEST(Ring, PriamRingsOfThreeAndSixNodesOwnWithinOnePercentOfEqual) {
  for (int count : {3, 6}) {
    Ring ring = priam_ring(count, 3);
    const auto owns = ring.primary_ownership();
    double total = 0;
    for (const auto& [host, share] : owns) {
      EXPECT_NEAR(share, 1.0 / count, 0.01) << host;
      total += share;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
}

TEST(Ring, VnodeRingsOwnEqually) {
  Ring ring = priam_ring(5, 3, 16);
  EXPECT_EQ(ring.token_count(), 80u);
  for (const auto& [host, share] : ring.primary_ownership()) EXPECT_NEAR(share, 0.2, 1e-9);
}

}  // namespace
}  // namespace rk
