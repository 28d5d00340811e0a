// The verdicts of `rkctl check repair`, `rkctl check backup` and `rkctl check consistency` on the
// scheduler's state (the contract's GET /api/v1/repair/deadlines, GET /api/v1/backups and the
// preview runs of GET /api/v1/repair/runs, parsed by the CLI). Pure: the time is passed in.
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

// One table of a preview run's findings (RUN's "differences", docs/api.md).
struct PreviewTable {
  std::string table;
  int64_t ranges = 0;  // differing sub-ranges
  int64_t rows = 0;    // rows the replicas behind lack
  int64_t bytes = 0;
  std::vector<std::string> behind;  // host ids
};

// A finished (DONE) preview run of GET /api/v1/repair/runs?preview=true&state=DONE.
struct PreviewRun {
  int64_t id = 0;
  std::string keyspace;
  std::vector<std::string> tables;  // the tables it compared
  int64_t finished_at_us = 0;
  std::vector<PreviewTable> differences;  // tables without differences may be absent
};

struct ConsistencyCheckOptions {
  // Only this keyspace ("" every keyspace with a preview) and table ("" all).
  std::string keyspace;
  std::string table;
  // Ranges on the rows that differ and on the differing ranges (plain numbers). Defaults: any
  // difference is a WARNING; more than 1,000 rows or 100 ranges CRITICAL.
  Thresholds rows = {Range{false, 0, 0, Unit::kNone}, Range{false, 0, 1000, Unit::kNone}};
  Thresholds ranges = {Range{false, 0, 0, Unit::kNone}, Range{false, 0, 100, Unit::kNone}};
  // A last preview that finished longer ago than this says nothing about now: UNKNOWN.
  int64_t max_age_us = int64_t{8} * 24 * 3600 * 1'000'000;
};

// The verdict on the last preview of each keyspace in scope (`runs` newest first, any order of
// keyspaces; the newest that compared options.table counts). UNKNOWN when the scope has no
// finished preview or its last one is older than max_age.
PluginResult evaluate_consistency(const std::vector<PreviewRun>& runs, int64_t now_us,
                                  const ConsistencyCheckOptions& options);

}  // namespace rk::monitor
