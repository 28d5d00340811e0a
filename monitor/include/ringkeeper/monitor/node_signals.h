// Signals from the storage engine's facts (storage::NodeFacts, converted by the agent): whether
// the largest compaction the engine could run next still fits in the free space (compaction
// headroom), how many SSTs the node holds, and the share of tombstones per table. Pure.
//
// Compaction headroom. A compaction writes its output before it deletes its input, so it needs
// free space as large as what it compacts. The largest one the engine could run next is the larger
// of RocksDB's estimate of bytes still to compact and a full compaction of the largest data set
// (unrepaired or repaired: they are never compacted together) — what `POST /v1/compact`, a
// size-tiered-like major compaction, or anticompaction after a repair would rewrite. The ratio
// free / needed is the headroom: below 1 the next large compaction fails for lack of space.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::monitor {

// The facts the node signals are computed from, one data set of one table per entry.
struct SetSize {
  std::string table;        // "keyspace.table"
  std::string set;          // "unrepaired" or "repaired"
  uint64_t bytes = 0;       // SST bytes
  uint64_t files = 0;       // SSTs
  uint64_t tombstones = 0;  // tombstone entries in those SSTs
  uint64_t entries = 0;     // all entries in those SSTs (0: not known)
};

struct NodeFactsInput {
  std::vector<SetSize> sets;
  uint64_t sst_files = 0;
  uint64_t pending_compactions = 0;  // data sets that need a compaction
  uint64_t running_compactions = 0;
  uint64_t pending_compaction_bytes = 0;
};

struct CompactionHeadroom {
  uint64_t largest_compaction_bytes = 0;  // what the next large compaction may need
  uint64_t free_bytes = 0;
  // free / largest; nullopt when there is nothing to compact (no limit).
  std::optional<double> ratio;
};

CompactionHeadroom compaction_headroom(const NodeFactsInput& facts, uint64_t free_bytes);

struct TombstoneRatio {
  std::string table;  // the table with the largest ratio over both its sets; "" when none known
  double ratio = 0;   // tombstones / entries of that table
  uint64_t tombstones = 0;
  uint64_t entries = 0;
};

// The table with the highest tombstone ratio (tables without known entries are skipped).
TombstoneRatio worst_tombstone_ratio(const NodeFactsInput& facts);

struct NodeCheckOptions {
  // Ranges on the headroom ratio (unitless): warning "1.5:" (free < 1.5 × the largest
  // compaction), critical "1:" (it no longer fits).
  Thresholds headroom = {Range{false, 1.5, kInfinity, Unit::kNone},
                         Range{false, 1, kInfinity, Unit::kNone}};
  // Ranges on the worst table's tombstone ratio: warning "0.2" (above 20%), critical "0.5".
  Thresholds tombstones = {Range{false, 0, 0.2, Unit::kNone}, Range{false, 0, 0.5, Unit::kNone}};
  // Ranges on the node's SST count: warning "5000", critical "20000".
  Thresholds files = {Range{false, 0, 5000, Unit::kNone}, Range{false, 0, 20000, Unit::kNone}};

  static constexpr double kInfinity = std::numeric_limits<double>::infinity();
};

// The verdict for `rkctl check node` and the agent: the worst of headroom, tombstones and files;
// one line with all three and perfdata.
PluginResult evaluate_node(const NodeFactsInput& facts, uint64_t free_bytes,
                           const NodeCheckOptions& options);

}  // namespace rk::monitor
