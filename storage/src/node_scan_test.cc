// Token-range scans: token order, range bounds, wrapping ranges, early stop.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

std::vector<Partition> scan_all(Node& node, const TokenRange& range) {
  std::vector<Partition> out;
  Status s = node.scan("ks", "t", range, [&](const Partition& p) {
    out.push_back(p);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
  return out;
}

class ScanTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    for (int i = 0; i < 50; ++i) {
      std::string pk = "key" + std::to_string(i);
      ASSERT_TRUE(put(pk, "c", "v", pk, 1).ok());
      tokens_.push_back(murmur3_token(pk));
    }
    std::sort(tokens_.begin(), tokens_.end());
  }
  std::vector<Token> tokens_;
};

TEST_F(ScanTest, FullRingScanVisitsEveryPartitionInTokenOrder) {
  auto parts = scan_all(*node_, TokenRange::full_ring());
  ASSERT_EQ(parts.size(), 50u);
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].token, tokens_[i]);
    EXPECT_EQ(parts[i].token, murmur3_token(parts[i].partition_key));
  }
}

TEST_F(ScanTest, RangeExcludesItsStartAndIncludesItsEnd) {
  auto parts = scan_all(*node_, TokenRange(tokens_[10], tokens_[20]));
  ASSERT_EQ(parts.size(), 10u);
  EXPECT_EQ(parts.front().token, tokens_[11]);
  EXPECT_EQ(parts.back().token, tokens_[20]);
}

TEST_F(ScanTest, WrappingRangeCoversBothEndsOfTheRing) {
  auto parts = scan_all(*node_, TokenRange(tokens_[45], tokens_[4]));
  ASSERT_EQ(parts.size(), 9u);  // tokens_[0..4] and tokens_[46..49]
  EXPECT_EQ(parts.front().token, tokens_[0]);
  EXPECT_EQ(parts.back().token, tokens_[49]);
}

TEST_F(ScanTest, VisitorReturningFalseStopsTheScan) {
  int seen = 0;
  ASSERT_TRUE(
      node_->scan("ks", "t", TokenRange::full_ring(), [&](const Partition&) { return ++seen < 3; })
          .ok());
  EXPECT_EQ(seen, 3);
}

TEST_F(ScanTest, ScanSkipsDeletedPartitionsButRawScanShowsTheirTombstones) {
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "key7").delete_partition(5)).ok());
  EXPECT_EQ(scan_all(*node_, TokenRange::full_ring()).size(), 49u);
  std::vector<Partition> raw;
  ASSERT_TRUE(node_
                  ->scan_raw("ks", "t", TokenRange::full_ring(), DataScope::kAll,
                             [&](const Partition& p) {
                               raw.push_back(p);
                               return true;
                             })
                  .ok());
  ASSERT_EQ(raw.size(), 50u);
  auto it = std::find_if(raw.begin(), raw.end(),
                         [](const Partition& p) { return p.partition_key == "key7"; });
  ASSERT_NE(it, raw.end());
  EXPECT_EQ(it->deletion.marked_for_delete_at, 5);
  EXPECT_TRUE(it->rows.empty());  // its cell (ts 1) is shadowed
}

TEST_F(ScanTest, TablesDoNotSeeEachOthersData) {
  ASSERT_TRUE(node_->create_table({"ks", "other"}).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "other", "x").set("c", "v", "1", 1)).ok());
  EXPECT_EQ(scan_all(*node_, TokenRange::full_ring()).size(), 50u);
}

}  // namespace
}  // namespace rk::storage
