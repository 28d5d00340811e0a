// A repair session's first pass, tree diff across replicas and refinement (see
// ringkeeper/repair/tree_diff.h).
#include "ringkeeper/repair/tree_diff.h"

#include <algorithm>
#include <optional>
#include <string>

#include "tree_shape.h"

namespace rk::repair {

Status check_same_shape(std::span<const ReplicaTree> trees) {
  if (trees.empty()) return Status::InvalidArgument("no replica trees to compare");
  const ReplicaTree& first = trees[0];
  for (size_t r = 0; r < trees.size(); ++r) {
    const ReplicaTree& t = trees[r];
    if (t.leaf_rows.size() != t.leaf_hashes.size()) {
      return Status::InvalidArgument("replica tree " + std::to_string(r) + " has " +
                                     std::to_string(t.leaf_hashes.size()) + " leaf hashes but " +
                                     std::to_string(t.leaf_rows.size()) + " leaf row counts");
    }
    if (!t.leaf_bytes.empty() && t.leaf_bytes.size() != t.leaf_hashes.size()) {
      return Status::InvalidArgument("replica tree " + std::to_string(r) + " has " +
                                     std::to_string(t.leaf_hashes.size()) + " leaf hashes but " +
                                     std::to_string(t.leaf_bytes.size()) + " leaf byte counts");
    }
    if (t.range != first.range || t.leaf_hashes.size() != first.leaf_hashes.size()) {
      return Status::InvalidArgument("replica trees differ in shape: " + first.range.to_string() +
                                     " with " + std::to_string(first.leaf_hashes.size()) +
                                     " leaves against " + t.range.to_string() + " with " +
                                     std::to_string(t.leaf_hashes.size()));
    }
  }
  return Status::OK();
}

Result<std::vector<TreeRequest>> first_pass_trees(const TokenRange& range, uint64_t rows,
                                                  const TreeSizing& sizing) {
  if (!sizing.depth_for) return Status::InvalidArgument("tree sizing has no depth rule");
  const uint64_t per_leaf = std::max<uint64_t>(1, sizing.rows_per_leaf);
  const uint64_t leaves = std::max<uint64_t>(1, (rows + per_leaf - 1) / per_leaf);
  const uint64_t max_leaves = uint64_t{1} << sizing.max_tree_depth;
  uint64_t pieces = (leaves + max_leaves - 1) / max_leaves;
  if (static_cast<uint128_t>(pieces) > range.size()) pieces = static_cast<uint64_t>(range.size());
  RK_ASSIGN_OR_RETURN(std::vector<TokenRange> split, range.split(pieces));
  std::vector<TreeRequest> out;
  out.reserve(split.size());
  for (const TokenRange& piece : split) {
    out.push_back({piece, sizing.depth_for(rows / pieces, sizing.rows_per_leaf, piece,
                                           sizing.max_tree_depth)});
  }
  return out;
}

Result<std::vector<DifferingRun>> differing_runs(std::span<const ReplicaTree> trees,
                                                 uint64_t max_run_rows) {
  RK_RETURN_IF_ERROR(check_same_shape(trees));
  std::vector<DifferingRun> runs;
  const ReplicaTree& first = trees[0];
  const bool same_roots = std::all_of(trees.begin(), trees.end(),
                                      [&](const ReplicaTree& t) { return t.root == first.root; });
  if (same_roots) return runs;
  const uint64_t n = first.leaf_hashes.size();
  std::optional<TokenRange> open;
  std::vector<uint64_t> rows(trees.size(), 0);
  auto close = [&] {
    if (!open) return;
    runs.push_back({*open, *std::max_element(rows.begin(), rows.end())});
    open.reset();
    std::fill(rows.begin(), rows.end(), 0);
  };
  for (uint64_t i = 0; i < n; ++i) {
    bool differs = false;
    for (size_t r = 1; r < trees.size() && !differs; ++r) {
      differs = trees[r].leaf_hashes[i] != first.leaf_hashes[i];
    }
    if (!differs) {
      close();
      continue;
    }
    if (open) {
      bool over = false;
      for (size_t r = 0; r < trees.size() && !over; ++r) {
        over = rows[r] + trees[r].leaf_rows[i] > max_run_rows;
      }
      if (over) close();
    }
    const TokenRange leaf = first.range.split_piece(n, i);
    open = open ? TokenRange(open->start(), leaf.end()) : leaf;
    for (size_t r = 0; r < trees.size(); ++r) rows[r] += trees[r].leaf_rows[i];
  }
  close();
  return runs;
}

Result<std::vector<std::vector<TreeRequest>>> refinement_batches(std::span<const DifferingRun> runs,
                                                                 const TreeSizing& sizing) {
  if (!sizing.depth_for) return Status::InvalidArgument("tree sizing has no depth rule");
  const size_t max_trees = std::max<size_t>(1, sizing.max_trees_per_batch);
  const uint64_t max_leaves = uint64_t{2} << sizing.max_tree_depth;
  std::vector<std::vector<TreeRequest>> batches;
  uint64_t batch_leaves = 0;
  for (const DifferingRun& run : runs) {
    const int depth = sizing.depth_for(run.max_rows * sizing.refine_leaves_per_row, 1, run.range,
                                       sizing.max_tree_depth);
    const uint64_t leaves = uint64_t{1} << depth;
    if (batches.empty() || batches.back().size() >= max_trees ||
        batch_leaves + leaves > max_leaves) {
      batches.emplace_back();
      batch_leaves = 0;
    }
    batches.back().push_back({run.range, depth});
    batch_leaves += leaves;
  }
  return batches;
}

}  // namespace rk::repair
