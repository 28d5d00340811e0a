// Which leaves of a validation tree must be read, and which can stand on what is already known.
//
// The engine's data at a snapshot is the union of its memtables and live SST files. A leaf whose
// key range meets exactly one source, an SST the snapshot sees whole (its largest sequence number
// is not newer than the snapshot), holds exactly what that file holds there: every entry of every
// partition of the leaf is in that file, nothing else can add, shadow or reconcile with it, and an
// SST never changes. What a validation found in such a leaf, if no entry there depended on the
// clock or the purge rule (a unit of live cells only: EntryDigester::on_time_dependent), is kept
// per (file, tree shape) in the node's LeafDigestCache and added to later trees of the same shape
// instead of reading the leaf again, for as long as the file lives. A leaf that meets no source
// is empty. Everything else is read.
//
// Sources are found from the engine's file metadata (key ranges, which cover range deletions
// too) and the memtables: any point deletion in a memtable turns reuse off for the validation
// (a deletion's key is not visible to an iterator), otherwise a memtable-only iterator at the
// snapshot marks the leaves holding memtable entries the snapshot sees. Range deletions never
// stay in a memtable unflushed (Node::truncate_table flushes them). The memtables are looked at
// before the files, so an entry flushed in between is found in the files.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <rocksdb/db.h>

#include "leaf_digest_cache.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/merkle_tree.h"

namespace rk::storage {

enum class LeafPlan : uint8_t {
  kRead,         // read its entries
  kReadAndKeep,  // read them, then keep the leaf's aggregate for its one file
  kKept,         // add the aggregate kept for its one file; nothing to read
  kEmpty,        // no source holds a key of it; nothing to read
};

struct ValidationPlan {
  TreeShape shape;
  std::vector<LeafPlan> leaves;            // per leaf; all kRead when nothing can be reused
  std::vector<uint64_t> owner;             // per leaf: its one file's number (kReadAndKeep, kKept)
  std::vector<const LeafAggregate*> kept;  // per leaf: the kept aggregate (kKept)
  // Holds what `kept` points into.
  std::vector<std::shared_ptr<const std::vector<KeptLeaf>>> holds;
  bool reuses() const { return !owner.empty(); }
};

// Every leaf kRead: what validation does without a cache.
ValidationPlan read_everything(const MerkleTree& tree, uint32_t table_id);

// The plan for `tree` (empty, the table's `table_id`) over `sets` at `snapshot`, with the
// aggregates `cache` holds. Drops the cache's entries of files no longer live in `all_sets`.
// Reads only metadata and memtables.
Result<ValidationPlan> plan_validation(rocksdb::DB* db,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& sets,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& all_sets,
                                       const rocksdb::Snapshot* snapshot, const MerkleTree& tree,
                                       uint32_t table_id, LeafDigestCache& cache);

}  // namespace rk::storage
