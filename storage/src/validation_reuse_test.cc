// Validation that reuses what it found in unchanged files gives exactly the tree a full read
// gives, whatever happened to the data since: overwrites, deletions of every kind, expiry, moves
// between the sets, flushes, compactions, truncation, views pinned before a change.
#include <gtest/gtest.h>

#include "node_impl.h"
#include "row_digest.h"
#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

class ValidationReuseTest : public NodeTest {
 protected:
  LeafDigestCache& cache() { return NodeInternals::of(*node_).kept_leaves; }

  MerkleTree validate(const TokenRange& range, int depth, DataScope scope,
                      const View* view = nullptr) {
    auto t = node_->validate("ks", "t", range, scope, depth, view);
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return std::move(t).value();
  }

  // The tree of the partitions scan_raw visits (the engine's merged view, no plan, no file read
  // alone), each digested with digest_partition.
  MerkleTree tree_of_scan(const TokenRange& range, int depth, DataScope scope, const View* view) {
    auto table = node_->table("ks", "t");
    EXPECT_TRUE(table.ok());
    const int64_t now = clock_.now_seconds();
    const PurgeRule rule(*table, now, nullptr);  // NodeTest's table is in timeout mode
    auto tree = MerkleTree::create(range, depth);
    EXPECT_TRUE(tree.ok());
    std::vector<RowDigest> units;
    auto visit = [&](const Partition& p) {
      digest_partition(p, now, rule, &units);
      for (const RowDigest& u : units) EXPECT_TRUE(tree->add_row(p.token, u.digest, u.bytes).ok());
      return true;
    };
    EXPECT_TRUE(node_->scan_raw("ks", "t", range, scope, visit, view).ok());
    tree->finalize();
    return std::move(tree).value();
  }

  // The tree of a plain scan against one validation with reuse off (leaves read, from their one
  // file where they have one) and two with reuse on (the first may keep leaves, the second
  // reuses them), for several shapes and every scope: equal in every leaf. Returns how many
  // leaves the validations with reuse took from kept aggregates.
  uint64_t expect_reuse_exact(const View* view = nullptr) {
    uint64_t reused = 0;
    const std::vector<std::pair<TokenRange, int>> shapes = {
        {TokenRange::full_ring(), 6},
        {TokenRange(int64_t{1} << 62, -(int64_t{1} << 62)), 4},  // wraps
        {TokenRange(-(int64_t{1} << 61), int64_t{1} << 60), 3},
    };
    for (const auto& [range, depth] : shapes) {
      for (DataScope scope : {DataScope::kAll, DataScope::kUnrepaired, DataScope::kRepaired}) {
        const MerkleTree full = tree_of_scan(range, depth, scope, view);
        for (int round = -1; round < 2; ++round) {
          cache().set_budget(round < 0 ? 0 : 64 << 20);
          const uint64_t before = cache().reused_leaves();
          const MerkleTree t = validate(range, depth, scope, view);
          reused += cache().reused_leaves() - before;
          EXPECT_EQ(t.root(), full.root()) << range << " depth " << depth << " round " << round;
          EXPECT_TRUE(testing::differing_leaves(t, full).empty());
          EXPECT_EQ(t.total_rows(), full.total_rows());
          EXPECT_EQ(t.total_bytes(), full.total_bytes());
          for (uint64_t i = 0; i < t.leaf_count(); ++i) {
            EXPECT_EQ(t.leaf_rows()[i], full.leaf_rows()[i]);
            EXPECT_EQ(t.leaf_bytes()[i], full.leaf_bytes()[i]);
          }
        }
      }
    }
    return reused;
  }

  void write_rows(int from, int to, const std::string& value, int64_t ts) {
    for (int i = from; i < to; ++i) {
      Mutation m("ks", "t", "k" + std::to_string(i));
      m.set("r" + std::to_string(i % 3), "c", value + std::to_string(i), ts);
      ASSERT_TRUE(node_->apply(m).ok());
    }
  }
};

TEST_F(ValidationReuseTest, UnchangedCompactedDataIsReusedAndGivesTheSameTree) {
  write_rows(0, 2000, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_GT(expect_reuse_exact(), 100u);
  EXPECT_GT(cache().bytes(), 0u);
}

TEST_F(ValidationReuseTest, OverwritesAreReadWhetherInTheMemtableFlushedOrCompacted) {
  write_rows(0, 2000, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  write_rows(0, 2000, "newer", 20);  // every row, in the memtable
  expect_reuse_exact();
  write_rows(500, 600, "older", 5);  // loses to what is there
  ASSERT_TRUE(node_->flush().ok());  // an L0 file over the compacted one
  expect_reuse_exact();
  write_rows(100, 110, "newest", 30);
  ASSERT_TRUE(node_->compact().ok());  // new files: kept leaves of the old ones are dropped
  EXPECT_GT(expect_reuse_exact(), 100u);
}

TEST_F(ValidationReuseTest, DeletionsAndTheirPurgeAreNeverTakenFromKeptLeaves) {
  write_rows(0, 1500, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  const int64_t ts = 100;
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k3").delete_partition(ts)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k4").delete_row("r1", ts)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k5").delete_cell("r2", "c", ts)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "k6").delete_row("r9", ts)).ok());  // no such row
  expect_reuse_exact();
  ASSERT_TRUE(node_->flush().ok());
  expect_reuse_exact();
  ASSERT_TRUE(node_->compact().ok());  // the deletions stay (gc_grace has not passed)
  expect_reuse_exact();
  clock_.advance_seconds(gc_grace_seconds_ + 1);  // now they are purgeable: left out of digests
  expect_reuse_exact();
  ASSERT_TRUE(node_->compact().ok());  // and purged
  EXPECT_GT(expect_reuse_exact(), 100u);
}

TEST_F(ValidationReuseTest, ExpiringCellsAreReadAsTheyExpire) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(put("k" + std::to_string(i), "r", "c", "v", 10,
                    i % 4 == 0 ? std::optional<int64_t>(50) : std::nullopt)
                    .ok());
  }
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  clock_.advance_seconds(60);  // expired, not yet purgeable
  expect_reuse_exact();
  clock_.advance_seconds(gc_grace_seconds_);
  expect_reuse_exact();
}

TEST_F(ValidationReuseTest, MovesBetweenTheSetsAndTheirDeletionMarkersAreRead) {
  write_rows(0, 1500, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  // Point deletions in the unrepaired set's memtable, the keys in the repaired set.
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange(kMinToken, 0), 1000).ok());
  expect_reuse_exact();
  ASSERT_TRUE(node_->flush().ok());
  expect_reuse_exact();
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_GT(expect_reuse_exact(), 100u);
}

TEST_F(ValidationReuseTest, TruncatedTableHasNoRows) {
  write_rows(0, 1000, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  ASSERT_TRUE(node_->truncate_table("ks", "t").ok());  // range deletions over kept files
  expect_reuse_exact();
  EXPECT_EQ(validate(TokenRange::full_ring(), 4, DataScope::kAll).total_rows(), 0u);
  write_rows(0, 10, "again", 20);
  expect_reuse_exact();
}

TEST_F(ValidationReuseTest, FileHoldingRowsAndTheRangeDeletionOverThemIsReadThroughTheEngine) {
  write_rows(0, 1000, "v", 10);  // in the memtable only
  // One file holds both: the view keeps the flush from dropping the rows.
  auto view = node_->pin();
  ASSERT_TRUE(node_->truncate_table("ks", "t").ok());
  expect_reuse_exact();
  EXPECT_EQ(validate(TokenRange::full_ring(), 6, DataScope::kAll).total_rows(), 0u);
  EXPECT_EQ(validate(TokenRange::full_ring(), 6, DataScope::kAll, view.get()).total_rows(), 1000u);
  expect_reuse_exact(view.get());
}

TEST_F(ValidationReuseTest, ViewPinnedBeforeNewerFilesSeesWhatItPinned) {
  write_rows(0, 1500, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  auto view = node_->pin();
  expect_reuse_exact(view.get());
  write_rows(0, 1500, "after the view", 20);
  ASSERT_TRUE(node_->compact().ok());  // files newer than the view, holding both versions
  expect_reuse_exact(view.get());
  const MerkleTree at_view = validate(TokenRange::full_ring(), 6, DataScope::kAll, view.get());
  view.reset();
  EXPECT_NE(validate(TokenRange::full_ring(), 6, DataScope::kAll).root(), at_view.root());
  expect_reuse_exact();
}

TEST_F(ValidationReuseTest, WritesToAnotherTableDoNotStopReuse) {
  TableSchema other{"ks", "other"};
  ASSERT_TRUE(node_->create_table(other).ok());
  write_rows(0, 1500, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  ASSERT_TRUE(node_->apply(Mutation("ks", "other", "x").set("", "c", "v", 1)).ok());
  EXPECT_GT(expect_reuse_exact(), 100u);
}

TEST_F(ValidationReuseTest, CacheDropsFilesThatAreGoneAndStaysWithinItsBudget) {
  write_rows(0, 1500, "v", 10);
  ASSERT_TRUE(node_->compact().ok());
  expect_reuse_exact();
  const size_t held = cache().bytes();
  EXPECT_GT(held, 0u);
  write_rows(0, 1500, "w", 20);
  ASSERT_TRUE(node_->compact().ok());
  cache().set_budget(held / 2);
  validate(TokenRange::full_ring(), 6, DataScope::kAll);  // the old files' entries go
  EXPECT_LE(cache().bytes(), held / 2);
}

}  // namespace
}  // namespace rk::storage
