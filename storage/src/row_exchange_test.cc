// The node's side of the row-level exchange: scan_as_validated gives several ranges' partitions as
// validation digests them (what the purge rule lets go is left out), export_rows reads single
// rows and partition deletions as a range export would stream them.
#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

// A range holding the token of `pk` alone (and whatever shares it).
TokenRange just(const std::string& pk) {
  const Token t = murmur3_token(pk);
  return TokenRange(t - 1, t);
}

class RowExchangeTest : public NodeTest {
 protected:
  // Per range index, the partitions scan_as_validated visits.
  std::vector<std::vector<Partition>> validated(const std::vector<TokenRange>& ranges) {
    std::vector<std::vector<Partition>> out(ranges.size());
    auto s = node_->scan_as_validated("ks", "t", ranges, DataScope::kAll,
                                      [&](size_t range, const Partition& p) {
                                        out[range].push_back(p);
                                        return true;
                                      });
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  std::vector<Partition> exported(const std::vector<RowSelector>& rows) {
    auto out = node_->export_rows("ks", "t", rows, DataScope::kAll);
    EXPECT_TRUE(out.ok()) << out.status().to_string();
    return out.ok() ? *out : std::vector<Partition>{};
  }
};

TEST_F(RowExchangeTest, EachRangeGetsItsOwnPartitions) {
  for (const char* pk : {"a", "b", "c"}) ASSERT_TRUE(put(pk, "r", "v", pk, 10).ok());
  auto seen = validated({just("c"), just("a"), just("nothing-here")});
  ASSERT_EQ(seen[0].size(), 1u);
  EXPECT_EQ(seen[0][0].partition_key, "c");
  ASSERT_EQ(seen[1].size(), 1u);
  EXPECT_EQ(seen[1][0].partition_key, "a");
  EXPECT_TRUE(seen[2].empty());
}

TEST_F(RowExchangeTest, ValidatedPartitionsLeaveOutWhatMayBePurged) {
  // gc_grace 100 s, timeout mode: a deletion older than that is left out, as validation does.
  ASSERT_TRUE(put("p", "kept", "v", "x", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("old", "v", 20)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "gone").delete_partition(20)).ok());
  clock_.advance_seconds(200);
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("new", "v", 30)).ok());
  auto seen = validated({just("p"), just("gone")});
  ASSERT_EQ(seen[0].size(), 1u);
  ASSERT_EQ(seen[0][0].rows.size(), 2u);
  EXPECT_EQ(seen[0][0].rows[0].clustering_key, "kept");
  EXPECT_EQ(seen[0][0].rows[1].clustering_key, "new");
  EXPECT_EQ(seen[0][0].rows[1].cells.at("v").kind, CellKind::kTombstone);
  EXPECT_TRUE(seen[1].empty()) << "a purgeable partition deletion is left out";
}

TEST_F(RowExchangeTest, ExportRowsReadsTheNamedRowsAndDeletionsOnly) {
  ASSERT_TRUE(put("p", "r1", "v", "one", 10).ok());
  ASSERT_TRUE(put("p", "r2", "v", "two", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("r3", "v", 11)).ok());
  ASSERT_TRUE(put("q", "r1", "v", "other", 10).ok());
  auto out = exported({{.partition_key = "p", .clustering_key = "r3"},
                       {.partition_key = "p", .clustering_key = "r2"},
                       {.partition_key = "missing", .clustering_key = "r"}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].partition_key, "p");
  EXPECT_EQ(out[0].token, murmur3_token("p"));
  ASSERT_EQ(out[0].rows.size(), 2u);
  EXPECT_EQ(out[0].rows[0].clustering_key, "r2");
  EXPECT_EQ(out[0].rows[0].cells.at("v").value, "two");
  EXPECT_EQ(out[0].rows[1].clustering_key, "r3");
  EXPECT_EQ(out[0].rows[1].cells.at("v").kind, CellKind::kTombstone) << "tombstones travel";
}

TEST_F(RowExchangeTest, ExportRowsAppliesThePartitionDeletionAndSendsItOnlyWhenNamed) {
  ASSERT_TRUE(put("p", "old", "v", "x", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(20)).ok());
  ASSERT_TRUE(put("p", "new", "v", "y", 30).ok());
  // The old row is shadowed: nothing of it goes out, and the deletion only when named.
  auto rows = exported({{.partition_key = "p", .clustering_key = "old"},
                        {.partition_key = "p", .clustering_key = "new"}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].deletion.is_live());
  ASSERT_EQ(rows[0].rows.size(), 1u);
  EXPECT_EQ(rows[0].rows[0].clustering_key, "new");
  auto deletion = exported({{.partition_key = "p", .partition_deletion = true}});
  ASSERT_EQ(deletion.size(), 1u);
  EXPECT_EQ(deletion[0].deletion.marked_for_delete_at, 20);
  EXPECT_TRUE(deletion[0].rows.empty());
  // Only the shadowed row named: nothing to send.
  EXPECT_TRUE(exported({{.partition_key = "p", .clustering_key = "old"}}).empty());
}

TEST_F(RowExchangeTest, ExportedRowsImportIntoAnotherNodeAsARangeExportWould) {
  ASSERT_TRUE(put("p", "r", "v", "newer", 20).ok());
  auto out = exported({{.partition_key = "p", .clustering_key = "r"}});
  testing::TempDir other_dir;
  Options o = options();
  o.data_dir = other_dir.path();
  auto other = Node::open(o, clock_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->create_keyspace({"ks", {}}).ok());
  ASSERT_TRUE((*other)->create_table(TableSchema{"ks", "t"}).ok());
  ASSERT_TRUE((*other)->apply(Mutation("ks", "t", "p").set("r", "v", "older", 10)).ok());
  ASSERT_TRUE((*other)->import_stream("ks", "t", encode_partitions(out)).ok());
  auto row = (*other)->read_row("ks", "t", "p", "r");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, "newer");
}

TEST_F(RowExchangeTest, OversizedAndMalformedRequestsAreRefused) {
  std::vector<RowSelector> too_many(Node::kMaxExportRows + 1, {.partition_key = "p"});
  EXPECT_EQ(node_->export_rows("ks", "t", too_many, DataScope::kAll).status().code(),
            ErrorCode::kInvalidArgument);
  std::vector<RowSelector> empty_key = {{.partition_key = ""}};
  EXPECT_EQ(node_->export_rows("ks", "t", empty_key, DataScope::kAll).status().code(),
            ErrorCode::kInvalidArgument);
  std::vector<TokenRange> ranges(Node::kMaxExchangeRanges + 1, TokenRange(0, 1));
  EXPECT_EQ(node_
                ->scan_as_validated("ks", "t", ranges, DataScope::kAll,
                                    [](size_t, const Partition&) { return true; })
                .code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::storage
