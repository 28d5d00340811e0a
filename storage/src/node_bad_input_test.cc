// Bad input to the write and read paths: a clear error and nothing written.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

TEST_F(NodeTest, NegativeTtlIsRejectedAndNothingIsWritten) {
  Mutation m("ks", "t", "p");
  m.set("c", "ok", "v", 1).set("c", "bad", "v", 1, -5);
  Status s = node_->apply(m);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("TTL"), std::string::npos);
  EXPECT_EQ(get("p", "c", "ok"), "");
}

TEST_F(NodeTest, BadMutationInBatchWritesNothing) {
  std::vector<Mutation> batch = {Mutation("ks", "t", "p1").set("c", "v", "1", 1),
                                 Mutation("ks", "nope", "p2").set("c", "v", "2", 1)};
  EXPECT_EQ(node_->apply_batch(batch).code(), ErrorCode::kNotFound);
  EXPECT_EQ(get("p1", "c", "v"), "");
}

TEST_F(NodeTest, UnknownKeyspaceOrTableIsNotFound) {
  EXPECT_EQ(node_->apply(Mutation("nope", "t", "p").set("c", "v", "1", 1)).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(node_->read_partition("ks", "nope", "p").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(node_->scan("nope", "t", TokenRange::full_ring(), [](const Partition&) { return true; })
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(NodeTest, NamesThatEscapeDirectoriesAreInvalid) {
  EXPECT_EQ(node_->apply(Mutation("..", "t", "p").set("c", "v", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->apply(Mutation("ks", "../t", "p").set("c", "v", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(NodeTest, MalformedKeysAreInvalid) {
  EXPECT_EQ(node_->apply(Mutation("ks", "t", "").set("c", "v", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->apply(Mutation("ks", "t", std::string(70000, 'k')).set("c", "v", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->apply(Mutation("ks", "t", "p").set(std::string(70000, 'c'), "v", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->apply(Mutation("ks", "t", "p").set("c", "", "1", 1)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->read_partition("ks", "t", "").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(NodeTest, ReservedTimestampIsInvalid) {
  EXPECT_EQ(node_->apply(Mutation("ks", "t", "p").delete_partition(INT64_MIN)).code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::storage
