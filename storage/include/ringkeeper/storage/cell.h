// A cell: one column's value in one row, with its write timestamp, as Cassandra stores it.
//
// Every cell carries the client's write timestamp (microseconds). A cell is live, expiring (it
// has a TTL and turns into a tombstone at `local_deletion_time`), or a tombstone (a delete, with
// the local time of the deletion in seconds, from which gc_grace_seconds is counted).
// Reconciliation is last-write-wins on the timestamp; see `reconcile` for the tie rules.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace rk::storage {

enum class CellKind : uint8_t {
  kLive = 0,       // a plain value
  kExpiring = 1,   // a value with a TTL
  kTombstone = 2,  // a deletion
};

// "No deletion time": what a live cell compares as in the tie rules (Cassandra's
// NO_DELETION_TIME).
inline constexpr int64_t kNoDeletionTime = std::numeric_limits<int64_t>::max();

struct Cell {
  CellKind kind = CellKind::kLive;
  int64_t timestamp = 0;    // write timestamp, microseconds since the epoch
  int64_t ttl_seconds = 0;  // kExpiring only: the TTL it was written with
  // kExpiring: when it expires (seconds since the epoch); kTombstone: when it was deleted
  // (seconds); kLive: kNoDeletionTime.
  int64_t local_deletion_time = kNoDeletionTime;
  std::string value;  // empty for tombstones

  static Cell live(int64_t timestamp, std::string value);
  static Cell expiring(int64_t timestamp, int64_t ttl_seconds, int64_t now_seconds,
                       std::string value);
  static Cell tombstone(int64_t timestamp, int64_t now_seconds);

  // True when the cell holds a value at `now_seconds` (live, or expiring and not yet expired).
  bool is_live(int64_t now_seconds) const;
  // True for a tombstone or an expired cell: it deletes, it does not hold a value.
  bool is_deletion(int64_t now_seconds) const { return !is_live(now_seconds); }

  friend bool operator==(const Cell&, const Cell&) = default;
};

// Cassandra's reconciliation of two versions of one cell, independent of arrival order:
// the higher timestamp wins; on equal timestamps a tombstone wins over a value, then the greater
// value bytes win, then the greater local_deletion_time (a live cell over an expiring one, the
// longer TTL over the shorter, the later deletion over the earlier). Returns true when `a` wins
// over `b` (or they are identical). Deliberately independent of the current time so that every
// replica, and RocksDB's merge at any moment, picks the same winner.
bool cell_supersedes(const Cell& a, const Cell& b);

// Returns the winner of `a` and `b` by `cell_supersedes`.
const Cell& reconcile(const Cell& a, const Cell& b);

}  // namespace rk::storage
