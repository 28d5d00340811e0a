// Which Merkle trees a repair session builds and where its replicas' trees differ: the first
// pass over a range, the runs of leaves that are not the same on every replica, and the finer
// trees that narrow each run down to the rows that really differ (docs/repair.md, "What a
// session does", steps 2 and 3). What to stream from whom to whom is in transfer_plan.h.
//
// Pure logic over plain data: no I/O, no storage engine. repair/ depends on core only, so a tree
// comes in as a ReplicaTree, a view of the leaf hashes and row counts that the agent's
// storage::MerkleTree holds (leaf i covers range.split_piece(leaf count, i), as MerkleTree lays
// its leaves out), and the rule that picks a tree's depth comes in as a function (the agent
// passes storage::merkle_depth_for).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"

namespace rk::repair {

// A Merkle leaf or root hash (SHA-256, as storage::Digest).
using TreeHash = std::array<uint8_t, 32>;

// One replica's finalized Merkle tree, as the session algorithms read it. The spans view the
// tree's own arrays (no copy) and must outlive the call they are passed to.
struct ReplicaTree {
  TokenRange range = TokenRange::full_ring();
  TreeHash root{};
  std::span<const TreeHash> leaf_hashes;  // leaf i's hash at [i], in ring order from range.start()
  std::span<const uint64_t> leaf_rows;    // rows the replica counted in each leaf
  // Bytes the replica counted in each leaf (what the leaf would stream); may be empty (0 each).
  std::span<const uint64_t> leaf_bytes;
};

// One Merkle tree to build: 2^depth leaves over `range`.
struct TreeRequest {
  TokenRange range = TokenRange::full_ring();
  int depth = 0;
  friend bool operator==(const TreeRequest&, const TreeRequest&) = default;
};

// The depth of a tree over `range` at which each leaf is expected to hold at most
// `rows_per_leaf` of `rows` rows, capped at `max_depth` and at what the range's size allows.
using DepthRule = std::function<int(uint64_t rows, uint64_t rows_per_leaf, const TokenRange& range,
                                    int max_depth)>;

// How big a session's trees are (the agent's repair.* settings, docs/configuration.md).
struct TreeSizing {
  uint64_t rows_per_leaf = 1;          // first pass: rows a leaf should cover (0 counts as 1)
  uint64_t refine_leaves_per_row = 1;  // refinement: leaves per row of a differing run
  int max_tree_depth = 0;              // no tree deeper; a bigger first pass is cut into pieces
  size_t max_trees_per_batch = 1;      // refinement trees per validation call (0 counts as 1)
  DepthRule depth_for;                 // required
};

// The first pass over `range` for a table of about `rows` rows (the most any replica estimated):
// enough leaves that one covers about rows_per_leaf rows; when that takes more than
// 2^max_tree_depth leaves, several trees over equal-token pieces of the range, in ring order,
// each for its share of the rows (validated one after another: bounded memory).
// InvalidArgument when sizing.depth_for is missing.
Result<std::vector<TreeRequest>> first_pass_trees(const TokenRange& range, uint64_t rows,
                                                  const TreeSizing& sizing);

// A run of adjacent leaves where the replicas' trees differ.
struct DifferingRun {
  TokenRange range;       // the union of the run's leaf ranges
  uint64_t max_rows = 0;  // the most rows any one replica counted in the run
  friend bool operator==(const DifferingRun&, const DifferingRun&) = default;
};

// The runs of leaves whose hash is not the same on every replica, in ring order from the trees'
// range start; empty when all roots are equal. A run ending at a whole-ring tree's last leaf and
// one starting at its first leaf stay two runs (each is refined on its own). A run is cut before
// a leaf that would take its max_rows over `max_run_rows`; a single leaf over it is a run alone.
// InvalidArgument when `trees` is empty or the trees differ in range or leaf count, or a tree's
// leaf_rows and leaf_hashes differ in size.
Result<std::vector<DifferingRun>> differing_runs(
    std::span<const ReplicaTree> trees,
    uint64_t max_run_rows = std::numeric_limits<uint64_t>::max());

// The refinement: each run validated again with about refine_leaves_per_row leaves per row (of
// its max_rows), so that only the rows that really differ, and few neighbours, are streamed.
// Batches in run order, each of at most max_trees_per_batch trees and, unless a single tree,
// at most 2^(max_tree_depth+1) leaves: few validation calls, bounded tree memory.
// InvalidArgument when sizing.depth_for is missing.
Result<std::vector<std::vector<TreeRequest>>> refinement_batches(std::span<const DifferingRun> runs,
                                                                 const TreeSizing& sizing);

}  // namespace rk::repair
