// The compaction filter that purges tombstones and expired cells once the table's tombstone_gc
// mode allows (purge_rule.h), and drops cells shadowed by a row/partition deletion — without ever
// letting older data for the same key reappear.
//
// Rules (see docs/storage.md, "Purging tombstones"):
//  - Only a plain value (kValue) is ever removed: RocksDB folded every version of the key below
//    it into it, so nothing older of this key remains in this set. A merge operand is always kept:
//    removing it would expose an older version (ROCKSDB-NOTES.md).
//  - A cell tombstone, or an expired cell, is purged when the table's PurgeRule allows (timeout:
//    local_deletion_time + gc_grace_seconds <= now by the injected clock; repair: a repair of its
//    token succeeded after it) and the other set holds no version of the key.
//  - A row/partition deletion is purged under the same rule and only when no other key of
//    that row/partition exists in either set (so nothing it shadows can come back).
//  - A cell or row deletion shadowed by a row/partition deletion met earlier in the same
//    compaction is dropped at once (the deletion itself stays until it may be purged).
#pragma once

#include <atomic>
#include <memory>

#include <rocksdb/compaction_filter.h>

#include "ringkeeper/core/clock.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rk::storage {

class SchemaCatalog;
class RepairHistory;

// What the filter needs from the node; `db` is null until the node is open and again while it
// closes (the filter then keeps everything).
struct PurgeContext {
  std::atomic<rocksdb::DB*> db{nullptr};
  rocksdb::ColumnFamilyHandle* unrepaired = nullptr;
  rocksdb::ColumnFamilyHandle* repaired = nullptr;
  const SchemaCatalog* schema = nullptr;
  const RepairHistory* history = nullptr;
  const Clock* clock = nullptr;
};

std::shared_ptr<rocksdb::CompactionFilterFactory> make_tombstone_purge_factory(
    std::shared_ptr<PurgeContext> context);

}  // namespace rk::storage
