// Writes and reads through the node: last-write-wins, TTLs, cell/row/partition deletions.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

TEST_F(NodeTest, WrittenCellIsReadBack) {
  ASSERT_TRUE(put("p", "c", "v", "hello", 10).ok());
  EXPECT_EQ(get("p", "c", "v"), "hello");
}

TEST_F(NodeTest, OldWriteArrivingLateNeverOverwritesNewerOne) {
  ASSERT_TRUE(put("p", "c", "v", "new", 20).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  EXPECT_EQ(get("p", "c", "v"), "new");
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "c", "v"), "new");
}

TEST_F(NodeTest, CellDeleteHidesOlderValueNotNewerOne) {
  ASSERT_TRUE(put("p", "c", "v", "a", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 15)).ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  ASSERT_TRUE(put("p", "c", "v", "b", 20).ok());
  EXPECT_EQ(get("p", "c", "v"), "b");
}

TEST_F(NodeTest, RowDeleteShadowsOlderCellsAndNotNewerOnes) {
  ASSERT_TRUE(put("p", "c", "x", "old", 10).ok());
  ASSERT_TRUE(put("p", "c", "y", "new", 30).ok());
  ASSERT_TRUE(put("p", "d", "x", "other row", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_row("c", 20)).ok());
  auto row = node_->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.size(), 1u);
  EXPECT_EQ((*row)->cells.at("y").value, "new");
  EXPECT_EQ(get("p", "d", "x"), "other row");
}

TEST_F(NodeTest, PartitionDeleteShadowsOlderCellsEvenWhenTheyArriveLater) {
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(20)).ok());
  ASSERT_TRUE(put("p", "a", "x", "older, arrives late", 10).ok());
  ASSERT_TRUE(put("p", "b", "x", "newer", 25).ok());
  auto part = node_->read_partition("ks", "t", "p");
  ASSERT_TRUE(part.ok());
  ASSERT_EQ(part->rows.size(), 1u);
  EXPECT_EQ(part->rows[0].clustering_key, "b");
}

TEST_F(NodeTest, RowWithOnlyDeletedCellsIsAbsent) {
  ASSERT_TRUE(put("p", "c", "x", "v", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "x", 11)).ok());
  auto row = node_->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST_F(NodeTest, CellWithTtlExpires) {
  ASSERT_TRUE(put("p", "c", "v", "short", 10, 60).ok());
  clock_.advance_seconds(59);
  EXPECT_EQ(get("p", "c", "v"), "short");
  clock_.advance_seconds(1);
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(NodeTest, TableDefaultTtlAppliesUnlessTtlZeroIsGiven) {
  TableSchema t{"ks", "ttl"};
  t.default_ttl_seconds = 10;
  ASSERT_TRUE(node_->create_table(t).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "ttl", "p").set("c", "a", "defaulted", 1)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "ttl", "p").set("c", "b", "forever", 1, 0)).ok());
  clock_.advance_seconds(10);
  auto row = node_->read_row("ks", "ttl", "p", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.count("a"), 0u);
  EXPECT_EQ((*row)->cells.at("b").value, "forever");
}

TEST_F(NodeTest, ClusteringSliceReturnsRowsInByteOrderWithinBounds) {
  for (const char* ck : {"a", "b", "c", "d"}) ASSERT_TRUE(put("p", ck, "v", ck, 1).ok());
  ClusteringSlice slice{"b", "d"};
  auto part = node_->read_partition("ks", "t", "p", slice);
  ASSERT_TRUE(part.ok());
  ASSERT_EQ(part->rows.size(), 2u);
  EXPECT_EQ(part->rows[0].clustering_key, "b");
  EXPECT_EQ(part->rows[1].clustering_key, "c");
}

TEST_F(NodeTest, SliceReadStillAppliesThePartitionDeletion) {
  ASSERT_TRUE(put("p", "b", "v", "x", 1).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(5)).ok());
  auto part = node_->read_partition("ks", "t", "p", ClusteringSlice{"b", std::nullopt});
  ASSERT_TRUE(part.ok());
  EXPECT_TRUE(part->rows.empty());
}

TEST_F(NodeTest, KeysWithZeroBytesDoNotMixWithTheirPrefixes) {
  std::string pk_a("a", 1), pk_a0("a\0", 2);
  ASSERT_TRUE(put(pk_a, "c", "v", "1", 1).ok());
  ASSERT_TRUE(put(pk_a0, "c", "v", "2", 1).ok());
  EXPECT_EQ(get(pk_a, "c", "v"), "1");
  EXPECT_EQ(get(pk_a0, "c", "v"), "2");
  auto part = node_->read_partition("ks", "t", pk_a);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->rows.size(), 1u);
}

TEST_F(NodeTest, BatchWritesAllMutationsAtomically) {
  std::vector<Mutation> batch = {Mutation("ks", "t", "p1").set("c", "v", "1", 1),
                                 Mutation("ks", "t", "p2").set("c", "v", "2", 1)};
  ASSERT_TRUE(node_->apply_batch(batch).ok());
  EXPECT_EQ(get("p1", "c", "v"), "1");
  EXPECT_EQ(get("p2", "c", "v"), "2");
}

TEST_F(NodeTest, DataSurvivesReopen) {
  ASSERT_TRUE(put("p", "c", "v", "kept", 1).ok());
  reopen();
  EXPECT_EQ(get("p", "c", "v"), "kept");
}

}  // namespace
}  // namespace rk::storage
