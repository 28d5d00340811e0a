// What a replica does with its own storage node for the internode API and the coordinator:
// raw single-partition reads and paged range exports (imports are
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

// One page of a range export.
struct ExportPage {
  std::vector<storage::Partition> partitions;
  // The rest of the range to ask for next; nullopt when the range is done.
  std::optional<TokenRange> next;
};

// Raw partitions of `range` in token order, stopping once `max_partitions` or about `max_bytes`
// of keys and values are collected (a page never ends between two partitions of the same token,
// so that the next page can start after that token). Reads at `view` when given.
Result<ExportPage> export_page(const storage::Node& node, std::string_view keyspace,
                               std::string_view table, const TokenRange& range,
                               storage::DataScope scope, size_t max_partitions, size_t max_bytes,
                               const storage::View* view = nullptr);

}  // namespace rk::agent
