// Raw single-partition reads against a real storage node.
#include "data/local_replica.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace rk::agent {
namespace {

namespace fs = std::filesystem;

class LocalReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rk_local_replica_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    storage::Options o;
    o.data_dir = dir_.string();
    o.write_buffer_bytes = 1 << 20;
    o.block_cache_bytes = 1 << 20;
    auto n = storage::Node::open(o, clock_);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    node_ = std::move(*n);
    ASSERT_TRUE(node_->create_keyspace({"ks", {}}).ok());
    storage::TableSchema t;
    t.keyspace = "ks";
    t.name = "t";
    ASSERT_TRUE(node_->create_table(t).ok());
  }
  void TearDown() override {
    node_.reset();
    fs::remove_all(dir_);
  }
  ManualClock clock_;
  fs::path dir_;
  std::unique_ptr<storage::Node> node_;
};

TEST_F(LocalReplicaTest, RawReadKeepsTombstonesAndHonoursTheSlice) {
  storage::Mutation m("ks", "t", "p");
  m.set("a", "v", "1", 10).set("b", "v", "2", 10).delete_cell("c", "v", 11);
  ASSERT_TRUE(node_->apply(m).ok());
  auto all = read_raw_partition(*node_, "ks", "t", "p", {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->rows[2].cells.at("v").kind, storage::CellKind::kTombstone);
  auto slice = read_raw_partition(*node_, "ks", "t", "p", {std::string("b"), std::nullopt});
  ASSERT_TRUE(slice.ok());
  ASSERT_EQ(slice->rows.size(), 2u);
  EXPECT_EQ(slice->rows[0].clustering_key, "b");
  auto none = read_raw_partition(*node_, "ks", "t", "nobody", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->rows.empty());
  EXPECT_EQ(read_raw_partition(*node_, "ks", "zz", "p", {}).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk::agent
