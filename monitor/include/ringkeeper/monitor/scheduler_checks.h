// The verdicts of `rkctl check repair` and `rkctl check backup` on the scheduler's state (the
// contract's GET /api/v1/repair/deadlines and GET /api/v1/backups, parsed by the CLI). Pure: the
// time is passed in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::monitor {

// One table of GET /api/v1/repair/deadlines.
struct TableDeadline {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 0;
  int64_t oldest_repaired_at_us = 0;  // 0: never repaired
  int64_t deadline_us = 0;            // when the least recently repaired range passes gc_grace
  int64_t forecast_done_us = 0;
  std::string state;  // "OK", "AT_RISK", "OVERDUE", "NEVER_REPAIRED"
  std::string message;
};

struct RepairCheckOptions {
  // Ranges on each table's time left until its deadline, in seconds (e.g. warning "2d:",
  // critical "0s:"). Without either range the scheduler's states decide, through
  // repair::deadline_severity: OVERDUE is CRITICAL, AT_RISK WARNING, NEVER_REPAIRED OK until the
  // table's deadline (creation + gc_grace), CRITICAL after it, WARNING when its age is unknown.
  Thresholds time_left;
};

PluginResult evaluate_repair(const std::vector<TableDeadline>& tables, int64_t now_us,
                             const RepairCheckOptions& options);

// One backup of GET /api/v1/backups.
struct BackupRun {
  std::string tag;
  std::string state;  // "RUNNING", "COMPLETE", "FAILED", "ABORTED"
  int64_t started_at_us = 0;
  int64_t completed_at_us = 0;
  int64_t nodes = 0;
  int64_t bytes = 0;
  int64_t files = 0;
};

struct BackupCheckOptions {
  // Ranges on the time since the last COMPLETE backup finished, in seconds. Defaults: warning
  // "36h" (older than 36 h: a daily backup was missed), critical "72h".
  Thresholds age = {Range{false, 0, 36 * 3600.0, Unit::kSeconds},
                    Range{false, 0, 72 * 3600.0, Unit::kSeconds}};
};

// CRITICAL when no backup ever completed.
PluginResult evaluate_backup(const std::vector<BackupRun>& backups, int64_t now_us,
                             const BackupCheckOptions& options);

}  // namespace rk::monitor
