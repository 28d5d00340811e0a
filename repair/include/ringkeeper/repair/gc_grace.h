// gc_grace planning: by when each table must be repaired again, whether the current pace gets
// there in time, and how often schedules should start repairs.
//
// A tombstone may be purged gc_grace_seconds after the delete; a replica that missed the delete
// and is not repaired before then brings the data back. So every range of a table must be repaired
// again within gc_grace_seconds of its previous successful repair: the table's deadline is
//     oldest last-successful-repair among its ranges + gc_grace_seconds
// and tables repaired together (one session covers several tables) use the smallest gc_grace of
// the group.
//
// forecast_deadlines() orders the outstanding work by deadline (earliest first, never-repaired
// first of all) and plays it forward at the observed pace, counting only time inside the
// maintenance windows, to say when each group will be done:
//   OK              the forecast lands before deadline - safety margin;
//   AT_RISK         it lands after deadline - margin (said while there is still time to act: the
//                   margin defaults to a fifth of gc_grace, two days at the 10-day default);
//   OVERDUE         the deadline has passed;
//   NEVER_REPAIRED  no successful repair was ever recorded (the deadline counts from when the
//                   table was first seen, if known).
// The scheduler (runs) serves the result as GET /api/v1/repair/deadlines and raises AT_RISK and
// OVERDUE as alerts. Pure logic: no clock, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/maintenance_window.h"
#include "ringkeeper/repair/segment_plan.h"
#include "ringkeeper/repair/segment_selection.h"

namespace rk::repair {

enum class DeadlineState { kOk, kAtRisk, kOverdue, kNeverRepaired };
// "OK", "AT_RISK", "OVERDUE", "NEVER_REPAIRED".
std::string_view deadline_state_name(DeadlineState state);

struct TableRef {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 864000;
};

// One unit of outstanding work: tables repaired together (one run, or one schedule's next run).
struct RepairWork {
  std::vector<TableRef> tables;
  // Oldest last-successful-repair among the ranges of these tables (0: some range never repaired).
  int64_t oldest_repaired_at_us = 0;
  // For never-repaired tables: when they were first seen (created); 0: unknown (deadline unknown,
  // the work goes first).
  int64_t first_seen_at_us = 0;
  // Bytes still to repair before every range has been repaired again (for a running run: the
  // segments not yet done; otherwise the whole keyspace's estimate).
  int64_t remaining_bytes = 0;
};

struct ForecastOptions {
  // Warn this long before the deadline: AT_RISK when the forecast lands after deadline - margin.
  // margin = max(safety_margin_min, safety_margin_fraction * gc_grace).
  double safety_margin_fraction = 0.2;              // a fifth of gc_grace
  std::chrono::seconds safety_margin_min{60 * 60};  // at least an hour
  // Repair throughput (bytes per second of open window time, all sessions together). <= 0: no
  // pace known yet; remaining work then forecasts as "unknown" (forecast_done_us = 0) and such
  // groups are OK only while now is before deadline - margin.
  double bytes_per_second = 0;
  // Only time inside these windows counts (always open by default).
  MaintenanceSchedule windows;
  // default_repair_interval() lets each cycle run this much longer than estimated (cycles vary
  // with data growth, load gates and retries).
  double cycle_allowance = 0.25;
};

struct TableDeadline {
  TableRef table;
  int64_t gc_grace_seconds = 0;       // the group's (smallest) gc_grace that the deadline uses
  int64_t oldest_repaired_at_us = 0;  // 0: never
  int64_t deadline_us = 0;            // 0: unknown (never repaired, creation unknown)
  int64_t forecast_done_us = 0;       // 0: no pace known yet
  DeadlineState state = DeadlineState::kOk;
  std::string message;  // e.g. "repair forecast 2026-11-30T04:00:00Z is 1.5 days past the safe
                        // point (deadline 2026-12-01T00:00:00Z minus 2 days margin)"
};

// One entry per table of every work item, in the order the work should run (deadline first).
std::vector<TableDeadline> forecast_deadlines(std::vector<RepairWork> work, int64_t now_us,
                                              const ForecastOptions& options = {});

// The smallest gc_grace_seconds of tables repaired together.
int64_t group_gc_grace_seconds(std::span<const TableRef> tables);

// The observed pace of a run: estimated bytes of the segments done within `lookback` before now
// (all done segments when fewer than `min_segments` finished in it), divided by the open window
// time from the first of their starts to the last of their finishes. Rests for intensity and
// waits for load count against the pace, closed windows do not (the forecast skips them too).
// 0 when nothing finished yet.
double observed_bytes_per_second(const SegmentPlan& plan, std::span<const SegmentProgress> progress,
                                 int64_t now_us, const MaintenanceSchedule& windows = {},
                                 std::chrono::seconds lookback = std::chrono::hours(24),
                                 size_t min_segments = 10);

struct ScheduleAdvice {
  std::chrono::seconds interval{0};
  std::string explanation;
};

// The default interval between scheduled full cycles so a cycle always lands inside gc_grace:
// a range repaired early in one cycle is next repaired at worst at the end of the next cycle, so
// interval + cycle + margin <= gc_grace, i.e. interval = gc_grace - cycle - margin, where
//   margin = max(safety_margin_min, safety_margin_fraction * gc_grace);
//   work   = estimated_cycle * (1 + cycle_allowance), the open-window time one cycle needs:
//            measure it as options.windows.open_time(start, finish) of the last cycle (its wall
//            time when there are no windows), or as total bytes / pace; an unknown cycle (0) is
//            taken as a quarter of gc_grace;
//   cycle  = the longest wall time `work` can take with the windows, wherever in the week from
//            `now_us` it starts (windows.worst_case_duration).
// The interval is never shorter than the cycle (cycles do not overlap). FailedPrecondition,
// naming the numbers, when the cycle is too long for gc_grace (no interval keeps the deadline).
Result<ScheduleAdvice> default_repair_interval(int64_t gc_grace_seconds,
                                               std::chrono::seconds estimated_cycle,
                                               const ForecastOptions& options = {},
                                               int64_t now_us = 0);

}  // namespace rk::repair
