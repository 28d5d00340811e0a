// RocksDB merge operator that keeps, of all versions of a key, the one that wins last-write-wins
// on the cell timestamp (cell_supersedes). Every write of the node is a Merge, so RocksDB's
// sequence order never decides: an old timestamp arriving late loses (ROCKSDB-NOTES.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <rocksdb/merge_operator.h>

namespace rk::storage {

// With `up_to_us`, full merges (reads) consider only versions written at or before it and
// yield an empty value when every version is newer: how replay_data_file reads a backed-up SST
// as of a point in time. Never give a cut-off operator to a database (compactions would drop the
// newer versions).
std::shared_ptr<rocksdb::MergeOperator> make_lww_merge_operator(
    std::optional<int64_t> up_to_us = std::nullopt);

}  // namespace rk::storage
