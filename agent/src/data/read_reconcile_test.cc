// Read reconciliation: replicas' raw partitions merge last-write-wins, deletions shadow only older
// cells, and the live view drops tombstones, expired cells and empty rows.
#include "data/read_reconcile.h"

#include <gtest/gtest.h>

namespace rk::agent {
namespace {

using storage::Cell;
using storage::Deletion;
using storage::Partition;
using storage::Row;

constexpr int64_t kNow = 1'700'000'000;

Partition partition(std::vector<Row> rows, Deletion deletion = {}) {
  Partition p;
  p.partition_key = "k";
  p.token = 42;
  p.deletion = deletion;
  p.rows = std::move(rows);
  return p;
}

Row row(std::string key, std::map<std::string, Cell> cells, Deletion deletion = {}) {
  Row r;
  r.clustering_key = std::move(key);
  r.cells = std::move(cells);
  r.deletion = deletion;
  return r;
}

Deletion deleted_at(int64_t ts) { return Deletion{ts, kNow}; }

TEST(ReadReconcile, NewestCellWinsWhateverTheReplicaOrder) {
  Partition a = partition({row("c", {{"v", Cell::live(10, "old")}})});
  Partition b = partition({row("c", {{"v", Cell::live(20, "new")}})});
  for (const auto& versions : {std::vector<Partition>{a, b}, std::vector<Partition>{b, a}}) {
    Partition live = live_view(merge_partitions(versions), kNow);
    ASSERT_EQ(live.rows.size(), 1u);
    EXPECT_EQ(live.rows[0].cells.at("v").value, "new");
    EXPECT_EQ(live.rows[0].cells.at("v").timestamp, 20);
  }
}

TEST(ReadReconcile, NewerTombstoneHidesTheValueOnAnotherReplica) {
  Partition a = partition({row("c", {{"v", Cell::live(10, "x")}})});
  Partition b = partition({row("c", {{"v", Cell::tombstone(11, kNow)}})});
  EXPECT_TRUE(live_view(merge_partitions({a, b}), kNow).rows.empty());
}

TEST(ReadReconcile, OlderTombstoneDoesNotHideANewerValue) {
  Partition a = partition({row("c", {{"v", Cell::live(12, "x")}})});
  Partition b = partition({row("c", {{"v", Cell::tombstone(11, kNow)}})});
  Partition live = live_view(merge_partitions({a, b}), kNow);
  ASSERT_EQ(live.rows.size(), 1u);
  EXPECT_EQ(live.rows[0].cells.at("v").value, "x");
}

TEST(ReadReconcile, EqualTimestampsPickTheSameWinnerAsStorage) {
  Partition a = partition({row("c", {{"v", Cell::live(10, "a")}})});
  Partition b = partition({row("c", {{"v", Cell::live(10, "b")}})});
  EXPECT_EQ(live_view(merge_partitions({a, b}), kNow).rows[0].cells.at("v").value, "b");
  EXPECT_EQ(live_view(merge_partitions({b, a}), kNow).rows[0].cells.at("v").value, "b");
  Partition t = partition({row("c", {{"v", Cell::tombstone(10, kNow)}})});
  EXPECT_TRUE(live_view(merge_partitions({a, t}), kNow).rows.empty());
}

TEST(ReadReconcile, RowDeletionOnOneReplicaShadowsOlderCellsOnOthers) {
  Partition a = partition({row("c", {{"old", Cell::live(5, "1")}, {"new", Cell::live(30, "2")}})});
  Partition b = partition({row("c", {}, deleted_at(20))});
  Partition live = live_view(merge_partitions({a, b}), kNow);
  ASSERT_EQ(live.rows.size(), 1u);
  EXPECT_EQ(live.rows[0].cells.count("old"), 0u);
  EXPECT_EQ(live.rows[0].cells.at("new").value, "2");
}

TEST(ReadReconcile, PartitionDeletionShadowsOlderRowsEverywhere) {
  Partition a =
      partition({row("a", {{"v", Cell::live(5, "1")}}), row("b", {{"v", Cell::live(50, "2")}})});
  Partition b = partition({}, deleted_at(20));
  Partition merged = merge_partitions({a, b});
  EXPECT_EQ(merged.deletion.marked_for_delete_at, 20);
  Partition live = live_view(merged, kNow);
  ASSERT_EQ(live.rows.size(), 1u);
  EXPECT_EQ(live.rows[0].clustering_key, "b");
}

TEST(ReadReconcile, ExpiredCellsAreNotReturned) {
  Partition a = partition({row("c", {{"v", Cell::expiring(10, 60, kNow - 100, "gone")},
                                     {"w", Cell::expiring(10, 600, kNow - 100, "here")}})});
  Partition live = live_view(merge_partitions({a}), kNow);
  ASSERT_EQ(live.rows.size(), 1u);
  EXPECT_EQ(live.rows[0].cells.count("v"), 0u);
  EXPECT_EQ(live.rows[0].cells.at("w").value, "here");
}

TEST(ReadReconcile, RowsComeBackInClusteringOrderAcrossReplicas) {
  Partition a = partition({row("b", {{"v", Cell::live(1, "b")}})});
  Partition b =
      partition({row("a", {{"v", Cell::live(1, "a")}}), row("c", {{"v", Cell::live(1, "c")}})});
  Partition live = live_view(merge_partitions({a, b}), kNow);
  ASSERT_EQ(live.rows.size(), 3u);
  EXPECT_EQ(live.rows[0].clustering_key, "a");
  EXPECT_EQ(live.rows[1].clustering_key, "b");
  EXPECT_EQ(live.rows[2].clustering_key, "c");
}

TEST(ReadReconcile, NoReplicaDataMeansAnEmptyPartition) {
  EXPECT_TRUE(live_view(merge_partitions({partition({}), partition({})}), kNow).rows.empty());
}

}  // namespace
}  // namespace rk::agent
