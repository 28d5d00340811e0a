// Rows' versions as a replica lists them and as they travel: the listing agrees with the storage
// engine's reconciliation, and the wire forms round-trip and refuse malformed bytes.
#include "repair/row_exchange.h"

#include <gtest/gtest.h>

#include <random>

#include "ringkeeper/storage/cell.h"

namespace rk::agent {
namespace {

storage::Partition partition_with(std::vector<storage::Cell> cells) {
  storage::Partition p;
  p.partition_key = "p";
  p.token = 7;
  storage::Row r;
  r.clustering_key = "c";
  char column = 'a';
  for (auto& c : cells) r.cells.emplace(std::string(1, column++), std::move(c));
  p.rows.push_back(std::move(r));
  return p;
}

repair::CellVersion version_of(const storage::Cell& c) {
  std::vector<repair::RowVersions> units;
  append_row_versions(partition_with({c}), &units);
  return units.at(0).cells.at(0);
}

TEST(RowExchange, CertainlySupersedesNeverContradictsTheStorageEngine) {
  // Random cells with few distinct timestamps and values, so that ties are common: whenever the
  // versions say one certainly wins, the engine's reconciliation agrees; equal versions are equal
  // cells.
  std::mt19937_64 rng(7);
  auto random_cell = [&] {
    const int64_t ts = static_cast<int64_t>(rng() % 3);
    switch (rng() % 3) {
      case 0:
        return storage::Cell::live(ts, std::string(1, static_cast<char>('a' + rng() % 2)));
      case 1:
        return storage::Cell::expiring(ts, 1 + static_cast<int64_t>(rng() % 2), 1000,
                                       std::string(1, static_cast<char>('a' + rng() % 2)));
      default:
        return storage::Cell::tombstone(ts, 1000);
    }
  };
  int decided = 0;
  for (int i = 0; i < 2000; ++i) {
    const storage::Cell a = random_cell(), b = random_cell();
    if (!repair::certainly_supersedes(version_of(a), version_of(b))) continue;
    ++decided;
    EXPECT_TRUE(storage::cell_supersedes(a, b)) << i;
  }
  EXPECT_GT(decided, 500);
}

TEST(RowExchange, APartitionListsItsDeletionThenItsRows) {
  storage::Partition p =
      partition_with({storage::Cell::live(5, "x"), storage::Cell::tombstone(6, 1)});
  p.deletion.marked_for_delete_at = 3;
  p.deletion.local_deletion_time = 1;
  p.rows[0].deletion.marked_for_delete_at = 4;
  std::vector<repair::RowVersions> units;
  append_row_versions(p, &units);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_TRUE(units[0].key.partition_deletion);
  EXPECT_EQ(units[0].deleted_at, 3);
  EXPECT_FALSE(units[1].key.partition_deletion);
  EXPECT_EQ(units[1].key.clustering_key, "c");
  EXPECT_EQ(units[1].deleted_at, 4);
  ASSERT_EQ(units[1].cells.size(), 2u);
  EXPECT_EQ(units[1].cells[0].column, "a");
  EXPECT_FALSE(units[1].cells[0].tombstone);
  EXPECT_TRUE(units[1].cells[1].tombstone);
  EXPECT_TRUE(units[0].key < units[1].key);
}

TEST(RowExchange, ListingsAndKeysRoundTripAndMalformedBytesAreRefused) {
  RowListing listing(2);
  append_row_versions(partition_with({storage::Cell::live(5, std::string("x\0y", 3))}),
                      &listing[1]);
  const std::string wire = encode_row_listing(listing);
  auto back = decode_row_listing(wire);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, listing);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    EXPECT_FALSE(decode_row_listing(wire.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(decode_row_listing(wire + "x").ok());

  const std::vector<repair::RowKey> keys = {
      {.token = 1, .partition_key = "p", .partition_deletion = true},
      {.token = 1, .partition_key = "p", .clustering_key = std::string("\0c", 2)}};
  const std::string key_wire = encode_row_keys(keys);
  auto selectors = decode_row_keys(key_wire);
  ASSERT_TRUE(selectors.ok()) << selectors.status().to_string();
  ASSERT_EQ(selectors->size(), 2u);
  EXPECT_TRUE((*selectors)[0].partition_deletion);
  EXPECT_EQ((*selectors)[1].clustering_key, std::string("\0c", 2));
  for (size_t cut = 0; cut < key_wire.size(); ++cut) {
    EXPECT_EQ(decode_row_keys(key_wire.substr(0, cut)).status().code(), ErrorCode::kCorruption);
  }
  EXPECT_FALSE(decode_row_keys(key_wire + "x").ok());
}

}  // namespace
}  // namespace rk::agent
