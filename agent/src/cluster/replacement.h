// Replacement streaming: a node that took a DOWN node's tokens fetches every table's data for
// the ranges it now replicates from the surviving replicas (internode export, page by page) and
// imports it last-write-wins, before it reports NORMAL.
#pragma once

#include <chrono>
#include <functional>

#include "data/replica_client.h"
#include "cluster/topology.h"

namespace rk::agent {

struct StreamStats {
  int64_t ranges = 0;      // (range, table) pairs streamed
  int64_t pages = 0;       // export pages fetched
  int64_t partitions = 0;  // partitions imported
};

// Streams the ranges `topology.self()` replicates, for every table of the schema, from every
// other replica of each range that is not DOWN, JOINING or REPLACED (taking them all makes the
// copy as complete as the survivors together). A range with no such replica is skipped with a
// warning (its data is lost). Unavailable when a range's every source failed; Cancelled when
// `stopping` returns true.
Result<StreamStats> stream_replaced_ranges(const Topology& topology, ReplicaClient& replicas,
                                           storage::Node& node,
                                           std::chrono::milliseconds page_timeout,
                                           const std::function<bool()>& stopping);

}  // namespace rk::agent
