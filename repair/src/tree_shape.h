// The shape check the session algorithms share (tree_diff.cc, transfer_plan.cc): replica trees
// can only be compared leaf by leaf when they cover the same range with the same leaves.
#pragma once

#include <span>

#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/tree_diff.h"

namespace rk::repair {

// InvalidArgument when `trees` is empty, a tree's leaf_rows (or non-empty leaf_bytes) and
// leaf_hashes differ in size, or the trees differ in range or leaf count.
Status check_same_shape(std::span<const ReplicaTree> trees);

}  // namespace rk::repair
