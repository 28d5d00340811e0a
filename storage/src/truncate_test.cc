// Node::truncate_table: a quarantined node discards its copy of a table before streaming it again.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

TEST_F(NodeTest, TruncateDiscardsEveryRowOfTheTableOnlyAndLastsAcrossAReopen) {
  TableSchema other;
  other.keyspace = "ks";
  other.name = "other";
  ASSERT_TRUE(node_->create_table(other).ok());
  ASSERT_TRUE(put("p", "c", "v", "flushed", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("q", "c", "v", "in memtable", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "other", "p").set("c", "v", "kept", 10)).ok());

  ASSERT_TRUE(node_->truncate_table("ks", "t").ok());
  EXPECT_EQ(get("p", "c", "v"), "");
  EXPECT_EQ(get("q", "c", "v"), "");
  auto kept = node_->read_row("ks", "other", "p", "c");
  ASSERT_TRUE(kept.ok() && kept->has_value());

  // Data imported after the truncation (the rebuild's streaming) is there; the old is not.
  ASSERT_TRUE(put("p", "c", "v", "streamed", 5).ok());
  reopen();
  EXPECT_EQ(get("p", "c", "v"), "streamed");
  EXPECT_EQ(get("q", "c", "v"), "");
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(get("p", "c", "v"), "streamed");
}

TEST_F(NodeTest, TruncateOfAnUnknownTableIsNotFound) {
  EXPECT_EQ(node_->truncate_table("ks", "nope").code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk::storage
