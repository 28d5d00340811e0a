// What a repair session streams from which replica to which (docs/repair.md, "What a session
// does", step 4), decided from the refinement's fine trees: per leaf where the replicas differ,
// the replicas are grouped by leaf hash, and one member of each group that holds rows sends the
// leaf's range to every replica outside the group. Both directions: a Merkle tree cannot tell
// which version is newer, the target's last-write-wins import settles it.
//
// Pure logic over plain data (ReplicaTree, tree_diff.h); the agent runs the transfers.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/repair/tree_diff.h"

namespace rk::repair {

// Stream `range` from replica `source` to replica `target` (indices into the session's replicas).
// `rows` and `bytes` are what the source counted in the range's leaves: what the transfer would
// carry. A session streams it; a preview session reports it instead (target is behind source).
struct Transfer {
  size_t source = 0;
  size_t target = 0;
  TokenRange range;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// The transfers for one refinement batch. trees[r][k] is replica r's tree for the batch's k-th
// request: every replica has one per request, and a request's trees share range and leaf count.
// A group's sender is `local` (the replica on the coordinating node: one hop less) when it is in
// the group, else the group's first replica. Adjacent ranges of one source→target pair are
// merged (their rows and bytes summed). Ordered by (source, target), then in the order of the
// batch's leaves.
// InvalidArgument when the trees do not have that shape or `local` is not a replica index.
Result<std::vector<Transfer>> plan_transfers(std::span<const std::vector<ReplicaTree>> trees,
                                             std::optional<size_t> local);

}  // namespace rk::repair
