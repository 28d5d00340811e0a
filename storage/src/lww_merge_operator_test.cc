// The merge operator keeps the LWW winner in the memtable, after flush and after compaction.
#include "lww_merge_operator.h"

#include <memory>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "cell_codec.h"
#include "test_support.h"

namespace rk::storage {
namespace {

class LwwMergeOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.merge_operator = make_lww_merge_operator();
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.path(), &db).ok());
    db_.reset(db);
  }
  void merge(const Cell& c) {
    ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), "k", encode_cell(c)).ok());
  }
  Cell read() {
    std::string v;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), "k", &v).ok());
    auto view = decode_cell(v);
    EXPECT_TRUE(view.has_value());
    return view ? view->to_cell() : Cell{};
  }
  testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(LwwMergeOperatorTest, OlderTimestampArrivingLateLosesInMemtable) {
  merge(Cell::live(5, "new"));
  merge(Cell::live(3, "old"));
  EXPECT_EQ(read().value, "new");
}

TEST_F(LwwMergeOperatorTest, OlderTimestampArrivingLateLosesAfterFlushAndCompaction) {
  merge(Cell::live(5, "new"));
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  merge(Cell::live(3, "old"));
  EXPECT_EQ(read().value, "new");
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  EXPECT_EQ(read().value, "new");
  ASSERT_TRUE(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok());
  EXPECT_EQ(read().value, "new");
}

TEST_F(LwwMergeOperatorTest, TombstoneWithEqualTimestampWinsInEitherOrder) {
  merge(Cell::tombstone(5, 100));
  merge(Cell::live(5, "v"));
  EXPECT_EQ(read().kind, CellKind::kTombstone);
}

TEST_F(LwwMergeOperatorTest, ManyOperandsFoldToTheHighestTimestamp) {
  for (int ts : {4, 9, 1, 7, 3}) merge(Cell::live(ts, "v" + std::to_string(ts)));
  EXPECT_EQ(read().value, "v9");
}

}  // namespace
}  // namespace rk::storage
