// The node's repair history for tombstone GC (tombstone_gc: repair, docs/storage.md): per table,
// for every token, the time from which a repair that covered it succeeded on every replica. A
// tombstone of that token whose local deletion time is before it existed on every replica when the
// repair compared them, so it may be purged without any replica bringing the data back.
//
// Kept in the metadata column family, one record per table ("repair_history/<table id>", the
// table's step function), written synchronously: it survives kill -9, and snapshots (hence
// backups and restores) carry it with the data. The compaction filter and validation read it
// lock-free through immutable RangeTimes snapshots.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rk::storage {

// A time per token as a step function over the ring: steps[i] = (b, t) gives t to the tokens in
// (b, next b] (the last step runs to kMaxToken). The first step is always at kMinToken. Immutable
// once shared.
class RangeTimes {
 public:
  RangeTimes() : steps_{{kMinToken, 0}} {}
  // The time for `token` (0: never), and the range (lo, hi] that has the same time.
  int64_t at(Token token, Token* lo = nullptr, Token* hi = nullptr) const;
  // A copy where every token of `range` has at least `time`.
  RangeTimes raised(const TokenRange& range, int64_t time) const;
  // The steps with a time > 0, as disjoint ranges in token order.
  std::vector<std::pair<TokenRange, int64_t>> ranges() const;

  std::string encode() const;  // JSON [[b, t], ...]
  static Result<RangeTimes> decode(std::string_view text);

 private:
  std::vector<std::pair<Token, int64_t>> steps_;
};

class RepairHistory {
 public:
  // Loads every table's history from `cf` of `db` (both must outlive this).
  Status load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);
  // Raises the table's time to `repaired_at_us` over `range` (never lowers it) and persists it.
  Status record(uint32_t table_id, const TokenRange& range, int64_t repaired_at_us);
  // The table's history now (all zero when it has none). Never null.
  std::shared_ptr<const RangeTimes> of(uint32_t table_id) const;

 private:
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
  std::mutex record_mu_;   // one record at a time: read, raise, persist, publish
  mutable std::mutex mu_;  // guards tables_ (held only to copy or swap a pointer)
  std::map<uint32_t, std::shared_ptr<const RangeTimes>> tables_;
};

}  // namespace rk::storage
