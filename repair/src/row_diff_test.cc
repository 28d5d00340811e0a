// Who receives which rows from whom in the row-level exchange, on plain values: missing rows,
// stale versions, tombstones, deletions that shadow, equal rows and timestamp ties.
#include "ringkeeper/repair/row_diff.h"

#include <gtest/gtest.h>

namespace rk::repair {
namespace {

const TokenRange kRange(0, 1000);

RowKey row(Token token, std::string ck = "") {
  return {.token = token, .partition_key = "p" + std::to_string(token), .clustering_key = ck};
}

RowKey partition_deletion(Token token) {
  return {.token = token, .partition_key = "p" + std::to_string(token), .partition_deletion = true};
}

CellVersion cell(int64_t ts, uint64_t content = 1, std::string column = "v") {
  return {.column = std::move(column), .timestamp = ts, .content = content};
}

CellVersion tombstone(int64_t ts, std::string column = "v") {
  return {.column = std::move(column), .timestamp = ts, .tombstone = true, .content = 9};
}

RowVersions unit(RowKey key, std::vector<CellVersion> cells, int64_t deleted_at = kNotDeleted) {
  return {.key = std::move(key), .deleted_at = deleted_at, .cells = std::move(cells), .bytes = 10};
}

// Each replica's listing of kRange alone.
Result<std::vector<RowTransfer>> plan(std::vector<std::vector<RowVersions>> replicas,
                                      std::optional<size_t> local = std::nullopt) {
  std::vector<std::vector<std::vector<RowVersions>>> versions;
  for (auto& units : replicas) versions.push_back({std::move(units)});
  const std::vector<TokenRange> ranges = {kRange};
  return plan_row_transfers(ranges, versions, local);
}

RowTransfer transfer(size_t source, size_t target, std::vector<RowKey> rows) {
  const uint64_t bytes = 10 * rows.size();
  return {source, target, kRange, std::move(rows), bytes};
}

TEST(RowDiff, EqualRowsTransferNothing) {
  auto p =
      plan({{unit(row(5), {cell(10)})}, {unit(row(5), {cell(10)})}, {unit(row(5), {cell(10)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_TRUE(p->empty());
}

TEST(RowDiff, AMissingRowComesFromOneReplicaOnly) {
  auto p = plan({{unit(row(5), {cell(10)}), unit(row(7), {cell(10)})},
                 {unit(row(5), {cell(10)}), unit(row(7), {cell(10)})},
                 {unit(row(7), {cell(10)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 2, {row(5)})}));
  // The coordinator's replica sends when it holds the row.
  EXPECT_EQ(*plan({{unit(row(5), {cell(10)})}, {unit(row(5), {cell(10)})}, {}}, 1),
            (std::vector<RowTransfer>{transfer(1, 2, {row(5)})}));
}

TEST(RowDiff, AStaleVersionGoesOnlyToTheReplicaBehind) {
  // Replica 2 holds an older version: it receives the newer one, and nobody receives its own.
  auto p = plan({{unit(row(5), {cell(20, 2)})},
                 {unit(row(5), {cell(20, 2)})},
                 {unit(row(5), {cell(10, 1)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 2, {row(5)})}));
}

TEST(RowDiff, EachReplicaReceivesTheColumnsOnWhichItIsBehind) {
  // Replica 0 has the newer a, replica 1 the newer b: each is behind the other.
  auto p = plan({{unit(row(5), {cell(20, 1, "a"), cell(10, 1, "b")})},
                 {unit(row(5), {cell(10, 1, "a"), cell(20, 1, "b")})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 1, {row(5)}), transfer(1, 0, {row(5)})}));
}

TEST(RowDiff, AReplicaLackingATombstoneReceivesIt) {
  auto p = plan({{unit(row(5), {tombstone(20)})},
                 {unit(row(5), {tombstone(20)})},
                 {unit(row(5), {cell(10)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 2, {row(5)})}));
  // And where the value is newer than the tombstone, the value travels, not the tombstone.
  auto q = plan({{unit(row(5), {tombstone(20)})}, {unit(row(5), {cell(30)})}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<RowTransfer>{transfer(1, 0, {row(5)})}));
}

TEST(RowDiff, OnATimestampTieATombstoneWinsAndDifferentValuesGoBothWays) {
  auto p = plan({{unit(row(5), {tombstone(20)})}, {unit(row(5), {cell(20)})}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 1, {row(5)})}));
  // Same timestamp, different values: only their bytes decide, which the versions do not show.
  auto q = plan({{unit(row(5), {cell(20, 1)})}, {unit(row(5), {cell(20, 2)})}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<RowTransfer>{transfer(0, 1, {row(5)}), transfer(1, 0, {row(5)})}));
}

TEST(RowDiff, APartitionDeletionTravelsAndShadowsOlderRows) {
  // Replicas 0 and 1 deleted the partition at 20; replica 2 missed it and still holds a row
  // written at 10, which the deletion shadows: replica 2 receives the deletion, nobody the row.
  auto p = plan({{unit(partition_deletion(5), {}, 20)},
                 {unit(partition_deletion(5), {}, 20)},
                 {unit(row(5, "c"), {cell(10)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 2, {partition_deletion(5)})}));
  // A row written after the deletion survives it and travels to the replicas that lack it.
  auto q = plan({{unit(partition_deletion(5), {}, 20)}, {unit(row(5, "c"), {cell(30)})}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, (std::vector<RowTransfer>{transfer(0, 1, {partition_deletion(5)}),
                                          transfer(1, 0, {row(5, "c")})}));
}

TEST(RowDiff, ARowDeletionTravelsAndTheCellsItShadowsStay) {
  auto p = plan({{unit(row(5), {}, 20)}, {unit(row(5), {cell(10)})}});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(0, 1, {row(5)})}));
}

TEST(RowDiff, ANewerVersionOnAThirdReplicaMakesTheOlderOneRedundant) {
  // Replica 2 lacks the row; replica 0 (local) holds version 10, replica 1 version 20: replica 2
  // receives 20 only, and replica 0 receives 20 too.
  auto p = plan({{unit(row(5), {cell(10, 1)})}, {unit(row(5), {cell(20, 2)})}, {}}, 0);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, (std::vector<RowTransfer>{transfer(1, 0, {row(5)}), transfer(1, 2, {row(5)})}));
}

TEST(RowDiff, RowsOfSeveralRangesAreGroupedByRange) {
  const std::vector<TokenRange> ranges = {TokenRange(0, 10), TokenRange(20, 30)};
  std::vector<std::vector<std::vector<RowVersions>>> versions = {
      {{unit(row(5), {cell(10)})}, {unit(row(25), {cell(10)}), unit(row(26), {cell(10)})}},
      {{}, {}}};
  auto p = plan_row_transfers(ranges, versions, std::nullopt);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].range, ranges[0]);
  EXPECT_EQ((*p)[0].rows, std::vector<RowKey>{row(5)});
  EXPECT_EQ((*p)[1].range, ranges[1]);
  EXPECT_EQ((*p)[1].rows, (std::vector<RowKey>{row(25), row(26)}));
  EXPECT_EQ((*p)[1].bytes, 20u);
}

TEST(RowDiff, MalformedListingsAreRefused) {
  EXPECT_FALSE(plan({{unit(row(7), {cell(1)}), unit(row(5), {cell(1)})}, {}}).ok());
  EXPECT_FALSE(plan({{unit(row(5), {cell(1)}), unit(row(5), {cell(1)})}, {}}).ok());
  EXPECT_FALSE(plan({{unit(row(5000), {cell(1)})}, {}}).ok());  // outside the range
  EXPECT_FALSE(plan({{}, {}}, 2).ok());
  const std::vector<TokenRange> two = {kRange, TokenRange(2000, 3000)};
  std::vector<std::vector<std::vector<RowVersions>>> one_listing = {{{}}, {{}}};
  EXPECT_FALSE(plan_row_transfers(two, one_listing, std::nullopt).ok());
}

}  // namespace
}  // namespace rk::repair
