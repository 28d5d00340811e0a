// Validation trees: equal data gives equal trees whatever the history; differences are located.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

class ValidationTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    Options o = options();
    o.data_dir = peer_dir_.path();
    auto n = Node::open(o, clock_);
    ASSERT_TRUE(n.ok());
    peer_ = std::move(n).value();
    ASSERT_TRUE(peer_->create_keyspace({"ks", {}}).ok());
    TableSchema t{"ks", "t"};
    t.gc_grace_seconds = gc_grace_seconds_;
    ASSERT_TRUE(peer_->create_table(t).ok());
  }
  MerkleTree tree(Node& node, DataScope scope = DataScope::kAll, int depth = 4) {
    auto t = node.validate("ks", "t", TokenRange::full_ring(), scope, depth);
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return std::move(t).value();
  }
  static Status set(Node& n, const std::string& pk, const std::string& v, int64_t ts) {
    return n.apply(Mutation("ks", "t", pk).set("c", "v", v, ts));
  }
  testing::TempDir peer_dir_;
  std::unique_ptr<Node> peer_;
};

TEST_F(ValidationTest, SameDataGivesSameTreeWhateverOrderFlushesCompactionsAndSets) {
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(set(*node_, "k" + std::to_string(i), "v", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k3").delete_row("c", 11)).ok());
  // The peer gets the same final data another way: reverse order, an overwritten older value,
  // flushes in between, half of it moved to the repaired set, a compaction.
  for (int i = 39; i >= 0; --i) {
    ASSERT_TRUE(set(*peer_, "k" + std::to_string(i), "older", 5).ok());
    if (i == 20) {
      ASSERT_TRUE(peer_->flush().ok());
    }
    ASSERT_TRUE(set(*peer_, "k" + std::to_string(i), "v", 10).ok());
  }
  ASSERT_TRUE(peer_->mark_repaired("ks", "t", TokenRange(0, kMinToken), 1000).ok());
  ASSERT_TRUE(peer_->apply(Mutation("ks", "t", "k3").delete_row("c", 11)).ok());
  ASSERT_TRUE(peer_->compact().ok());
  MerkleTree a = tree(*node_), b = tree(*peer_);
  EXPECT_EQ(a.total_rows(), 40u);
  EXPECT_EQ(a.root(), b.root());
  auto d = diff(a, b);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
}

TEST_F(ValidationTest, DifferingRowIsFoundInTheSubRangeHoldingItsToken) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(set(*node_, "k" + std::to_string(i), "v", 10).ok());
    ASSERT_TRUE(set(*peer_, "k" + std::to_string(i), "v", 10).ok());
  }
  ASSERT_TRUE(set(*peer_, "k7", "newer", 20).ok());
  auto d = diff(tree(*node_), tree(*peer_));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_TRUE((*d)[0].range.contains(murmur3_token("k7")));
  EXPECT_EQ((*d)[0].leaves, 1u);
}

TEST_F(ValidationTest, UnrepairedScopeLeavesRepairedDataOut) {
  ASSERT_TRUE(set(*node_, "a", "v", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(set(*node_, "b", "v", 10).ok());
  EXPECT_EQ(tree(*node_, DataScope::kUnrepaired).total_rows(), 1u);
  EXPECT_EQ(tree(*node_, DataScope::kAll).total_rows(), 2u);
}

TEST_F(ValidationTest, TombstonePastGcGraceDoesNotMakeReplicasDiffer) {
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "gone").delete_partition(10)).ok());
  EXPECT_NE(tree(*node_).root(), tree(*peer_).root());
  clock_.advance_seconds(gc_grace_seconds_);
  EXPECT_EQ(tree(*node_).root(), tree(*peer_).root());
}

TEST_F(ValidationTest, LocalDeletionTimesDoNotEnterTheDigest) {
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 10)).ok());
  clock_.advance_seconds(3);  // the peer's clock stamps the same delete a little later
  ASSERT_TRUE(peer_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 10)).ok());
  EXPECT_EQ(tree(*node_).root(), tree(*peer_).root());
}

TEST_F(ValidationTest, BadDepthIsInvalidArgument) {
  EXPECT_EQ(
      node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 99).status().code(),
      ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::storage
