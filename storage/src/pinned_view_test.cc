// Pinned views: reads at a view see the moment it was pinned; mark_repaired at a view moves only
// what the view saw; row estimates size Merkle trees.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "ringkeeper/storage/range_stream.h"
#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

class PinnedViewTest : public NodeTest {
 protected:
  // partition key -> value of cell (c, v) as scan_raw gives it in `scope`.
  std::map<std::string, std::string> contents(DataScope scope, const View* view = nullptr) {
    std::map<std::string, std::string> out;
    auto s = node_->scan_raw(
        "ks", "t", TokenRange::full_ring(), scope,
        [&](const Partition& p) {
          for (const Row& r : p.rows) {
            auto it = r.cells.find("v");
            if (it != r.cells.end()) out[p.partition_key] = it->second.value;
          }
          return true;
        },
        view);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  using Contents = std::map<std::string, std::string>;
};

TEST_F(PinnedViewTest, ReadsAtAViewSeeTheDataAsItWasWhenPinned) {
  ASSERT_TRUE(put("a", "c", "v", "old", 10).ok());
  auto view = node_->pin();
  ASSERT_TRUE(put("a", "c", "v", "new", 20).ok());
  ASSERT_TRUE(put("b", "c", "v", "later", 20).ok());
  ASSERT_TRUE(node_->flush().ok());
  EXPECT_EQ(contents(DataScope::kAll, view.get()), (Contents{{"a", "old"}}));
  EXPECT_EQ(contents(DataScope::kAll), (Contents{{"a", "new"}, {"b", "later"}}));
  auto at_view =
      node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 2, view.get());
  ASSERT_TRUE(at_view.ok());
  EXPECT_EQ(at_view->total_rows(), 1u);
  const auto chunks = testing::export_chunks(*node_, "t", 1 << 20, view.get());
  ASSERT_EQ(chunks.size(), 1u);
  auto parts = decode_partitions(chunks[0]);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].rows[0].cells.at("v").value, "old");
}

TEST_F(PinnedViewTest, AViewSpansBothSets) {
  ASSERT_TRUE(put("a", "c", "v", "1", 10).ok());
  auto view = node_->pin();
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  // At the view "a" is still unrepaired: the move happened after it.
  EXPECT_EQ(contents(DataScope::kUnrepaired, view.get()), (Contents{{"a", "1"}}));
  EXPECT_TRUE(contents(DataScope::kRepaired, view.get()).empty());
  EXPECT_EQ(contents(DataScope::kRepaired), (Contents{{"a", "1"}}));
}

TEST_F(PinnedViewTest, MarkRepairedAtAViewLeavesLaterWritesUnrepaired) {
  ASSERT_TRUE(put("a", "c", "v", "validated", 10).ok());
  ASSERT_TRUE(put("b", "c", "v", "validated", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  auto view = node_->pin();
  // Between the pin (validation) and the mark: a newer version of b, a new key c, and an older
  // version of a that loses to the validated one.
  ASSERT_TRUE(put("b", "c", "v", "after the view", 20).ok());
  ASSERT_TRUE(put("c", "c", "v", "after the view", 20).ok());
  ASSERT_TRUE(put("a", "c", "v", "older, loses", 5).ok());
  auto moved = node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000, view.get());
  ASSERT_TRUE(moved.ok()) << moved.status().to_string();
  EXPECT_EQ(*moved, 2u);
  EXPECT_EQ(contents(DataScope::kRepaired), (Contents{{"a", "validated"}, {"b", "validated"}}));
  EXPECT_EQ(contents(DataScope::kUnrepaired),
            (Contents{{"b", "after the view"}, {"c", "after the view"}}));
  EXPECT_EQ(contents(DataScope::kAll),
            (Contents{{"a", "validated"}, {"b", "after the view"}, {"c", "after the view"}}));
  // Still so after the memtables are flushed and everything is compacted.
  view.reset();
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(contents(DataScope::kUnrepaired),
            (Contents{{"b", "after the view"}, {"c", "after the view"}}));
  EXPECT_EQ(get("b", "c", "v"), "after the view");
  EXPECT_EQ(get("a", "c", "v"), "validated");
}

TEST_F(PinnedViewTest, ANewerDeleteAfterTheViewStaysUnrepairedAndShadows) {
  ASSERT_TRUE(put("a", "c", "v", "x", 10).ok());
  auto view = node_->pin();
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "a").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000, view.get()).ok());
  EXPECT_EQ(get("a", "c", "v"), "");
  auto unrepaired = node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kUnrepaired, 1);
  ASSERT_TRUE(unrepaired.ok());
  EXPECT_EQ(unrepaired->total_rows(), 1u);  // the tombstone, to be validated next time
}

TEST_F(PinnedViewTest, CompactingARangeAfterMarkingKeepsEveryVersion) {
  ASSERT_TRUE(put("a", "c", "v", "repaired", 10).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(put("b", "c", "v", "unrepaired", 10).ok());
  ASSERT_TRUE(
      node_->compact_range("ks", "t", TokenRange::full_ring(), DataScope::kUnrepaired).ok());
  EXPECT_EQ(contents(DataScope::kUnrepaired), (Contents{{"b", "unrepaired"}}));
  EXPECT_EQ(contents(DataScope::kAll), (Contents{{"a", "repaired"}, {"b", "unrepaired"}}));
}

TEST_F(PinnedViewTest, AViewOfAnotherNodeIsRejected) {
  testing::TempDir other_dir;
  Options o = options();
  o.data_dir = other_dir.path();
  auto other = Node::open(o, clock_);
  ASSERT_TRUE(other.ok());
  auto view = (*other)->pin();
  EXPECT_EQ(node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 1, view.get())
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1, view.get()).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(PinnedViewTest, ViewRecordsWhenItWasPinned) {
  clock_.advance_micros(1234);
  auto view = node_->pin();
  EXPECT_EQ(view->pinned_at_micros(), clock_.now_micros());
}

TEST_F(PinnedViewTest, RowEstimateIsExactForASmallRange) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(node_
                    ->apply(Mutation("ks", "t", "k" + std::to_string(i))
                                .set("r1", "x", "1", 1)
                                .set("r1", "y", "1", 1)
                                .set("r2", "x", "1", 1))
                    .ok());
  }
  auto rows = node_->estimate_rows("ks", "t", TokenRange::full_ring(), DataScope::kAll);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 100u);
  auto none = node_->estimate_rows("ks", "t", TokenRange::full_ring(), DataScope::kRepaired);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

TEST_F(PinnedViewTest, RowEstimateOfALargeRangeIsCloseAndSizesTheTree) {
  constexpr int kRows = 40000;
  std::vector<Mutation> batch;
  for (int i = 0; i < kRows; ++i) {
    batch.push_back(Mutation("ks", "t", "key" + std::to_string(i))
                        .set("c", "a", "value", 1)
                        .set("c", "b", "value", 1));
    if (batch.size() == 1000) {
      ASSERT_TRUE(node_->apply_batch(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE(node_->flush().ok());
  const TokenRange half(0, kMaxToken);  // about half the rows
  auto rows = node_->estimate_rows("ks", "t", half, DataScope::kAll);
  ASSERT_TRUE(rows.ok());
  EXPECT_GT(*rows, kRows / 2 * 6 / 10);
  EXPECT_LT(*rows, kRows / 2 * 15 / 10);
  // A tree sized from the estimate keeps leaves small.
  const int depth = merkle_depth_for(*rows, 4, half);
  auto tree = node_->validate("ks", "t", half, DataScope::kAll, depth);
  ASSERT_TRUE(tree.ok());
  uint64_t fullest = 0;
  for (uint64_t i = 0; i < tree->leaf_count(); ++i) fullest = std::max(fullest, tree->leaf(i).rows);
  EXPECT_LE(fullest, 40u);
  EXPECT_GE(static_cast<double>(tree->total_rows()) / static_cast<double>(tree->leaf_count()), 1.0);
}

}  // namespace
}  // namespace rk::storage
