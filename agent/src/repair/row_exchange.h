// The row-level exchange's data as a replica gives it and as it travels (docs/repair.md, "What a
// session does"): a replica's listing of the versions of its rows in a batch of ranges
// (repair::RowVersions, ringkeeper/repair/row_diff.h, made from the partitions its storage node
// gives as validation sees them), and the keys of the rows a sender is asked to export.
//
// Wire forms (big-endian; both ends are the same build):
//   listing := "RKV1" | u32 ranges | per range: u32 units | units, each:
//              u64 token | u8 kind (0 row, 1 partition deletion) | u32 len | partition key
//              | u32 len | clustering key | u64 deleted_at | u64 bytes | u32 cells | cells, each:
//              u32 len | column | u64 timestamp | u8 tombstone | u64 content
//   row keys := "RKR1" | u32 count | keys, each: u8 kind | u32 len | partition key | u32 len
//              | clustering key
// Decoders never read out of bounds and refuse trailing bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/row_diff.h"
#include "ringkeeper/storage/node.h"
#include "ringkeeper/storage/row.h"

namespace rk::agent {

// Per range, one replica's units of it.
using RowListing = std::vector<std::vector<repair::RowVersions>>;

// The units of a partition as the exchange compares them: its deletion, when set, and each row,
// with its deletion and its cells' versions. `p` as storage::Node::scan_as_validated gives it.
void append_row_versions(const storage::Partition& p, std::vector<repair::RowVersions>* out);

std::string encode_row_listing(const RowListing& listing);
// Corruption for malformed, truncated or trailing bytes.
Result<RowListing> decode_row_listing(std::string_view bytes);

std::string encode_row_keys(const std::vector<repair::RowKey>& keys);
// The keys as the storage node reads them. Corruption for malformed bytes, InvalidArgument for
// more than storage::Node::kMaxExportRows keys.
Result<std::vector<storage::RowSelector>> decode_row_keys(std::string_view bytes);

}  // namespace rk::agent
