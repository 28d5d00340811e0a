// The serialized form of partitions streamed between replicas (repair) and between a node and
// its backups: every cell with its timestamp, TTL and local deletion time, tombstones and
// row/partition deletions included.
//
// Layout: "RKS1" | varint partition count | partitions, each:
//   varint len | partition key | token (i64 BE) | deletion | varint row count | rows, each:
//   varint len | clustering key | deletion | varint cell count | cells, each:
//   varint len | column | varint len | cell (kind u8 | timestamp i64 BE | ttl u32 BE |
//   local_deletion_time i64 BE | value)
// deletion := 0x00 (none) | 0x01 marked_for_delete_at (i64 BE) local_deletion_time (i64 BE)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

std::string encode_partitions(std::span<const Partition> partitions);

// Parses encode_partitions' output. Corruption for any malformed, truncated or trailing bytes;
// never reads out of bounds.
Result<std::vector<Partition>> decode_partitions(std::string_view bytes);

}  // namespace rk::storage
