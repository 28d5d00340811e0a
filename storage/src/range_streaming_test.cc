// Streaming units: export a token range page by page with every version detail, import with LWW
// semantics.
#include <gtest/gtest.h>

#include <set>

#include "ringkeeper/storage/range_stream.h"
#include "test_support.h"

namespace rk::storage {
namespace {

using testing::NodeTest;

std::vector<std::string> export_all(Node& node, size_t page_bytes = 1 << 20) {
  return testing::export_chunks(node, "t", page_bytes);
}

class StreamTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    other_ = std::make_unique<testing::TempDir>();
    Options o = options();
    o.data_dir = other_->path();
    auto n = Node::open(o, clock_);
    ASSERT_TRUE(n.ok());
    peer_ = std::move(n).value();
    ASSERT_TRUE(peer_->create_keyspace({"ks", {}}).ok());
    ASSERT_TRUE(peer_->create_table({"ks", "t"}).ok());
  }
  std::unique_ptr<testing::TempDir> other_;
  std::unique_ptr<Node> peer_;
};

TEST(RangeStream, EncodingRoundTripsEveryDetail) {
  Partition p;
  p.partition_key = std::string("k\0y", 3);
  p.token = 42;
  p.deletion = Deletion{5, 100};
  Row r;
  r.clustering_key = "c";
  r.deletion = Deletion{3, 90};
  r.cells["a"] = Cell::live(7, "v");
  r.cells["b"] = Cell::expiring(8, 60, 1000, "w");
  r.cells["c"] = Cell::tombstone(9, 1234);
  p.rows.push_back(r);
  std::vector<Partition> in = {p, Partition{-1, "empty", {}, {}}};
  auto out = decode_partitions(encode_partitions(in));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, in);
}

TEST(RangeStream, MalformedBytesAreCorruptionNeverACrash) {
  std::vector<Partition> in(1);
  in[0].partition_key = "k";
  in[0].rows.resize(1);
  in[0].rows[0].cells["a"] = Cell::live(1, "value");
  std::string bytes = encode_partitions(in);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(decode_partitions(bytes.substr(0, cut)).status().code(), ErrorCode::kCorruption);
  }
  EXPECT_EQ(decode_partitions(bytes + "x").status().code(), ErrorCode::kCorruption);
  std::string huge_count = "RKS1\xff\xff\xff\xff\x0f";
  EXPECT_EQ(decode_partitions(huge_count).status().code(), ErrorCode::kCorruption);
}

TEST_F(StreamTest, ExportedRangeImportsIntoAnEmptyReplicaIdentically) {
  ASSERT_TRUE(put("a", "c", "v", "1", 10).ok());
  ASSERT_TRUE(put("b", "c", "v", "2", 10, 300).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "b").delete_cell("c", "w", 11)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "d").delete_partition(12)).ok());
  for (const auto& chunk : export_all(*node_))
    ASSERT_TRUE(peer_->import_stream("ks", "t", chunk).ok());
  EXPECT_EQ(export_all(*peer_), export_all(*node_));
}

TEST_F(StreamTest, ImportNeverLetsAnOlderTimestampWin) {
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(peer_->apply(Mutation("ks", "t", "p").set("c", "v", "new", 20)).ok());
  for (const auto& chunk : export_all(*node_))
    ASSERT_TRUE(peer_->import_stream("ks", "t", chunk).ok());
  auto row = peer_->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, "new");
}

TEST_F(StreamTest, ImportedTombstoneDeletesOlderDataOnTheReplica) {
  ASSERT_TRUE(peer_->apply(Mutation("ks", "t", "p").set("c", "v", "zombie", 10)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_partition(15)).ok());
  for (const auto& chunk : export_all(*node_))
    ASSERT_TRUE(peer_->import_stream("ks", "t", chunk).ok());
  auto part = peer_->read_partition("ks", "t", "p");
  ASSERT_TRUE(part.ok());
  EXPECT_TRUE(part->rows.empty());
}

TEST_F(StreamTest, ExportPagesCoverAWrappingRangeExactlyOnce) {
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "key" + std::to_string(i);
    keys.insert(key);
    ASSERT_TRUE(put(key, "c", "v", "x", 1).ok());
  }
  // A wrapping range that is the whole ring: (42, 42].
  std::optional<TokenRange> next = TokenRange(42, 42);
  std::multiset<std::string> seen;
  int pages = 0;
  while (next) {
    auto page = node_->export_page("ks", "t", *next, DataScope::kAll, 7, 1 << 20);
    ASSERT_TRUE(page.ok()) << page.status().to_string();
    EXPECT_LE(page->partitions.size(), 7u);
    for (const auto& p : page->partitions) seen.insert(p.partition_key);
    next = page->next;
    ASSERT_LT(++pages, 100);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), keys);
  EXPECT_GE(pages, 15);
}

TEST_F(StreamTest, ExportSplitsIntoPagesOfWholePartitions) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(put("k" + std::to_string(i), "c", "v", "x", 1).ok());
  auto chunks = export_all(*node_, 100);
  EXPECT_GT(chunks.size(), 1u);
  size_t total = 0;
  for (const auto& c : chunks) {
    auto parts = decode_partitions(c);
    ASSERT_TRUE(parts.ok());
    total += parts->size();
  }
  EXPECT_EQ(total, 20u);
}

TEST_F(StreamTest, PartitionWithWrongTokenIsRejectedAndNothingWritten) {
  std::vector<Partition> parts(2);
  parts[0].partition_key = "good";
  parts[0].token = murmur3_token("good");
  parts[0].rows.push_back(Row{"c", {}, {{"v", Cell::live(1, "x")}}});
  parts[1] = parts[0];
  parts[1].partition_key = "bad";
  EXPECT_EQ(peer_->import_partitions("ks", "t", parts).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(export_all(*peer_).empty());
}

}  // namespace
}  // namespace rk::storage
