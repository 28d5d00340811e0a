// The disk headroom check (`rkctl check disk`): free space of the filesystem holding the node's
// data against percent or byte thresholds, plus the per-node data budget. Defaults follow the
// operators' rule for Cassandra partitions, which need room for compactions and cleanups: warn
// below 60% free, critical below 50% free (a size-tiered major compaction may no longer fit),
// warn above 350 GiB of data on one node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ringkeeper/monitor/disk_headroom.h"
#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::monitor {

struct DiskCheckOptions {
  // The node's data directory (the agent's storage.data_dir default).
  std::string path = "/var/lib/ringkeeper";
  // Each range applies to the free percent when its unit is %, to the free bytes when it is a
  // byte unit. Defaults: warning "60%:" (free < 60%), critical "50%:" (free < 50%).
  Thresholds thresholds = default_thresholds();
  // WARNING when the data under `path` takes more than this many bytes (350 GiB); 0 turns the
  // budget (and the walk over the data directory) off.
  uint64_t data_budget_bytes = 350ull << 30;

  static Thresholds default_thresholds();
};

// What the check measured.
struct DiskFacts {
  std::string path;
  DiskUsage usage;
  std::optional<uint64_t> data_bytes;  // absent when the budget is off
};

// Checks that every range has a unit the disk check understands (%, bytes); kInvalidArgument
// otherwise. Unitless ranges must have been given a unit by the caller (the CLI reads them as %).
Status validate_disk_thresholds(const Thresholds& t);

// The verdict on measured facts: pure, for tests and for the agent's cached samples.
PluginResult evaluate_disk(const DiskFacts& facts, const DiskCheckOptions& options);

// Measures: statvfs of options.path, and the data walk unless the budget is off. For samplers
// (the agent) that cache facts and evaluate later.
Result<DiskFacts> measure_disk(const DiskCheckOptions& options);

// measure_disk + evaluate_disk. Any failure is an UNKNOWN result saying why.
PluginResult run_disk_check(const DiskCheckOptions& options);

// "301.2GiB": bytes in binary units with one decimal, for the human-readable text.
std::string format_bytes_iec(uint64_t bytes);

}  // namespace rk::monitor
