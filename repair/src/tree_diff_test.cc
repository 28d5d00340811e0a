// The session's first pass, tree diff across replicas and refinement, on plain values.
#include "ringkeeper/repair/tree_diff.h"

#include <gtest/gtest.h>

#include "test_trees.h"

namespace rk::repair {
namespace {

using testing::TestTree;

// 16 leaves of 100 tokens: (0,100], (100,200], ...
const TokenRange kRange(0, 1600);

std::vector<uint64_t> same16() { return std::vector<uint64_t>(16, 1); }

std::vector<DifferingRun> runs_of(std::initializer_list<const TestTree*> trees) {
  std::vector<ReplicaTree> views;
  for (const TestTree* t : trees) views.push_back(t->view());
  auto runs = differing_runs(views);
  EXPECT_TRUE(runs.ok()) << runs.status().to_string();
  return runs.ok() ? *runs : std::vector<DifferingRun>{};
}

// A depth rule that records what it was asked and answers `depth`.
struct RecordingRule {
  struct Call {
    uint64_t rows, rows_per_leaf;
    TokenRange range;
    int max_depth;
  };
  std::vector<Call> calls;
  int depth = 2;
  DepthRule rule() {
    return [this](uint64_t rows, uint64_t per_leaf, const TokenRange& range, int max_depth) {
      calls.push_back({rows, per_leaf, range, max_depth});
      return depth;
    };
  }
};

TEST(DifferingRuns, IdenticalTreesDifferNowhere) {
  TestTree a(kRange, same16()), b(kRange, same16()), c(kRange, same16());
  EXPECT_TRUE(runs_of({&a, &b, &c}).empty());
}

TEST(DifferingRuns, OneReplicaDifferingInOneLeafIsThatLeaf) {
  auto changed = same16();
  changed[5] = 2;
  TestTree a(kRange, same16()), b(kRange, changed), c(kRange, same16());
  EXPECT_EQ(runs_of({&a, &b, &c}), (std::vector<DifferingRun>{{TokenRange(500, 600), 1}}));
}

TEST(DifferingRuns, SeveralReplicasDifferingInDifferentLeavesGiveARunEach) {
  auto b_changed = same16(), c_changed = same16();
  b_changed[2] = 2;
  c_changed[9] = 3;
  c_changed[14] = 0;  // a row c lacks
  TestTree a(kRange, same16()), b(kRange, b_changed), c(kRange, c_changed);
  EXPECT_EQ(runs_of({&a, &b, &c}), (std::vector<DifferingRun>{{TokenRange(200, 300), 1},
                                                              {TokenRange(900, 1000), 1},
                                                              {TokenRange(1400, 1500), 1}}));
}

TEST(DifferingRuns, AdjacentDifferingLeavesMergeCountingTheBusiestReplica) {
  // Leaves 2, 3, 4 differ (one run) and leaf 9 (another). Rows in the first run: a 3, b 9, c 3.
  std::vector<uint64_t> rows_a(16, 1), rows_b(16, 1);
  rows_b[2] = 5;
  rows_b[3] = 2;
  rows_b[4] = 2;
  rows_b[9] = 7;
  auto changed = same16();
  for (int i : {2, 3, 4, 9}) changed[i] = 2;
  TestTree a(kRange, same16(), rows_a), b(kRange, changed, rows_b), c(kRange, same16(), rows_a);
  EXPECT_EQ(runs_of({&a, &b, &c}),
            (std::vector<DifferingRun>{{TokenRange(200, 500), 9}, {TokenRange(900, 1000), 7}}));
}

TEST(DifferingRuns, ARunIsCutWhereItWouldHoldTooManyRows) {
  // Leaves 2 to 6 differ; b counts 5, 2, 2, 1, 1 rows in them. At most 4 rows per run: leaf 2
  // (over it alone) is a run of its own, then 3 and 4, then 5 and 6.
  std::vector<uint64_t> rows_a(16, 1), rows_b(16, 1);
  rows_b[2] = 5;
  rows_b[3] = 2;
  rows_b[4] = 2;
  auto changed = same16();
  for (int i : {2, 3, 4, 5, 6}) changed[i] = 2;
  TestTree a(kRange, same16(), rows_a), b(kRange, changed, rows_b);
  auto runs = differing_runs(std::vector{a.view(), b.view()}, 4);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(*runs,
            (std::vector<DifferingRun>{
                {TokenRange(200, 300), 5}, {TokenRange(300, 500), 4}, {TokenRange(500, 700), 2}}));
}

TEST(DifferingRuns, RunsAtBothEndsOfAWholeRingTreeStayTwo) {
  // Four leaves over the whole ring; the last ends where the first begins, but each run is
  // refined on its own.
  const TokenRange ring = TokenRange::full_ring();
  TestTree a(ring, {1, 1, 1, 1}), b(ring, {2, 1, 1, 2});
  const auto runs = runs_of({&a, &b});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].range, ring.split_piece(4, 0));
  EXPECT_EQ(runs[1].range, ring.split_piece(4, 3));
}

TEST(DifferingRuns, EntirelyDifferentTreesAreOneRunOverTheirRange) {
  const TokenRange wrapping(1000, -1000);
  TestTree a(wrapping, {1, 1, 1, 1, 1, 1, 1, 1}), b(wrapping, {2, 2, 2, 2, 2, 2, 2, 2});
  EXPECT_EQ(runs_of({&a, &b}), (std::vector<DifferingRun>{{wrapping, 8}}));
}

TEST(DifferingRuns, TreesOfDifferentShapesAreRejected) {
  TestTree a(kRange, same16()), other_range(TokenRange(0, 1601), same16()),
      fewer_leaves(kRange, {1, 1, 1, 1, 1, 1, 1, 1});
  EXPECT_EQ(differing_runs(std::vector{a.view(), other_range.view()}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(differing_runs(std::vector{a.view(), fewer_leaves.view()}).status().code(),
            ErrorCode::kInvalidArgument);
  ReplicaTree short_rows = a.view();
  short_rows.leaf_rows = short_rows.leaf_rows.first(3);
  EXPECT_EQ(differing_runs(std::vector{a.view(), short_rows}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(differing_runs({}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(FirstPassTrees, ASmallTableIsOneTreeSizedForItsRows) {
  RecordingRule depth;
  depth.depth = 6;
  TreeSizing sizing{.rows_per_leaf = 2, .max_tree_depth = 16, .depth_for = depth.rule()};
  auto trees = first_pass_trees(TokenRange::full_ring(), 100, sizing);
  ASSERT_TRUE(trees.ok()) << trees.status().to_string();
  EXPECT_EQ(*trees, (std::vector<TreeRequest>{{TokenRange::full_ring(), 6}}));
  ASSERT_EQ(depth.calls.size(), 1u);
  EXPECT_EQ(depth.calls[0].rows, 100u);
  EXPECT_EQ(depth.calls[0].rows_per_leaf, 2u);
  EXPECT_EQ(depth.calls[0].max_depth, 16);
}

TEST(FirstPassTrees, ATableNeedingMoreLeavesThanOneTreeIsCutIntoPieces) {
  // 1000 rows at one per leaf need 1000 leaves; trees hold 256: four pieces of 250 rows each.
  RecordingRule depth;
  TreeSizing sizing{.rows_per_leaf = 1, .max_tree_depth = 8, .depth_for = depth.rule()};
  auto trees = first_pass_trees(kRange, 1000, sizing);
  ASSERT_TRUE(trees.ok());
  EXPECT_EQ(*trees, (std::vector<TreeRequest>{{TokenRange(0, 400), 2},
                                              {TokenRange(400, 800), 2},
                                              {TokenRange(800, 1200), 2},
                                              {TokenRange(1200, 1600), 2}}));
  for (const auto& call : depth.calls) EXPECT_EQ(call.rows, 250u);
}

TEST(FirstPassTrees, NeverMorePiecesThanTheRangeHasTokens) {
  RecordingRule depth;
  depth.depth = 0;
  TreeSizing sizing{.rows_per_leaf = 1, .max_tree_depth = 0, .depth_for = depth.rule()};
  auto trees = first_pass_trees(TokenRange(0, 2), 1000, sizing);
  ASSERT_TRUE(trees.ok());
  EXPECT_EQ(*trees, (std::vector<TreeRequest>{{TokenRange(0, 1), 0}, {TokenRange(1, 2), 0}}));
}

TEST(FirstPassTrees, NoDepthRuleIsInvalidArgument) {
  EXPECT_EQ(first_pass_trees(kRange, 10, TreeSizing{}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(refinement_batches({}, TreeSizing{}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(RefinementBatches, EachRunGetsLeavesForTheRowsItsBusiestReplicaHolds) {
  RecordingRule depth;
  TreeSizing sizing{.refine_leaves_per_row = 16,
                    .max_tree_depth = 10,
                    .max_trees_per_batch = 8,
                    .depth_for = depth.rule()};
  const std::vector<DifferingRun> runs{{TokenRange(200, 500), 9}, {TokenRange(900, 1000), 1}};
  auto batches = refinement_batches(runs, sizing);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ(*batches, (std::vector<std::vector<TreeRequest>>{
                          {{TokenRange(200, 500), 2}, {TokenRange(900, 1000), 2}}}));
  ASSERT_EQ(depth.calls.size(), 2u);
  EXPECT_EQ(depth.calls[0].rows, 9u * 16);
  EXPECT_EQ(depth.calls[0].rows_per_leaf, 1u);
  EXPECT_EQ(depth.calls[0].range, TokenRange(200, 500));
  EXPECT_EQ(depth.calls[0].max_depth, 10);
  EXPECT_EQ(depth.calls[1].rows, 16u);
}

TEST(RefinementBatches, BatchesStayWithinTheTreeCountAndTheLeafBudget) {
  RecordingRule depth;
  depth.depth = 3;  // 8 leaves a tree
  std::vector<DifferingRun> runs;
  for (Token t = 0; t < 500; t += 100) runs.push_back({TokenRange(t, t + 100), 1});

  TreeSizing by_count{.max_tree_depth = 10, .max_trees_per_batch = 2, .depth_for = depth.rule()};
  auto batches = refinement_batches(runs, by_count);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 3u);
  EXPECT_EQ((*batches)[0].size(), 2u);
  EXPECT_EQ((*batches)[2], (std::vector<TreeRequest>{{TokenRange(400, 500), 3}}));

  // 2^(3+1) = 16 leaves a batch: two trees of 8.
  TreeSizing by_leaves{.max_tree_depth = 3, .max_trees_per_batch = 100, .depth_for = depth.rule()};
  batches = refinement_batches(runs, by_leaves);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ(batches->size(), 3u);

  // A tree bigger than the budget still goes, alone.
  depth.depth = 5;
  batches = refinement_batches(runs, by_leaves);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ(batches->size(), 5u);
}

}  // namespace
}  // namespace rk::repair
