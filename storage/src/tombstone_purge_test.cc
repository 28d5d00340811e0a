// Tombstones and expired cells are purged by compaction only after gc_grace_seconds, and never
// in a way that lets older data reappear.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include "node_impl.h"
#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

// Partitions as stored (tombstones included) in `scope`.
std::vector<Partition> raw(Node& node, DataScope scope = DataScope::kAll) {
  std::vector<Partition> out;
  EXPECT_TRUE(node.scan_raw("ks", "t", TokenRange::full_ring(), scope,
                            [&](const Partition& p) {
                              out.push_back(p);
                              return true;
                            })
                  .ok());
  return out;
}

// gc_grace_seconds is 100 in NodeTest.
TEST_F(NodeTest, CellTombstoneIsKeptUntilGcGraceHasPassed) {
  ASSERT_TRUE(put("p", "c", "v", "x", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->compact().ok());
  clock_.advance_seconds(99);
  ASSERT_TRUE(node_->compact().ok());
  auto parts = raw(*node_);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].rows.at(0).cells.at("v").kind, CellKind::kTombstone);
}

TEST_F(NodeTest, CellTombstoneIsPurgedOnceGcGraceHasPassed) {
  ASSERT_TRUE(put("p", "c", "v", "x", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->compact().ok());
  clock_.advance_seconds(100);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_TRUE(raw(*node_).empty());
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(NodeTest, ExpiredCellIsPurgedOnlyGcGraceAfterItExpired) {
  ASSERT_TRUE(put("p", "c", "v", "x", 10, 50).ok());
  ASSERT_TRUE(node_->compact().ok());
  clock_.advance_seconds(50 + 99);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(raw(*node_).size(), 1u);
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_TRUE(raw(*node_).empty());
}

TEST_F(NodeTest, OlderValueFlushedBelowTheTombstoneDoesNotReappear) {
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->flush().ok());
  clock_.advance_seconds(1000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(node_->compact().ok());
    EXPECT_EQ(get("p", "c", "v"), "");
  }
  EXPECT_TRUE(raw(*node_).empty());
}

TEST_F(NodeTest, TombstoneIsKeptWhileTheOtherSetHoldsAnOlderValue) {
  ASSERT_TRUE(put("p", "c", "v", "old, repaired", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  clock_.advance_seconds(1000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(node_->compact().ok());
    EXPECT_EQ(get("p", "c", "v"), "");
  }
}

TEST_F(NodeTest, PartitionDeletionIsKeptWhileOlderCellsRemainInTheOtherSet) {
  ASSERT_TRUE(put("p", "c", "v", "old, repaired", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(20)).ok());
  clock_.advance_seconds(1000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(node_->compact().ok());
    EXPECT_EQ(get("p", "c", "v"), "");
  }
}

TEST_F(NodeTest, CellsShadowedByAPartitionDeletionAreDroppedAndTheDeletionPurgedAfterGcGrace) {
  ASSERT_TRUE(put("p", "a", "v", "x", 10).ok());
  ASSERT_TRUE(put("p", "b", "v", "y", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(20)).ok());
  ASSERT_TRUE(node_->compact().ok());
  ASSERT_TRUE(node_->compact().ok());
  auto parts = raw(*node_);
  ASSERT_EQ(parts.size(), 1u);  // the deletion stays within gc_grace
  EXPECT_EQ(parts[0].deletion.marked_for_delete_at, 20);
  clock_.advance_seconds(100);
  ASSERT_TRUE(node_->compact().ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_TRUE(raw(*node_).empty());
  EXPECT_EQ(get("p", "a", "v"), "");
}

TEST_F(NodeTest, NewerCellSurvivesThePurgeOfAnOlderPartitionDeletion) {
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(20)).ok());
  ASSERT_TRUE(put("p", "a", "v", "newer", 30).ok());
  clock_.advance_seconds(1000);
  ASSERT_TRUE(node_->compact().ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "a", "v"), "newer");
}

TEST_F(NodeTest, RowDeletionShadowsOnlyItsOwnRowDuringCompaction) {
  ASSERT_TRUE(put("p", "a", "v", "deleted", 10).ok());
  ASSERT_TRUE(put("p", "b", "v", "kept", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_row("a", 20)).ok());
  ASSERT_TRUE(node_->compact().ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "a", "v"), "");
  EXPECT_EQ(get("p", "b", "v"), "kept");
}

}  // namespace
}  // namespace rk::storage

namespace rk::storage {
namespace {

// Names of the SSTs of the unrepaired set at `level`.
std::vector<std::string> files_at(Node::Impl& impl, int level) {
  std::vector<rocksdb::LiveFileMetaData> files;
  impl.db->GetLiveFilesMetaData(&files);
  std::vector<std::string> out;
  for (const auto& f : files) {
    if (f.column_family_name == kUnrepairedSet && f.level == level) out.push_back(f.name);
  }
  return out;
}

TEST_F(NodeTest, TombstoneCompactedAboveOlderDataIsNotPurgedAndNothingReappears) {
  Node::Impl& impl = NodeInternals::of(*node_);
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(node_->compact().ok());  // the old value now sits in the bottommost level
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->flush().ok());
  clock_.advance_seconds(1000);
  // Compact only the tombstone's file, into a level above the old value: the filter sees the
  // tombstone as a merge operand and must keep it.
  auto l0 = files_at(impl, 0);
  ASSERT_EQ(l0.size(), 1u);
  ASSERT_TRUE(impl.db->CompactFiles(rocksdb::CompactionOptions(), impl.unrepaired, l0, 5).ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  auto l5 = files_at(impl, 5);
  ASSERT_EQ(l5.size(), 1u);
  ASSERT_TRUE(impl.db->CompactFiles(rocksdb::CompactionOptions(), impl.unrepaired, l5, 5).ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  // A full compaction folds both into one plain tombstone, then purges it: still nothing.
  ASSERT_TRUE(node_->compact().ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  EXPECT_TRUE(raw(*node_).empty());
}

}  // namespace
}  // namespace rk::storage
