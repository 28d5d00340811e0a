// RocksDB merge operator that keeps, of all versions of a key, the one that wins last-write-wins
// on the cell timestamp (cell_supersedes). Every write of the node is a Merge, so RocksDB's
// sequence order never decides: an old timestamp arriving late loses (ROCKSDB-NOTES.md).
#pragma once

#include <memory>

#include <rocksdb/merge_operator.h>

namespace rk::storage {

std::shared_ptr<rocksdb::MergeOperator> make_lww_merge_operator();

}  // namespace rk::storage
