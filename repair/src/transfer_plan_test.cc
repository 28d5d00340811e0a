// What a session streams from whom to whom, on plain values; and the whole narrowing from a
// coarse differing leaf to the fine sub-range that is streamed.
#include "ringkeeper/repair/transfer_plan.h"

#include <gtest/gtest.h>

#include <memory>

#include "test_trees.h"

namespace rk::repair {
namespace {

using testing::TestTree;

// Per replica, its trees (one per request of the batch).
class Batch {
 public:
  Batch& replica(std::vector<std::pair<TokenRange, std::vector<uint64_t>>> trees) {
    std::vector<ReplicaTree> views;
    for (auto& [range, versions] : trees) {
      owned_.push_back(std::make_unique<TestTree>(range, versions));
      views.push_back(owned_.back()->view());
    }
    views_.push_back(std::move(views));
    return *this;
  }
  Result<std::vector<Transfer>> plan(std::optional<size_t> local) const {
    return plan_transfers(views_, local);
  }

 private:
  std::vector<std::unique_ptr<TestTree>> owned_;
  std::vector<std::vector<ReplicaTree>> views_;
};

const TokenRange kRange(0, 400);  // 4 leaves of 100 tokens

TEST(TransferPlan, IdenticalTreesTransferNothing) {
  Batch b;
  b.replica({{kRange, {1, 1, 0, 1}}})
      .replica({{kRange, {1, 1, 0, 1}}})
      .replica({{kRange, {1, 1, 0, 1}}});
  auto plan = b.plan(0);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_TRUE(plan->empty());
}

TEST(TransferPlan, AReplicaMissingARowGetsItFromTheLocalReplica) {
  // Replica 2 lacks leaf 1's row; replicas 0 and 1 hold it. Replica 1 is the local one.
  Batch b;
  b.replica({{kRange, {1, 1, 1, 1}}})
      .replica({{kRange, {1, 1, 1, 1}}})
      .replica({{kRange, {1, 0, 1, 1}}});
  auto plan = b.plan(1);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(*plan, (std::vector<Transfer>{{1, 2, TokenRange(100, 200), 1}}));
  // Without a local replica among them, the group's first replica sends.
  EXPECT_EQ(*b.plan(std::nullopt), (std::vector<Transfer>{{0, 2, TokenRange(100, 200), 1}}));
}

TEST(TransferPlan, WithThreeReplicasEachVersionGoesToEveryReplicaWithoutIt) {
  // Leaf 0: replicas 0 and 2 agree, 1 differs (both directions, the coordinator 2 sending for
  // its group). Leaf 3: all three differ: every replica sends to both others.
  Batch b;
  b.replica({{kRange, {1, 1, 1, 1}}})
      .replica({{kRange, {2, 1, 1, 2}}})
      .replica({{kRange, {1, 1, 1, 3}}});
  auto plan = b.plan(2);
  ASSERT_TRUE(plan.ok());
  const TokenRange leaf0(0, 100), leaf3(300, 400);
  EXPECT_EQ(*plan, (std::vector<Transfer>{{0, 1, leaf3, 1},
                                          {0, 2, leaf3, 1},
                                          {1, 0, leaf0, 1},
                                          {1, 0, leaf3, 1},
                                          {1, 2, leaf0, 1},
                                          {1, 2, leaf3, 1},
                                          {2, 0, leaf3, 1},
                                          {2, 1, leaf0, 1},
                                          {2, 1, leaf3, 1}}));
}

TEST(TransferPlan, AGroupWithoutRowsSendsNothing) {
  // Replica 1 lacks leaf 2's row entirely: it receives it, and sends nothing back.
  Batch b;
  b.replica({{kRange, {1, 1, 1, 1}}}).replica({{kRange, {1, 1, 0, 1}}});
  auto plan = b.plan(0);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(*plan, (std::vector<Transfer>{{0, 1, TokenRange(200, 300), 1}}));
}

TEST(TransferPlan, AdjacentRangesOfOnePairMergeAcrossLeavesAndTrees) {
  // Leaves 2 and 3 of the first tree and leaf 0 of the next (which starts where it ends) differ.
  const TokenRange next(400, 800);
  Batch b;
  b.replica({{kRange, {1, 1, 1, 1}}, {next, {1, 1, 1, 1}}})
      .replica({{kRange, {1, 1, 0, 0}}, {next, {0, 1, 0, 1}}});
  auto plan = b.plan(0);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(*plan, (std::vector<Transfer>{{0, 1, TokenRange(200, 500), 3},
                                          {0, 1, TokenRange(600, 700), 1}}));
}

TEST(TransferPlan, RefinementNarrowsACoarseLeafToTheSubRangeThatDiffers) {
  // The first pass: 4 leaves of 400 tokens; replica 2 lacks a row in (400, 800].
  const TokenRange range(0, 1600);
  TestTree a(range, {1, 5, 1, 1}), b(range, {1, 5, 1, 1}), c(range, {1, 4, 1, 1});
  auto runs = differing_runs(std::vector{a.view(), b.view(), c.view()});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  TreeSizing sizing{.refine_leaves_per_row = 1,
                    .max_tree_depth = 4,
                    .max_trees_per_batch = 16,
                    .depth_for = [](uint64_t, uint64_t, const TokenRange&, int) { return 2; }};
  auto batches = refinement_batches(*runs, sizing);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 1u);
  const std::vector<TreeRequest> expected{{TokenRange(400, 800), 2}};
  ASSERT_EQ((*batches)[0], expected);
  // The fine trees over (400, 800]: the missing row is in (600, 700].
  Batch fine;
  fine.replica({{TokenRange(400, 800), {1, 2, 1, 1}}})
      .replica({{TokenRange(400, 800), {1, 2, 1, 1}}})
      .replica({{TokenRange(400, 800), {1, 2, 0, 1}}});
  auto plan = fine.plan(0);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(*plan, (std::vector<Transfer>{{0, 2, TokenRange(600, 700), 1}}));
}

TEST(TransferPlan, ATransferCarriesTheRowsAndBytesItsSenderCounted) {
  // Leaves 1 and 2 differ on replica 1 (it lacks their rows): one merged transfer of the two
  // leaves' rows and bytes as replica 0 counted them. What the sender's group counts is what a
  // preview reports as the target being behind.
  const std::vector<TreeHash> full{TreeHash{1}, TreeHash{2}, TreeHash{3}, TreeHash{4}};
  const std::vector<TreeHash> lacking{TreeHash{1}, TreeHash{}, TreeHash{}, TreeHash{4}};
  const std::vector<uint64_t> full_rows{1, 2, 3, 1}, lacking_rows{1, 0, 0, 1};
  const std::vector<uint64_t> full_bytes{10, 200, 300, 10}, lacking_bytes{10, 0, 0, 10};
  const ReplicaTree a{kRange, TreeHash{9}, full, full_rows, full_bytes};
  const ReplicaTree b{kRange, TreeHash{8}, lacking, lacking_rows, lacking_bytes};
  const std::vector<std::vector<ReplicaTree>> trees{{a}, {b}};
  auto plan = plan_transfers(trees, std::nullopt);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(*plan, (std::vector<Transfer>{{0, 1, TokenRange(100, 300), 5, 500}}));
  // Byte counts of another length than the hashes are a misshapen tree.
  const std::vector<uint64_t> short_bytes{1, 2};
  const ReplicaTree c{kRange, TreeHash{7}, full, full_rows, short_bytes};
  const std::vector<std::vector<ReplicaTree>> bad{{a}, {c}};
  EXPECT_EQ(plan_transfers(bad, std::nullopt).status().code(), ErrorCode::kInvalidArgument);
}

TEST(TransferPlan, MisshapenTreesAndABadLocalReplicaAreRejected) {
  Batch counts;
  counts.replica({{kRange, {1, 1, 1, 1}}, {kRange, {1, 1, 1, 1}}})
      .replica({{kRange, {1, 1, 1, 1}}});
  EXPECT_EQ(counts.plan(0).status().code(), ErrorCode::kInvalidArgument);
  Batch shapes;
  shapes.replica({{kRange, {1, 1, 1, 1}}}).replica({{kRange, {1, 1}}});
  EXPECT_EQ(shapes.plan(0).status().code(), ErrorCode::kInvalidArgument);
  Batch fine;
  fine.replica({{kRange, {1, 1, 1, 1}}}).replica({{kRange, {2, 1, 1, 1}}});
  EXPECT_EQ(fine.plan(2).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(plan_transfers({}, std::nullopt).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::repair
