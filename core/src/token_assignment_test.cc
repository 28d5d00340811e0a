#include "ringkeeper/core/token_assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace rk {
namespace {

__extension__ typedef unsigned __int128 u128;

// Registers nodes one by one the way the registry does: assign, rescale slots, store.
struct TestCluster {
  std::map<std::string, DatacenterLayout> layouts;
  std::vector<SlottedNode> nodes;

  const SlottedNode& add(const std::string& dc, const std::string& rack) {
    DatacenterLayout& layout = layouts.try_emplace(dc, DatacenterLayout{.name = dc}).first->second;
    auto assignment = assign_tokens(layout, nodes, rack);
    EXPECT_TRUE(assignment.ok()) << assignment.status().to_string();
    for (SlottedNode& n : nodes) {
      if (n.datacenter == dc) n.slot *= assignment->slot_scale;
    }
    layout = assignment->layout;
    nodes.push_back({.host_id = "h" + std::to_string(nodes.size()),
                     .datacenter = dc,
                     .rack = rack,
                     .slot = assignment->slot,
                     .tokens = assignment->tokens});
    return nodes.back();
  }

  // (token, rack) of every token of `dc`, sorted by token.
  std::vector<std::pair<Token, std::string>> ring(const std::string& dc) const {
    std::vector<std::pair<Token, std::string>> out;
    for (const SlottedNode& n : nodes) {
      if (n.datacenter != dc || !n.holds_slot) continue;
      for (Token t : n.tokens) out.emplace_back(t, n.rack);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

DatacenterLayout planned(const std::string& dc, std::vector<std::string> racks,
                         uint64_t nodes_per_rack, uint32_t num_tokens = 1) {
  const uint64_t slots = racks.size() * nodes_per_rack;
  return {.name = dc, .racks = std::move(racks), .slot_count = slots, .num_tokens = num_tokens};
}

// Consecutive tokens (around the ring) are in different racks.
void expect_racks_interleaved(const std::vector<std::pair<Token, std::string>>& ring) {
  for (size_t i = 0; i < ring.size(); ++i) {
    const auto& next = ring[(i + 1) % ring.size()];
    EXPECT_NE(ring[i].second, next.second) << "tokens " << ring[i].first << " and " << next.first;
  }
}

// Every gap between consecutive tokens equals 2^64 / count within `slack` tokens.
void expect_evenly_spaced(const std::vector<std::pair<Token, std::string>>& ring, uint64_t slack) {
  const u128 ideal = (static_cast<u128>(1) << 64) / ring.size();
  for (size_t i = 0; i < ring.size(); ++i) {
    const auto gap = static_cast<uint64_t>(ring[(i + 1) % ring.size()].first) -
                     static_cast<uint64_t>(ring[i].first);  // wraps correctly mod 2^64
    const auto diff = gap > ideal ? gap - ideal : ideal - gap;
    EXPECT_LE(diff, slack) << "gap after token " << ring[i].first;
  }
}

TEST(DatacenterOffset, IsTheAbsoluteJavaStringHashCode) {
  // Values of java.lang.String.hashCode(): "hello" is the textbook example; "polygenelubricants"
  // is the well-known string hashing to Integer.MIN_VALUE.
  EXPECT_EQ(datacenter_offset(""), 0u);
  EXPECT_EQ(datacenter_offset("hello"), 99162322u);
  EXPECT_EQ(datacenter_offset("us-west-2"), 1967372893u);  // hashCode -1967372893
  EXPECT_EQ(datacenter_offset("polygenelubricants"), 2147483648u);
  EXPECT_EQ(datacenter_offset("\xC3\xA9"), 233u);              // U+00E9, one UTF-16 unit
  EXPECT_EQ(datacenter_offset("\xF0\x9F\x98\x80"), 1772899u);  // U+1F600, a surrogate pair
}

TEST(PositionToken, SlotZeroIsMinimumPlusOffset) {
  EXPECT_EQ(position_token(0, 3, 7), kMinToken + 7);
  EXPECT_EQ(position_token(1, 2, 0), 0);
  // floor(2^64 / 3) = 6148914691236517205, so slot 1 of 3 is MIN + that.
  EXPECT_EQ(position_token(1, 3, 0), kMinToken + 6148914691236517205LL);
  EXPECT_EQ(position_token(2, 3, 0), kMinToken + 12297829382473034410ULL);
}

// The worked example in docs/tokens.md: three slots in datacenter "dc1" (offset 99218).
TEST(PositionToken, MatchesTheDocumentedExample) {
  const uint32_t offset = datacenter_offset("dc1");
  EXPECT_EQ(offset, 99218u);
  EXPECT_EQ(slot_tokens(0, 3, 1, offset), std::vector<Token>{-9223372036854676590LL});
  EXPECT_EQ(slot_tokens(1, 3, 1, offset), std::vector<Token>{-3074457345618159385LL});
  EXPECT_EQ(slot_tokens(2, 3, 1, offset), std::vector<Token>{3074457345618357820LL});
  // Two tokens per node: slot 1 of 3 holds positions 1 and 4 of 6.
  EXPECT_EQ(slot_tokens(1, 3, 2, offset),
            (std::vector<Token>{-6148914691236417988LL, 3074457345618357820LL}));
}

TEST(PositionToken, DoublingTheRingKeepsEveryToken) {
  for (uint64_t n : {1, 3, 5, 6, 7, 100}) {
    for (uint64_t s = 0; s < n; ++s) {
      EXPECT_EQ(position_token(s, n, 42), position_token(2 * s, 2 * n, 42)) << s << "/" << n;
    }
  }
}

TEST(AssignTokens, ThreeNodesInThreeRacksAreEvenlySpacedAndInterleaved) {
  TestCluster c;
  c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 1);
  EXPECT_EQ(c.add("dc1", "r1").slot, 0u);
  EXPECT_EQ(c.add("dc1", "r2").slot, 1u);
  EXPECT_EQ(c.add("dc1", "r3").slot, 2u);
  expect_racks_interleaved(c.ring("dc1"));
  expect_evenly_spaced(c.ring("dc1"), 1);
  EXPECT_EQ(c.nodes[0].tokens[0], kMinToken + static_cast<Token>(datacenter_offset("dc1")));
}

TEST(AssignTokens, SixNodesInterleaveRacksWhateverTheRegistrationOrder) {
  for (std::vector<std::string> order :
       {std::vector<std::string>{"r1", "r2", "r3", "r1", "r2", "r3"},
        std::vector<std::string>{"r1", "r1", "r2", "r2", "r3", "r3"},
        std::vector<std::string>{"r3", "r3", "r1", "r2", "r2", "r1"}}) {
    TestCluster c;
    c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 2);
    for (const auto& rack : order) c.add("dc1", rack);
    EXPECT_EQ(c.layouts["dc1"].slot_count, 6u);
    expect_racks_interleaved(c.ring("dc1"));
    expect_evenly_spaced(c.ring("dc1"), 1);
  }
}

TEST(AssignTokens, RingDoublesWhenFullKeepingExistingTokens) {
  TestCluster c;
  c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 1);
  for (const char* rack : {"r1", "r2", "r3"}) c.add("dc1", rack);
  const auto before = c.nodes;
  for (const char* rack : {"r1", "r2", "r3"}) c.add("dc1", rack);
  EXPECT_EQ(c.layouts["dc1"].slot_count, 6u);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(c.nodes[i].tokens, before[i].tokens);
    EXPECT_EQ(c.nodes[i].slot, before[i].slot * 2);
  }
  expect_racks_interleaved(c.ring("dc1"));
  expect_evenly_spaced(c.ring("dc1"), 1);
}

TEST(AssignTokens, UndeclaredRacksAreAppended) {
  TestCluster c;  // layout: one slot, no racks
  c.add("dc1", "a");
  c.add("dc1", "b");
  EXPECT_EQ(c.layouts["dc1"].racks, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.layouts["dc1"].slot_count, 2u);
  expect_racks_interleaved(c.ring("dc1"));
}

TEST(AssignTokens, VnodesSpreadEachNodesTokensAroundTheRing) {
  TestCluster c;
  c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 1, 8);
  for (const char* rack : {"r1", "r2", "r3"}) c.add("dc1", rack);
  auto ring = c.ring("dc1");
  ASSERT_EQ(ring.size(), 24u);
  expect_racks_interleaved(ring);
  expect_evenly_spaced(ring, 1);
  // Each node has one token in each eighth of the ring.
  for (const SlottedNode& n : c.nodes) {
    std::set<uint64_t> eighths;
    for (Token t : n.tokens) eighths.insert((static_cast<uint64_t>(t) ^ (uint64_t{1} << 63)) >> 61);
    EXPECT_EQ(eighths.size(), 8u);
  }
}

TEST(AssignTokens, TwoDatacentersGetDistinctTokens) {
  TestCluster c;
  c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 1);
  c.layouts["dc2"] = planned("dc2", {"r1", "r2", "r3"}, 1);
  for (const char* rack : {"r1", "r2", "r3"}) {
    c.add("dc1", rack);
    c.add("dc2", rack);
  }
  std::set<Token> all;
  for (const auto& n : c.nodes) all.insert(n.tokens.begin(), n.tokens.end());
  EXPECT_EQ(all.size(), 6u);
  // Each datacenter on its own is still evenly spaced.
  expect_evenly_spaced(c.ring("dc1"), 1);
  expect_evenly_spaced(c.ring("dc2"), 1);
}

TEST(AssignTokens, TakenTokenMovesUpByOne) {
  // Two datacenters whose names hash alike would collide; the second takes the next free token.
  DatacenterLayout a{.name = "Aa"}, b{.name = "BB"};  // "Aa".hashCode() == "BB".hashCode()
  ASSERT_EQ(datacenter_offset("Aa"), datacenter_offset("BB"));
  std::vector<SlottedNode> nodes;
  auto first = assign_tokens(a, nodes, "r1");
  ASSERT_TRUE(first.ok());
  nodes.push_back({.host_id = "x", .datacenter = "Aa", .rack = "r1", .tokens = first->tokens});
  auto second = assign_tokens(b, nodes, "r1");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tokens[0], first->tokens[0] + 1);
}

TEST(AssignTokens, ReplacedNodesFreeTheirSlot) {
  TestCluster c;
  c.layouts["dc1"] = planned("dc1", {"r1", "r2", "r3"}, 1);
  for (const char* rack : {"r1", "r2", "r3"}) c.add("dc1", rack);
  c.nodes[1].holds_slot = false;
  const SlottedNode& n = c.add("dc1", "r2");
  EXPECT_EQ(n.slot, 1u);
  EXPECT_EQ(n.tokens, c.nodes[1].tokens);
  EXPECT_EQ(c.layouts["dc1"].slot_count, 3u);
}

TEST(AssignTokens, RejectsBadInput) {
  std::vector<SlottedNode> none;
  EXPECT_EQ(assign_tokens({.name = "d"}, none, "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(assign_tokens({.name = "d", .num_tokens = 0}, none, "r").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(assign_tokens({.name = "d", .num_tokens = 5000}, none, "r").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(assign_tokens({.name = "d", .slot_count = 0}, none, "r").status().code(),
            ErrorCode::kInvalidArgument);
}

// Property: for random registration orders of R racks x K nodes (seeded), every slot is filled,
// tokens are unique and evenly spaced, and no two ring neighbours share a rack.
TEST(AssignTokens, RandomOrdersAlwaysGiveBalancedInterleavedRings) {
  std::mt19937_64 rng(20240607);
  for (int round = 0; round < 200; ++round) {
    const int racks = 2 + static_cast<int>(rng() % 4);
    const int per_rack = 1 + static_cast<int>(rng() % 4);
    const uint32_t vnodes = 1 + static_cast<uint32_t>(rng() % 4);
    std::vector<std::string> rack_names, order;
    for (int r = 0; r < racks; ++r) rack_names.push_back("rack" + std::to_string(r));
    for (int r = 0; r < racks; ++r) {
      for (int k = 0; k < per_rack; ++k) order.push_back(rack_names[r]);
    }
    std::shuffle(order.begin(), order.end(), rng);
    TestCluster c;
    c.layouts["dc"] = planned("dc", rack_names, per_rack, vnodes);
    for (const auto& rack : order) c.add("dc", rack);
    auto ring = c.ring("dc");
    ASSERT_EQ(ring.size(), static_cast<size_t>(racks * per_rack) * vnodes);
    std::set<Token> unique;
    for (const auto& [t, r] : ring) unique.insert(t);
    EXPECT_EQ(unique.size(), ring.size());
    expect_racks_interleaved(ring);
    expect_evenly_spaced(ring, 1);
    if (HasFailure()) {
      ADD_FAILURE() << "round " << round << " racks " << racks << " per rack " << per_rack;
      return;
    }
  }
}

TEST(FindSlotOfTokens, FindsEveryAssignedSlotFromItsTokensInAnyOrder) {
  TestCluster c;
  c.layouts["dc"] = planned("dc", {"r1", "r2", "r3"}, 2, 8);
  for (int i = 0; i < 6; ++i) c.add("dc", "r" + std::to_string(i % 3 + 1));
  for (const SlottedNode& n : c.nodes) {
    std::vector<Token> shuffled(n.tokens.rbegin(), n.tokens.rend());
    auto found = find_slot_of_tokens(c.layouts["dc"], shuffled);
    ASSERT_TRUE(found.has_value()) << n.host_id;
    EXPECT_EQ(found->slot, n.slot);
    EXPECT_EQ(found->slot_count, 6u);
    EXPECT_EQ(found->slot_scale, 1u);
    EXPECT_EQ(found->tokens, n.tokens);  // back in position order
  }
}

TEST(FindSlotOfTokens, ATokenOfAGrownRingAsksForTheRingToDouble) {
  // A cluster planned for 3 nodes that grew to 6: the slots taken after the growth are odd slots
  // of the 6-slot ring, which a fresh 3-slot datacenter only has once doubled.
  TestCluster grown;
  grown.layouts["dc"] = planned("dc", {"r1", "r2", "r3"}, 1, 2);
  for (int i = 0; i < 6; ++i) grown.add("dc", "r" + std::to_string(i % 3 + 1));
  const DatacenterLayout fresh = planned("dc", {"r1", "r2", "r3"}, 1, 2);
  for (const SlottedNode& n : grown.nodes) {
    auto found = find_slot_of_tokens(fresh, n.tokens);
    ASSERT_TRUE(found.has_value()) << n.host_id;
    EXPECT_EQ(found->slot_count * n.slot / 6, found->slot) << n.host_id;
    EXPECT_EQ(found->slot_scale, n.slot % 2 == 0 ? 1u : 2u) << n.host_id;
  }
}

TEST(FindSlotOfTokens, AcceptsATokenMovedUpByCollisionAvoidance) {
  const DatacenterLayout layout{.name = "dc", .slot_count = 3, .num_tokens = 1};
  std::vector<Token> tokens = slot_tokens(2, 3, 1, datacenter_offset("dc"));
  tokens[0] += 3;
  auto found = find_slot_of_tokens(layout, tokens);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->slot, 2u);
}

TEST(FindSlotOfTokens, RefusesTokensOfNoSlot) {
  const DatacenterLayout layout{.name = "dc", .slot_count = 3, .num_tokens = 2};
  const uint32_t offset = datacenter_offset("dc");
  const auto slot0 = slot_tokens(0, 3, 2, offset), slot1 = slot_tokens(1, 3, 2, offset);
  // Another datacenter's tokens, a mix of two slots, the wrong count, a token off its position.
  EXPECT_FALSE(find_slot_of_tokens(layout, slot_tokens(0, 3, 2, datacenter_offset("dc2"))));
  EXPECT_FALSE(find_slot_of_tokens(layout, std::vector<Token>{slot0[0], slot1[1]}));
  EXPECT_FALSE(find_slot_of_tokens(layout, std::vector<Token>{slot0[0]}));
  EXPECT_FALSE(find_slot_of_tokens(layout, std::vector<Token>{slot0[0], slot0[1] - 1}));
  EXPECT_FALSE(find_slot_of_tokens(layout, std::vector<Token>{slot0[0], slot0[0]}));
  // Tokens of a 5-slot ring are no slot of 3 x 2^k (a 4-slot ring's would be: 1/8 = 3/24).
  EXPECT_FALSE(find_slot_of_tokens(layout, slot_tokens(1, 5, 2, offset)));
}

}  // namespace
}  // namespace rk