// Last-write-wins reconciliation of cells and deletions (Cassandra's tie rules) and the encoding.
#include <gtest/gtest.h>

#include "cell_codec.h"
#include "ringkeeper/storage/cell.h"

namespace rk::storage {
namespace {

TEST(Cell, HigherTimestampWinsWhateverTheOrder) {
  Cell old_cell = Cell::live(3, "zzz");
  Cell new_cell = Cell::live(5, "aaa");
  EXPECT_EQ(reconcile(old_cell, new_cell), new_cell);
  EXPECT_EQ(reconcile(new_cell, old_cell), new_cell);
}

TEST(Cell, OnEqualTimestampsTombstoneWinsOverValue) {
  Cell value = Cell::live(5, "v");
  Cell tomb = Cell::tombstone(5, 100);
  EXPECT_EQ(reconcile(value, tomb), tomb);
  EXPECT_EQ(reconcile(tomb, value), tomb);
}

TEST(Cell, OnEqualTimestampsGreaterValueBytesWin) {
  Cell a = Cell::live(5, "abc");
  Cell b = Cell::live(5, "abd");
  EXPECT_EQ(reconcile(a, b), b);
  EXPECT_EQ(reconcile(b, a), b);
}

TEST(Cell, OnEqualTimestampAndValueLiveWinsOverExpiring) {
  Cell live = Cell::live(5, "v");
  Cell expiring = Cell::expiring(5, 10, 100, "v");
  EXPECT_EQ(reconcile(live, expiring), live);
  EXPECT_EQ(reconcile(expiring, live), live);
}

TEST(Cell, ExpiringCellIsLiveUntilItsExpiry) {
  Cell c = Cell::expiring(1, 10, 100, "v");
  EXPECT_TRUE(c.is_live(109));
  EXPECT_FALSE(c.is_live(110));
}

TEST(Cell, EncodingRoundTripsEveryKind) {
  for (const Cell& c : {Cell::live(-7, std::string("a\0b", 3)), Cell::expiring(9, 60, 1000, "x"),
                        Cell::tombstone(11, 1234)}) {
    std::string bytes = encode_cell(c);
    auto v = decode_cell(bytes);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->to_cell(), c);
  }
}

TEST(Cell, TruncatedEncodingIsRejected) {
  std::string bytes = encode_cell(Cell::tombstone(11, 1234));
  EXPECT_FALSE(decode_cell(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(decode_cell("").has_value());
  EXPECT_FALSE(decode_cell(std::string(9, '\x07')).has_value());
}

TEST(Deletion, LaterDeletionSupersedesAndShadowsOnlyOlderOrEqualTimestamps) {
  Deletion d{10, 100};
  EXPECT_TRUE(d.deletes(10));
  EXPECT_TRUE(d.deletes(9));
  EXPECT_FALSE(d.deletes(11));
  EXPECT_TRUE((Deletion{11, 50}).supersedes(d));
  EXPECT_FALSE(d.supersedes(Deletion{11, 50}));
}

}  // namespace
}  // namespace rk::storage
