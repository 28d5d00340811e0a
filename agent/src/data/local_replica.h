// What a replica does with its own storage node for the internode API and the coordinator:
// raw single-partition reads (range exports are storage::Node::export_page, imports
// storage::Node::import_partitions).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "ringkeeper/core/token_range.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// The raw partition (tombstones, deletions, expired cells included) restricted to `slice`; an
// empty partition (no rows, live deletion) when the node has nothing for the key. NotFound for
// an unknown keyspace/table.
Result<storage::Partition> read_raw_partition(const storage::Node& node, std::string_view keyspace,
                                              std::string_view table,
                                              std::string_view partition_key,
                                              const storage::ClusteringSlice& slice);

}  // namespace rk::agent
