// The row-level exchange of a repair session (docs/repair.md, "What a session does", step 3):
// once the Merkle trees have narrowed the difference down to small ranges, every replica lists
// the versions of each row it holds there, and each replica receives exactly the rows on which
// another replica holds something newer, from one replica that holds it.
//
// A row's versions are what last-write-wins reconciliation compares (the storage engine's
// cell_supersedes and Deletion::supersedes): the row's deletion time and, per column, the
// cell's write timestamp, whether it is a tombstone, and a hash of the rest of the cell. A
// partition's deletion is a unit of its own, with no cells. The listing leaves out what a replica
// may already have purged, exactly as validation does, so rows a Merkle tree saw as equal are
// equal here too.
//
// Pure logic over plain data: no I/O, no storage engine. The agent turns the storage node's
// listing into RowVersions and streams what plan_row_transfers says.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"

namespace rk::repair {

// "No deletion": what a unit without one compares as.
inline constexpr int64_t kNotDeleted = std::numeric_limits<int64_t>::min();

// Which unit of a partition: its deletion, or one row (by clustering key).
struct RowKey {
  Token token = 0;
  std::string partition_key;
  bool partition_deletion = false;  // the partition's deletion; clustering_key is then empty
  std::string clustering_key;

  // Storage order: token, partition key, the deletion before the rows, clustering key.
  friend std::strong_ordering operator<=>(const RowKey& a, const RowKey& b) {
    if (auto c = a.token <=> b.token; c != 0) return c;
    if (auto c = a.partition_key <=> b.partition_key; c != 0) return c;
    if (a.partition_deletion != b.partition_deletion) {
      return a.partition_deletion ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    return a.clustering_key <=> b.clustering_key;
  }
  friend bool operator==(const RowKey&, const RowKey&) = default;
};

// One cell's version as reconciliation compares it.
struct CellVersion {
  std::string column;
  int64_t timestamp = 0;
  bool tombstone = false;  // a deletion of the cell (wins a timestamp tie over a value)
  // A hash of the cell's kind, TTL and value: two versions with the same timestamp, tombstone
  // flag and content are the same version.
  uint64_t content = 0;
  friend bool operator==(const CellVersion&, const CellVersion&) = default;
};

// One replica's versions of one unit.
struct RowVersions {
  RowKey key;
  // The row's or partition's deletion (its marked_for_delete_at); kNotDeleted when none.
  int64_t deleted_at = kNotDeleted;
  std::vector<CellVersion> cells;  // by column, in byte order; none for a partition deletion
  uint64_t bytes = 0;              // about what the unit weighs when streamed
  friend bool operator==(const RowVersions&, const RowVersions&) = default;
};

// Whether version `a` certainly wins over `b` or is the same version, by cell_supersedes' rule
// as far as the versions show it: the higher timestamp wins; on equal timestamps a tombstone
// wins over a value, and equal content is the same version. Two different values or TTLs with
// the same timestamp are settled by their bytes, which a version does not carry: then neither
// certainly wins, and each replica gets the other's (the import's last-write-wins keeps the
// winner).
bool certainly_supersedes(const CellVersion& a, const CellVersion& b);

// Send the rows `rows` (in RowKey order) of `range` from replica `source` to replica `target`
// (indices into the session's replicas). `bytes`: what the source counted for them.
struct RowTransfer {
  size_t source = 0;
  size_t target = 0;
  TokenRange range = TokenRange::full_ring();
  std::vector<RowKey> rows;
  uint64_t bytes = 0;
  friend bool operator==(const RowTransfer&, const RowTransfer&) = default;
};

// The row transfers for one batch of ranges. versions[r][k] is replica r's listing of
// ranges[k] (units in RowKey order, at most one per key). Target t receives a unit from a
// replica holding something t lacks and would keep: a deletion newer than t's, or a cell that
// is newer than t's version of it (or that t lacks) and that no replica's deletion of its row
// or partition shadows. When several replicas hold what t lacks, t receives the unit only from
// those whose versions no other's certainly supersede, and of equal ones from the preferred:
// `local` (the coordinator's replica: one hop less) first, then by index. Ordered by range, then
// (source, target); a range's transfers carry at least one row.
// InvalidArgument when the replicas did not list every range, a listing is out of order or
// repeats a key, or `local` is not a replica index.
Result<std::vector<RowTransfer>> plan_row_transfers(
    std::span<const TokenRange> ranges,
    std::span<const std::vector<std::vector<RowVersions>>> versions, std::optional<size_t> local);

}  // namespace rk::repair
