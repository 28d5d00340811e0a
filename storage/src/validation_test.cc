// Validation trees: equal data gives equal trees whatever the history; differences are located.
#include <gtest/gtest.h>

#include <algorithm>

#include "row_digest.h"
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
  EXPECT_TRUE(testing::differing_leaves(a, b).empty());
}

TEST_F(ValidationTest, DifferingRowIsFoundInTheSubRangeHoldingItsToken) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(set(*node_, "k" + std::to_string(i), "v", 10).ok());
    ASSERT_TRUE(set(*peer_, "k" + std::to_string(i), "v", 10).ok());
  }
  ASSERT_TRUE(set(*peer_, "k7", "newer", 20).ok());
  MerkleTree a = tree(*node_), b = tree(*peer_);
  EXPECT_EQ(testing::differing_leaves(a, b),
            std::vector<uint64_t>{a.leaf_index_of(murmur3_token("k7"))});
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

namespace rk::storage {
namespace {

// The tree of one scan_raw feeding digest_partition into one tree: what validate() must equal
// (it streams entries into an EntryDigester, in parallel pieces).
MerkleTree tree_of_one_scan(Node& node, DataScope scope, int64_t now, int depth) {
  auto table = node.table("ks", "t");
  EXPECT_TRUE(table.ok());
  const PurgeRule rule(*table, now, nullptr);  // NodeTest's table is in timeout mode
  auto single = MerkleTree::create(TokenRange::full_ring(), depth);
  EXPECT_TRUE(single.ok());
  std::vector<RowDigest> units;
  EXPECT_TRUE(node.scan_raw("ks", "t", TokenRange::full_ring(), scope,
                            [&](const Partition& p) {
                              digest_partition(p, now, rule, &units);
                              for (const RowDigest& u : units) {
                                EXPECT_TRUE(single->add_row(p.token, u.digest, u.bytes).ok());
                              }
                              return true;
                            })
                  .ok());
  single->finalize();
  return std::move(single).value();
}

TEST_F(ValidationTest, StreamedParallelDigestsEqualDigestsOfScannedPartitions) {
  const int64_t t0 = clock_.now_micros();
  for (int i = 0; i < 300; ++i) {
    Mutation m("ks", "t", "k" + std::to_string(i));
    // Columns of different lengths: key order must match the rows' column order.
    m.set("r1", "b", "v" + std::to_string(i), t0 + i);
    m.set("r1", "aa", "w", t0 + i);
    m.set("r2", std::string("x\0y", 3), "z", t0 + i,
          i % 3 == 0 ? std::optional<int64_t>(5) : std::nullopt);
    ASSERT_TRUE(node_->apply(m).ok());
  }
  ASSERT_TRUE(node_->flush().ok());
  // Half of the ring moves to the repaired set; later writes land unrepaired on top of it.
  ASSERT_TRUE(
      node_->mark_repaired("ks", "t", TokenRange(kMinToken, 0), clock_.now_micros() / 1000).ok());
  for (int i = 0; i < 300; i += 7) {
    Mutation m("ks", "t", "k" + std::to_string(i));
    m.set("r1", "b", "newer", t0 + 1000 + i);
    ASSERT_TRUE(node_->apply(m).ok());
  }
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k3").delete_partition(t0 + 500)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k4").delete_row("r1", t0 + 500)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k5").delete_cell("r2", "c", t0 + 500)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k6").delete_row("r9", t0 + 500)).ok());
  clock_.advance_seconds(10);  // the TTL 5 cells have expired
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k8").delete_partition(clock_.now_micros())).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k9").delete_row("r2", clock_.now_micros())).ok());
  clock_.advance_seconds(gc_grace_seconds_ - 5);  // the first deletions are purgeable now
  ASSERT_TRUE(node_->flush().ok());

  const int64_t now = clock_.now_seconds();
  for (DataScope scope : {DataScope::kAll, DataScope::kUnrepaired}) {
    MerkleTree expected = tree_of_one_scan(*node_, scope, now, 6);
    MerkleTree streamed = tree(*node_, scope, 6);
    EXPECT_EQ(streamed.root(), expected.root());
    EXPECT_EQ(streamed.total_rows(), expected.total_rows());
    EXPECT_EQ(streamed.total_bytes(), expected.total_bytes());
    EXPECT_GT(streamed.total_rows(), 100u);
  }
}

// Keys holding 0x00 bytes (escaped in the engine's keys, which validation hashes as stored), an
// empty clustering key, and rows larger than RowHasher's buffer (hashed in streaming mode): the
// same tree on two nodes whatever the flushes, compactions and sets, and the one digest_partition
// gives.
TEST_F(ValidationTest, ZeroBytesInKeysAndLargeRowsGiveTheSameTreeEverywhere) {
  const std::string big(40 << 10, 'b');
  auto write = [&](Node& n, int i, bool reverse_columns) {
    Mutation m("ks", "t", std::string("p\0", 2) + std::to_string(i));
    std::vector<std::string> columns;
    for (int c = 0; c < 5; ++c) columns.push_back("col" + std::to_string(c));
    if (reverse_columns) std::reverse(columns.begin(), columns.end());
    for (const std::string& c : columns) m.set(std::string("r\0w", 3), c, big + c, 100 + i);
    m.set("", "only", "v", 100 + i);
    m.set(std::string("\0", 1), "z", std::string("\0\0", 2), 100 + i);
    return n.apply(m);
  };
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(write(*node_, i, false).ok());
  for (int i = 29; i >= 0; --i) {
    ASSERT_TRUE(write(*peer_, i, true).ok());
    if (i == 15) {
      ASSERT_TRUE(peer_->flush().ok());
      ASSERT_TRUE(peer_->mark_repaired("ks", "t", TokenRange(0, kMinToken), 1000).ok());
    }
  }
  ASSERT_TRUE(peer_->compact().ok());
  MerkleTree a = tree(*node_), b = tree(*peer_);
  EXPECT_EQ(a.total_rows(), 90u);
  EXPECT_EQ(a.root(), b.root());
  EXPECT_EQ(a.total_bytes(), b.total_bytes());
  const int64_t now = clock_.now_seconds();
  MerkleTree expected = tree_of_one_scan(*peer_, DataScope::kAll, now, 4);
  EXPECT_EQ(b.root(), expected.root());
  EXPECT_EQ(b.total_bytes(), expected.total_bytes());
}

// Options::direct_reads changes how SSTs are read, never what: the node reopened with it gives
// the same tree and the same reads.
TEST_F(ValidationTest, DirectReadsGiveTheSameTree) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(set(*node_, "k" + std::to_string(i), std::string(300, 'a' + i % 26), 10).ok());
  }
  ASSERT_TRUE(node_->flush().ok());
  const MerkleTree buffered = tree(*node_);
  node_.reset();
  Options o = options();
  o.direct_reads = true;
  auto direct = Node::open(o, clock_);
  ASSERT_TRUE(direct.ok()) << direct.status().to_string();
  EXPECT_EQ(tree(**direct).root(), buffered.root());
  EXPECT_EQ(tree(**direct).total_rows(), 200u);
  auto row = (*direct)->read_row("ks", "t", "k7", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, std::string(300, 'h'));
}

}  // namespace
}  // namespace rk::storage
