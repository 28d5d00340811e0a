// Deterministic digests of reconciled rows, the units a Merkle tree is built from.
//
// A digest covers what replicas must agree on — keys, deletion timestamps, and each cell's kind,
// timestamp, TTL and value, columns in order — and leaves out local times (local deletion time,
// expiry), which each replica stamps with its own clock. Everything is length-prefixed so that
// no two different rows hash the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "key_codec.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

// One unit of a partition: its deletion or one of its rows.
struct RowDigest {
  Digest digest;
  uint64_t bytes;  // approximates the unit's size for streaming estimates
};

// Replaces `*out` with one unit for the partition's deletion (when it is set and not purgeable)
// and one per row with anything left after dropping what is purgeable at `gc_before` (deletions
// and expired cells whose local_deletion_time <= gc_before). The caller keeps `out` across
// partitions so that its storage is reused. Thread-safe (each thread hashes with its own state).
void digest_partition(const Partition& partition, int64_t now_seconds, int64_t gc_before,
                      std::vector<RowDigest>* out);

// The same digests straight from the engine's key-ordered entries (a raw scan's keys and values,
// before any Partition is built), added to `tree` as they complete. Applies what a raw scan
// applies — cells and row deletions shadowed by a newer row or partition deletion are left out —
// so for any range the tree gets exactly the units digest_partition() gives for the partitions
// Node::scan_raw visits (columns come in key order, which is their byte order, as in Row::cells).
// Validation uses it to skip building partitions. One per thread.
class EntryDigester {
 public:
  EntryDigester(int64_t now_seconds, int64_t gc_before, MerkleTree* tree)
      : now_(now_seconds), gc_before_(gc_before), tree_(tree) {}
  // Adds one entry; Corruption for undecodable bytes, or add_row's error.
  Status add(std::string_view key, std::string_view value);
  // Completes the last row; call once after the last entry.
  Status finish() { return finish_row(); }

 private:
  Status finish_row();

  int64_t now_;
  int64_t gc_before_;
  MerkleTree* tree_;
  Sha256 hash_;
  std::string partition_prefix_;  // raw key bytes of the current partition
  bool have_partition_ = false;
  Token token_ = 0;
  std::string partition_key_;
  Deletion partition_deletion_;
  bool have_row_ = false;
  Deletion row_deletion_;
  bool row_has_content_ = false;  // anything left after purging: the row is a unit
  uint64_t row_bytes_ = 0;
  std::string clustering_key_;
  DecodedKey entry_;  // scratch for each key's entry part
};

}  // namespace rk::storage
