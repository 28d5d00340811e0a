// Leased views: renewed by use, released on request or when the lease runs out.
#include "repair/views.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace rk::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class ViewRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rk_views_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    storage::Options o;
    o.data_dir = dir_.string();
    o.write_buffer_bytes = 1 << 20;
    o.block_cache_bytes = 1 << 20;
    auto n = storage::Node::open(o, clock_);
    ASSERT_TRUE(n.ok());
    node_ = std::move(*n);
    views_ = std::make_unique<ViewRegistry>(*node_, clock_);
  }
  void TearDown() override {
    views_.reset();
    node_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  ManualClock clock_;
  std::unique_ptr<storage::Node> node_;
  std::unique_ptr<ViewRegistry> views_;
};

TEST_F(ViewRegistryTest, AViewLivesWhileItsLeaseIsRenewed) {
  auto v = views_->pin("s1", milliseconds(1000));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->session, "s1");
  for (int i = 0; i < 5; ++i) {
    clock_.advance_micros(900'000);
    ASSERT_TRUE(views_->use(v->id, milliseconds(1000)).ok()) << "round " << i;
  }
  clock_.advance_micros(900'000);
  ASSERT_TRUE(views_->renew(v->id, milliseconds(1000)).ok());
  EXPECT_EQ(views_->list().size(), 1u);
}

TEST_F(ViewRegistryTest, AViewWhoseLeaseRanOutIsReleased) {
  auto v = views_->pin("s1", milliseconds(1000));
  ASSERT_TRUE(v.ok());
  clock_.advance_micros(1'000'000);
  EXPECT_EQ(views_->expire(), 1u);
  EXPECT_TRUE(views_->list().empty());
  auto gone = views_->use(v->id, milliseconds(1000));
  EXPECT_EQ(gone.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(gone.status().message().find("lease"), std::string::npos);
}

TEST_F(ViewRegistryTest, ReleaseForgetsTheViewAndUnknownIsNotFound) {
  auto v = views_->pin("s1", milliseconds(1000));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(views_->release(v->id).ok());
  EXPECT_EQ(views_->release(v->id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(views_->use("nope", milliseconds(1)).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(views_->pin("s", milliseconds(0)).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ViewRegistryTest, AViewInUseOutlivesItsRelease) {
  ASSERT_TRUE(node_->create_keyspace({"ks", {}}).ok());
  ASSERT_TRUE(node_->create_table(storage::TableSchema{"ks", "t"}).ok());
  ASSERT_TRUE(node_->apply(storage::Mutation("ks", "t", "a").set("c", "v", "x", 1)).ok());
  auto v = views_->pin("s1", milliseconds(1000));
  ASSERT_TRUE(v.ok());
  auto held = views_->use(v->id, milliseconds(1000));
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(views_->release(v->id).ok());
  ASSERT_TRUE(node_->apply(storage::Mutation("ks", "t", "b").set("c", "v", "x", 1)).ok());
  auto tree =
      node_->validate("ks", "t", TokenRange::full_ring(), storage::DataScope::kAll, 1, held->get());
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->total_rows(), 1u);
}

}  // namespace
}  // namespace rk::agent
