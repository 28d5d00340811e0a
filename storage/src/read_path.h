// Reading across data sets: a cursor that merges the unrepaired and repaired sets key by key
// (reconciling a key present in both by last-write-wins), and the assembly of its entries into
// partitions with row/partition deletions applied.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "cell_codec.h"
#include "key_codec.h"
#include "node_impl.h"
#include "ringkeeper/core/token_range.h"

namespace rk::storage {

// Iterates the keys in [lower, upper) of one or more sets as of one snapshot, merged in key
// order; a key held by several sets yields once with the winning value. `bulk` (range scans):
// read ahead and leave the block cache to point reads.
class SetCursor {
 public:
  SetCursor(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& sets,
            std::string lower, std::string upper, const rocksdb::Snapshot* snapshot = nullptr,
            bool bulk = false);
  void seek(std::string_view key);
  void seek_to_first() { seek(lower_); }
  bool valid() const { return current_ >= 0; }
  void next();
  rocksdb::Slice key() const { return iterators_[current_]->key(); }
  rocksdb::Slice value() const { return iterators_[winner_]->value(); }
  Status status() const;

 private:
  void pick();
  std::string lower_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> iterators_;
  std::vector<char> at_current_;
  int current_ = -1;
  int winner_ = -1;
};

// Turns a key-ordered stream of entries into partitions. kLive keeps only live cells (client
// reads); kRaw keeps tombstones, expired cells and deletions (streams, validation). Both leave
// out what a newer row/partition deletion shadows.
class PartitionAssembler {
 public:
  enum class Mode { kLive, kRaw };
  PartitionAssembler(Mode mode, int64_t now_seconds, const PartitionVisitor& visit)
      : mode_(mode), now_(now_seconds), visit_(visit) {}
  // Adds one entry; false when the visitor asked to stop. Corruption for undecodable bytes.
  Result<bool> add(rocksdb::Slice key, rocksdb::Slice value);
  // Emits the last partition; false when the visitor asked to stop.
  bool finish();

 private:
  bool flush_row();
  bool flush_partition();
  Mode mode_;
  int64_t now_;
  PartitionVisitor visit_;
  std::string partition_prefix_;  // raw key bytes of the current partition
  bool have_partition_ = false;
  bool have_row_ = false;
  Partition partition_;
  Row row_;
  DecodedKey entry_;  // scratch for the entry part of each key
};

// [lower, upper) key ranges of a table covering the tokens of `range`, in token order.
std::vector<std::pair<std::string, std::string>> token_key_ranges(uint32_t table_id,
                                                                  const TokenRange& range);

// Reads [lower, upper) of `scope` and feeds every entry to `assembler`.
// `bulk`: read ahead (long scans); off for the small ranges repair streams.
Status assemble_range(const Node::Impl& impl, DataScope scope, const std::string& lower,
                      const std::string& upper, const rocksdb::Snapshot* snapshot,
                      PartitionAssembler* assembler, bool* stopped, bool bulk = true);

}  // namespace rk::storage
