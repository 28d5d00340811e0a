// Which leaves of a validation tree must be read, how, and which can stand on what is already
// known.
//
// The engine's data at a snapshot is the union of its memtables and live SST files. The sources
// of a leaf are the files whose key range meets the leaf's and the memtable entries in it. When
// a leaf has no memtable entry at the snapshot and every one of its files is seen whole by the
// snapshot (its largest sequence number is not newer), what the leaf holds at the snapshot is a
// function of those files alone: every entry of every partition of the leaf is in them, nothing
// else can add, shadow or reconcile with them, and an SST never changes. So:
//  - a leaf no source meets is empty: nothing to read;
//  - a leaf with one such file is read from that file alone (validation_reading.h);
//  - what a validation found in a leaf with such a set of files, if no entry there depended on
//    the clock or the purge rule (a unit of live cells only: EntryDigester::on_time_dependent),
//    is kept per (set of files, tree shape) in the node's LeafDigestCache and added to later
//    trees of the same shape instead of reading the leaf again, while the leaf's sources stay
//    exactly those files;
//  - every other leaf is read through the engine.
//
// Sources are found from the engine's file metadata (key ranges, which cover range deletions
// too) and the memtables: any point deletion in a memtable turns all of this off for the
// validation (a deletion's key is not visible to an iterator), otherwise a memtable-only
// iterator at the snapshot marks the leaves holding memtable entries the snapshot sees. Range
// deletions never stay in a memtable unflushed (Node::truncate_table flushes them). The
// memtables are looked at before the files, so an entry flushed in between is found in the
// files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "leaf_digest_cache.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/merkle_tree.h"

namespace rk::storage {

enum class LeafPlan : uint8_t {
  kRead,         // read its entries through the engine; keep nothing
  kReadAndKeep,  // read them through the engine; keep the leaf's aggregate when caching
  kReadOneFile,  // read them from its one file alone; keep the aggregate when caching
  kKept,         // add the aggregate kept for its files; nothing to read
  kEmpty,        // no source holds a key of it; nothing to read
};

// The set of files that are the sources of some leaves, each seen whole by the snapshot.
struct SourceGroup {
  std::vector<uint64_t> files;  // file numbers, sorted
  std::string path;             // the file's path when there is one file
};

struct ValidationPlan {
  TreeShape shape;
  std::vector<LeafPlan> leaves;  // per leaf; all kRead when the sources are not known
  // Per leaf: its sources, an index into `groups` (kReadAndKeep, kReadOneFile, kKept).
  std::vector<uint32_t> group;
  std::vector<SourceGroup> groups;
  std::vector<const LeafAggregate*> kept;  // per leaf: the kept aggregate (kKept)
  // Holds what `kept` points into.
  std::vector<std::shared_ptr<const std::vector<KeptLeaf>>> holds;
  bool keeps = false;  // the cache is on: keep what kReadAndKeep and kReadOneFile leaves hold
  bool knows_sources() const { return !group.empty(); }
};

// Every leaf kRead: what validation does without a cache.
ValidationPlan read_everything(const MerkleTree& tree, uint32_t table_id);

// The plan for `tree` (empty, the table's `table_id`) over `sets` at `snapshot`, with the
// aggregates `cache` holds when it is on. Drops the cache's entries of files no longer live in
// `all_sets`. Reads only metadata and memtables.
Result<ValidationPlan> plan_validation(rocksdb::DB* db,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& sets,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& all_sets,
                                       const rocksdb::Snapshot* snapshot, const MerkleTree& tree,
                                       uint32_t table_id, LeafDigestCache& cache);

}  // namespace rk::storage
