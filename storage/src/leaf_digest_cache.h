// Leaf aggregates of unchanged engine files, kept so that validating unchanged data again does
// not read it again.
//
// An SST never changes while it lives and its number is never reused within a node
// (ROCKSDB-NOTES.md), so what a validation found in the leaves of a tree whose keys only a given
// set of files held — rows, their bytes and the sum of their digests (LeafAggregate) — holds for
// that set of files and that tree shape (table, range, depth) as long as the files live and no
// other source joins them there. Validation (validation_plan.h) decides which leaves have such a
// set and when a kept aggregate may stand for reading; this is only the store: bounded by a byte
// budget, least recently used entries go first, and entries naming a file that is gone are
// dropped.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/merkle_tree.h"

namespace rk::storage {

// A tree's shape: which leaves its indices name.
struct TreeShape {
  uint32_t table_id = 0;
  Token start = 0;
  Token end = 0;
  int depth = 0;
  friend auto operator<=>(const TreeShape&, const TreeShape&) = default;
};

// One leaf's aggregate as kept: the leaf's index in its tree and what its rows amount to.
struct KeptLeaf {
  uint32_t leaf = 0;
  LeafAggregate rows;
};

class LeafDigestCache {
 public:
  // 0 keeps nothing.
  explicit LeafDigestCache(size_t budget_bytes = 0) : budget_bytes_(budget_bytes) {}
  // Never while a validation runs (tests turn reuse off and on with it).
  void set_budget(size_t budget_bytes) { budget_bytes_ = budget_bytes; }

  bool enabled() const { return budget_bytes_ > 0; }

  // The leaves kept for the sources `files` (file numbers, sorted) in trees of `shape`, sorted
  // by leaf (none when nothing is kept).
  std::shared_ptr<const std::vector<KeptLeaf>> find(const std::vector<uint64_t>& files,
                                                    const TreeShape& shape);

  // Keeps `leaves` (sorted by leaf, no duplicates) for `files` and `shape`, merged with what is
  // kept there already (a leaf found again replaces its old aggregate: equal, since the files are
  // the same). Evicts least recently used entries to stay within the budget.
  void keep(const std::vector<uint64_t>& files, const TreeShape& shape,
            std::span<const KeptLeaf> leaves);

  // Drops the entries naming a file not in `live`.
  void retain_files(const std::unordered_set<uint64_t>& live);

  // Bytes held now (for tests and figures).
  size_t bytes() const;
  // Leaves validations took from here instead of reading them, since the node opened.
  void count_reused(uint64_t leaves) { reused_leaves_.fetch_add(leaves); }
  uint64_t reused_leaves() const { return reused_leaves_.load(); }

 private:
  using Key = std::tuple<std::vector<uint64_t>, TreeShape>;
  struct Entry {
    std::shared_ptr<const std::vector<KeptLeaf>> leaves;
    std::list<Key>::iterator recency;  // position in recency_, most recent first
  };
  static size_t cost(const std::vector<KeptLeaf>& leaves);
  void evict_to_budget();

  size_t budget_bytes_;
  mutable std::mutex mu_;
  std::map<Key, Entry> entries_;
  std::list<Key> recency_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> reused_leaves_{0};
};

}  // namespace rk::storage
