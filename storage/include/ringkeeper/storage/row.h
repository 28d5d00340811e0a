// Rows and partitions as reads and range streams return them.
//
// A partition (all rows under one partition key) may carry a partition deletion, a row a row
// deletion; each shadows every cell of the partition/row whose timestamp is <= its
// `marked_for_delete_at`, and nothing newer (Cassandra's DeletionTime).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/cell.h"

namespace rk::storage {

struct Deletion {
  // Cells with timestamp <= this are deleted. INT64_MIN: no deletion.
  int64_t marked_for_delete_at = std::numeric_limits<int64_t>::min();
  // When the deletion happened (seconds since the epoch); gc_grace_seconds counts from here.
  int64_t local_deletion_time = kNoDeletionTime;

  bool is_live() const { return marked_for_delete_at == std::numeric_limits<int64_t>::min(); }
  // True when a cell written at `timestamp` is shadowed by this deletion.
  bool deletes(int64_t timestamp) const { return timestamp <= marked_for_delete_at; }
  // The later of two deletions (higher marked_for_delete_at, then later local_deletion_time).
  bool supersedes(const Deletion& other) const;

  friend bool operator==(const Deletion&, const Deletion&) = default;
};

struct Row {
  std::string clustering_key;
  Deletion deletion;  // a row deletion; live in client reads (already applied)
  // column name -> cell. Client reads hold live cells only; raw reads (streams) also tombstones
  // and expired cells.
  std::map<std::string, Cell> cells;

  friend bool operator==(const Row&, const Row&) = default;
};

struct Partition {
  Token token = 0;
  std::string partition_key;
  Deletion deletion;      // a partition deletion; live in client reads (already applied)
  std::vector<Row> rows;  // in clustering key order (bytewise)

  friend bool operator==(const Partition&, const Partition&) = default;
};

}  // namespace rk::storage
