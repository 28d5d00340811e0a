// Helpers shared by the storage tests: a temporary directory, a node opened in it, the leaves
// where two Merkle trees differ, and a table's whole contents as stream chunks.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/node.h"
#include "ringkeeper/storage/range_stream.h"

namespace rk::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rk-storage-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Indices of the leaves whose hashes differ between two finalized trees of the same range and
// depth: where a test expects a change to show. (Repair's own comparison across replicas is
// repair/include/ringkeeper/repair/tree_diff.h.)
inline std::vector<uint64_t> differing_leaves(const MerkleTree& a, const MerkleTree& b) {
  EXPECT_EQ(a.range(), b.range());
  EXPECT_EQ(a.depth(), b.depth());
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < std::min(a.leaf_count(), b.leaf_count()); ++i) {
    if (a.leaf_hashes()[i] != b.leaf_hashes()[i]) out.push_back(i);
  }
  return out;
}

// Every partition of table ks.`table` (both sets, tombstones included), page by page through
// export_page, each page that holds any as encode_partitions() bytes: what repair would stream.
inline std::vector<std::string> export_chunks(const Node& node, const std::string& table = "t",
                                              size_t page_bytes = 1 << 20,
                                              const View* view = nullptr) {
  std::vector<std::string> chunks;
  std::optional<TokenRange> next = TokenRange::full_ring();
  while (next) {
    auto page = node.export_page("ks", table, *next, DataScope::kAll, 100'000, page_bytes, view);
    EXPECT_TRUE(page.ok()) << page.status().to_string();
    if (!page.ok()) break;
    if (!page->partitions.empty()) chunks.push_back(encode_partitions(page->partitions));
    next = page->next;
  }
  return chunks;
}

// A node in a temp dir with a manual clock, a keyspace "ks" and a table "t".
class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reopen();
    ASSERT_TRUE(node_->create_keyspace({"ks", {}}).ok());
    TableSchema t;
    t.keyspace = "ks";
    t.name = "t";
    t.gc_grace_seconds = gc_grace_seconds_;
    ASSERT_TRUE(node_->create_table(t).ok());
  }

  void reopen() {
    node_.reset();
    auto n = Node::open(options(), clock_);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    node_ = std::move(n).value();
  }

  virtual Options options() {
    Options o;
    o.data_dir = dir_.path();
    o.write_buffer_bytes = 1 << 20;
    o.total_memtable_bytes = 4 << 20;
    o.block_cache_bytes = 1 << 20;
    return o;
  }

  // Writes one cell.
  Status put(const std::string& pk, const std::string& ck, const std::string& col,
             const std::string& value, int64_t ts, std::optional<int64_t> ttl = std::nullopt) {
    return node_->apply(Mutation("ks", "t", pk).set(ck, col, value, ts, ttl));
  }
  // The live value of one cell, or "" when there is none.
  std::string get(const std::string& pk, const std::string& ck, const std::string& col) {
    auto row = node_->read_row("ks", "t", pk, ck);
    EXPECT_TRUE(row.ok()) << row.status().to_string();
    if (!row.ok() || !row->has_value()) return "";
    auto it = (*row)->cells.find(col);
    return it == (*row)->cells.end() ? "" : it->second.value;
  }

  int64_t gc_grace_seconds_ = 100;
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Node> node_;
};

}  // namespace rk::storage::testing
