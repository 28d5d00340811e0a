// When a table's deletions (tombstones, row and partition deletions, expired cells) may be purged:
// the one rule both the compaction filter (tombstone_purge.cc) and validation (row_digest.cc)
// apply, so that validation leaves out exactly what a replica may already have purged.
//
// By the table's tombstone_gc mode (docs/storage.md, "Purging tombstones"):
//  - timeout:   local_deletion_time + gc_grace_seconds <= now.
//  - repair:    a repair covering the token succeeded on every replica at views pinned after the
//               deletion (repair_history.h). Deletion times are whole seconds (the deletion
//               happened somewhere in [t, t+1)), repair times microseconds: purgeable only when
//               (t + 1) s <= the repair time, so a deletion in the second the views were pinned
//               stays.
//  - disabled:  never.
//  - immediate: at once.
// Not thread-safe (it caches the last history step looked up): one per thread or compaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "repair_history.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/schema.h"

namespace rk::storage {

class PurgeRule {
 public:
  // Purges nothing (a table this node does not know).
  PurgeRule() = default;
  // `history` is the table's (used in repair mode only; may be null otherwise).
  PurgeRule(const TableSchema& table, int64_t now_seconds,
            std::shared_ptr<const RangeTimes> history)
      : mode_(table.tombstone_gc),
        known_(true),
        gc_before_(now_seconds - table.gc_grace_seconds),
        history_(std::move(history)) {}

  // Whether a deletion of a key with `token`, deleted (or expired) at `local_deletion_time`
  // (seconds), may be purged.
  bool purgeable(Token token, int64_t local_deletion_time) const {
    if (!known_) return false;
    switch (mode_) {
      case TombstoneGc::kTimeout:
        return local_deletion_time <= gc_before_;
      case TombstoneGc::kDisabled:
        return false;
      case TombstoneGc::kImmediate:
        return true;
      case TombstoneGc::kRepair:
        return history_ != nullptr && local_deletion_time < repaired_at_us(token) / 1'000'000;
    }
    return false;
  }

 private:
  // Keys come in token order, so the step found last usually holds the next token too.
  int64_t repaired_at_us(Token token) const {
    if (!(token > lo_ && token <= hi_)) cached_ = history_->at(token, &lo_, &hi_);
    return cached_;
  }

  TombstoneGc mode_ = TombstoneGc::kDisabled;
  bool known_ = false;
  int64_t gc_before_ = 0;
  std::shared_ptr<const RangeTimes> history_;
  mutable Token lo_ = 0, hi_ = 0;  // (lo_, hi_]: the cached step; empty at first
  mutable int64_t cached_ = 0;
};

}  // namespace rk::storage
