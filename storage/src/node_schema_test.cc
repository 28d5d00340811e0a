// Schema of the node: keyspaces with replication, tables with gc_grace and default TTL,
// persisted across restarts, bad names rejected.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

TEST_F(NodeTest, SchemaSurvivesRestart) {
  KeyspaceSchema nts{"metrics",
                     {Replication::Strategy::kNetworkTopology, 0, {{"dc1", 3}, {"dc2", 2}}}};
  ASSERT_TRUE(node_->create_keyspace(nts).ok());
  TableSchema t;
  t.keyspace = "metrics";
  t.name = "samples";
  t.gc_grace_seconds = 3600;
  t.default_ttl_seconds = 60;
  auto created = node_->create_table(t);
  ASSERT_TRUE(created.ok());
  reopen();
  auto ks = node_->keyspace("metrics");
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(*ks, nts);
  auto loaded = node_->table("metrics", "samples");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, *created);
  EXPECT_EQ(node_->tables().size(), 2u);
}

TEST_F(NodeTest, TablesGetDistinctIdsAcrossRestarts) {
  auto a = node_->create_table({"ks", "a"});
  reopen();
  auto b = node_->create_table({"ks", "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id, b->id);
}

TEST_F(NodeTest, GcGraceDefaultsToTenDays) {
  auto t = node_->create_table({"ks", "d"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->gc_grace_seconds, 864000);
}

TEST_F(NodeTest, NamesWithPathSeparatorsOrDotsAreRejected) {
  for (const char* name : {"..", "a/b", "a\\b", "", "x.y", "a b"}) {
    Status s = node_->create_keyspace({name, {}});
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << name;
    auto t = node_->create_table({"ks", name});
    EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument) << name;
  }
  EXPECT_EQ(node_->keyspaces().size(), 1u);
}

TEST_F(NodeTest, TableInUnknownKeyspaceIsNotFound) {
  EXPECT_EQ(node_->create_table({"nope", "t"}).status().code(), ErrorCode::kNotFound);
}

TEST_F(NodeTest, DuplicateKeyspaceOrTableIsAlreadyExists) {
  EXPECT_EQ(node_->create_keyspace({"ks", {}}).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(node_->create_table({"ks", "t"}).status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(NodeTest, BadReplicationIsRejected) {
  EXPECT_EQ(node_->create_keyspace({"a", {Replication::Strategy::kSimple, 0, {}}}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->create_keyspace({"b", {Replication::Strategy::kNetworkTopology, 0, {}}}).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(NodeTest, NegativeGcGraceOrDefaultTtlIsRejected) {
  TableSchema t{"ks", "neg"};
  t.gc_grace_seconds = -1;
  EXPECT_EQ(node_->create_table(t).status().code(), ErrorCode::kInvalidArgument);
  t.gc_grace_seconds = 10;
  t.default_ttl_seconds = -1;
  EXPECT_EQ(node_->create_table(t).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::storage
