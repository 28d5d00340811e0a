// Replica trees as plain values for the session algorithms' tests (tree_diff_test.cc,
// transfer_plan_test.cc): each leaf holds a "version" number standing for its content, so a
// test says which replica holds what where, without building real Merkle trees.
#pragma once

#include <cstdint>
#include <vector>

#include "ringkeeper/repair/tree_diff.h"

namespace rk::repair::testing {

// One replica's tree over `range`: leaf i's hash stands for versions[i], and it counts rows[i]
// rows (by default one row per leaf with a version other than 0, none for version 0).
class TestTree {
 public:
  TestTree(TokenRange range, std::vector<uint64_t> versions, std::vector<uint64_t> rows = {})
      : range_(range), rows_(std::move(rows)) {
    if (rows_.empty()) {
      for (uint64_t v : versions) rows_.push_back(v == 0 ? 0 : 1);
    }
    // The root stands for all the leaves at once (FNV-1a over the versions).
    uint64_t fold = 14695981039346656037ULL;
    for (uint64_t v : versions) {
      TreeHash h{};
      for (int b = 0; b < 8; ++b) h[b] = static_cast<uint8_t>(v >> (8 * b));
      hashes_.push_back(h);
      fold = (fold ^ v) * 1099511628211ULL;
    }
    for (int b = 0; b < 8; ++b) root_[b] = static_cast<uint8_t>(fold >> (8 * b));
  }
  // Valid while this tree lives.
  ReplicaTree view() const { return {range_, root_, hashes_, rows_}; }

 private:
  TokenRange range_;
  TreeHash root_{};
  std::vector<TreeHash> hashes_;
  std::vector<uint64_t> rows_;
};

}  // namespace rk::repair::testing
