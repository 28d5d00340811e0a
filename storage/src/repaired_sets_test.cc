// Repaired and unrepaired sets: where writes land, what mark_repaired moves, how reads reconcile.
#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

std::vector<std::string> keys_in(Node& node, DataScope scope,
                                 const TokenRange& range = TokenRange::full_ring()) {
  std::vector<std::string> out;
  EXPECT_TRUE(node.scan_raw("ks", "t", range, scope,
                            [&](const Partition& p) {
                              out.push_back(p.partition_key);
                              return true;
                            })
                  .ok());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(NodeTest, NewWritesLandInTheUnrepairedSet) {
  ASSERT_TRUE(put("a", "c", "v", "1", 1).ok());
  EXPECT_EQ(keys_in(*node_, DataScope::kUnrepaired), std::vector<std::string>{"a"});
  EXPECT_TRUE(keys_in(*node_, DataScope::kRepaired).empty());
}

TEST_F(NodeTest, MarkRepairedMovesOnlyTheRangesData) {
  ASSERT_TRUE(put("a", "c", "v", "1", 1).ok());
  ASSERT_TRUE(put("b", "c", "v", "2", 1).ok());
  Token ta = murmur3_token("a");
  auto moved = node_->mark_repaired("ks", "t", TokenRange(ta - 1, ta), 1000);
  ASSERT_TRUE(moved.ok()) << moved.status().to_string();
  EXPECT_EQ(*moved, 1u);
  EXPECT_EQ(keys_in(*node_, DataScope::kRepaired), std::vector<std::string>{"a"});
  EXPECT_EQ(keys_in(*node_, DataScope::kUnrepaired), std::vector<std::string>{"b"});
  EXPECT_EQ(keys_in(*node_, DataScope::kAll), (std::vector<std::string>{"a", "b"}));
}

TEST_F(NodeTest, ReadsReconcileBothSetsByTimestamp) {
  ASSERT_TRUE(put("p", "c", "v", "repaired, newer", 20).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(put("p", "c", "v", "unrepaired, older", 10).ok());
  EXPECT_EQ(get("p", "c", "v"), "repaired, newer");
  ASSERT_TRUE(put("p", "c", "v", "unrepaired, newest", 30).ok());
  EXPECT_EQ(get("p", "c", "v"), "unrepaired, newest");
}

TEST_F(NodeTest, DeletionInUnrepairedSetShadowsOlderRepairedData) {
  ASSERT_TRUE(put("p", "c", "v", "x", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(15)).ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  ASSERT_TRUE(node_->flush().ok());
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(NodeTest, MovingAKeyPresentInBothSetsKeepsTheWinner) {
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(put("p", "c", "v", "new", 20).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 2000).ok());
  EXPECT_EQ(get("p", "c", "v"), "new");
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "c", "v"), "new");
  EXPECT_TRUE(keys_in(*node_, DataScope::kUnrepaired).empty());
}

TEST_F(NodeTest, SetsSurviveRestart) {
  ASSERT_TRUE(put("a", "c", "v", "1", 1).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  reopen();
  EXPECT_EQ(keys_in(*node_, DataScope::kRepaired), std::vector<std::string>{"a"});
  EXPECT_TRUE(keys_in(*node_, DataScope::kUnrepaired).empty());
}

TEST_F(NodeTest, MarkRepairedRejectsNonPositiveRepairedAt) {
  EXPECT_EQ(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 0).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(NodeTest, MarkRepairedMovesMoreKeysThanOneChunk) {
  std::vector<Mutation> batch;
  for (int i = 0; i < 5000; ++i)
    batch.push_back(Mutation("ks", "t", "k" + std::to_string(i)).set("c", "v", "x", 1));
  ASSERT_TRUE(node_->apply_batch(batch).ok());
  auto moved = node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 5000u);
  EXPECT_TRUE(keys_in(*node_, DataScope::kUnrepaired).empty());
}

}  // namespace
}  // namespace rk::storage

namespace rk::storage {
namespace {

TEST_F(NodeTest, WritesDuringMarkRepairedAreNeverLost) {
  std::vector<Mutation> batch;
  for (int i = 0; i < 3000; ++i)
    batch.push_back(Mutation("ks", "t", "old" + std::to_string(i)).set("c", "v", "x", 1));
  ASSERT_TRUE(node_->apply_batch(batch).ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      ASSERT_TRUE(put("new" + std::to_string(i), "c", "v", "y", 2).ok());
    }
    done = true;
  });
  while (!done) ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  writer.join();
  size_t seen = 0;
  ASSERT_TRUE(node_
                  ->scan("ks", "t", TokenRange::full_ring(),
                         [&](const Partition&) {
                           ++seen;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, 5000u);
}

}  // namespace
}  // namespace rk::storage
