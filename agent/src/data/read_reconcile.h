// Read reconciliation: the coordinator merges the raw partitions its replicas returned
// (tombstones and deletions included) by timestamp, then keeps what is live. The same rules as
// the storage node's own merge: cells last-write-wins by storage::cell_supersedes, the newest
// row/partition deletion wins, and a deletion shadows every cell with timestamp <= its
// marked_for_delete_at. Pure functions; tested without processes (read_reconcile_test.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "ringkeeper/storage/row.h"

namespace rk::agent {

// Merges versions of one partition (same key) from several replicas into one raw partition.
// Rows stay in clustering-key order; cells and rows shadowed by a deletion are dropped (the
// deletion itself is kept).
storage::Partition merge_partitions(const std::vector<storage::Partition>& versions);

// The live view of a raw partition at `now_seconds`: tombstones, expired cells and shadowed cells
// removed, rows without a live cell removed, deletions cleared.
storage::Partition live_view(const storage::Partition& raw, int64_t now_seconds);

}  // namespace rk::agent
