// The driver's one seam to repair planning (the pure logic of the repair/ module): which
// segments a run has, which of them start or stop on this tick and why the others wait, and the
// default schedule interval for a gc_grace. Only this file translates between the scheduler's
// stored runs and the planner's types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "repair/agents.h"
#include "repair/service.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"

namespace rk::scheduler {

struct PlannedSegment {
  TokenRange range = TokenRange::full_ring();
  std::vector<std::string> replicas;  // host ids, placement order
  int64_t estimated_bytes = 0;
};

// The segments of a run over the current ring, in ring order (repair::plan_segments): every
// replica range kept by the node and datacenter filters (ranges left with fewer than two replicas
// have nothing to compare and are skipped), cut into at least segments_per_range pieces and more
// while a piece's estimated size exceeds max_segment_bytes (estimated from the nodes' reported
// load). InvalidArgument for a bad replication, ring or filter.
Result<std::vector<PlannedSegment>> plan_segments(const RepairRunOptions& options,
                                                  const std::vector<NodeView>& nodes,
                                                  const Replication& replication);

// A segment whose replica set the ring no longer gives its range, and what to plan instead.
struct Replan {
  std::string reason;  // "ring changed: host a replaced by b", for logs and the segment's record
  // The range over the current ring: one piece per replica set it meets now (the run's
  // datacenter filter applied; pieces left with fewer than two replicas are dropped).
  std::vector<PlannedSegment> pieces;
};

// The placement of `replication` over the ring of `nodes` (REPLACED ones and nodes without tokens
// left out), as plan_segments plans with. InvalidArgument for a bad replication or ring.
Result<ReplicaPlacement> ring_placement(const std::vector<NodeView>& nodes,
                                        const Replication& replication);

// nullopt while `placement` (ring_placement of the current `nodes`) gives the segment's range
// exactly the segment's replicas; otherwise the replan (repair::replica_set_change).
// InvalidArgument for a bad stored range.
Result<std::optional<Replan>> replan_segment(const RepairRunOptions& options,
                                             const RepairSegment& segment,
                                             const ReplicaPlacement& placement,
                                             const std::vector<NodeView>& nodes);

// A node of a run as the planner needs it this tick.
struct HostCondition {
  std::string host_id;
  std::optional<NodeState> state;   // nullopt: not in the ring
  std::optional<LoadSignals> load;  // nullopt: unknown (no gate)
  bool in_other_session = false;    // busy in a session of another run
};

struct RunDecision {
  struct Start {
    int64_t segment_id = 0;
    std::string validation;  // the session's "validation"
  };
  struct Stop {
    int64_t segment_id = 0;
    std::string reason;
    bool counts_as_attempt = true;  // false: stopped only because the window closed
  };
  std::vector<Start> start;
  // Running sessions to cancel: timed out (a failed attempt) or the window closed (not counted).
  std::vector<Stop> stop;
  // Why pending segments wait on the cluster (a replica DOWN, load, ...), by segment id.
  std::map<int64_t, std::string> waiting;
  std::string summary;
};

// InvalidArgument naming what is wrong with a window spec: "window: bad weekday 'mnd' ...", an
// unknown time zone, an on_close other than finish|stop.
Status check_window(const RepairWindowSpec& window);
// The scheduler's default window (RepairOptions::windows, window_time_zone, window_close).
RepairWindowSpec default_window(const RepairOptions& options);
// The window a run keeps: its own, else the default.
RepairWindowSpec window_of(const RepairRunOptions& run, const RepairOptions& options);

// What to do with a RUNNING run on this tick (repair::select_segments): `segments` are the run's
// stored segments in position order (ABORTED ones, planned again as others, are left out),
// `hosts` every replica of them. The run's window (window_of)
// decides whether anything starts and whether running sessions stop at its close.
Result<RunDecision> decide_run(const RepairRun& run, const std::vector<RepairSegment>& segments,
                               const std::vector<HostCondition>& hosts,
                               const RepairOptions& options, int64_t now_us);

// One table's outstanding repair work, for the deadline forecast.
struct TableWork {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 0;
  int64_t oldest_repaired_at_us = 0;  // 0: some range never repaired
  int64_t remaining_bytes = 0;        // estimated bytes to repair before every range is again
  RepairWindowSpec window;            // only time inside it counts (the table's schedule's)
  int64_t first_seen_at_us = 0;       // when the table was created; 0: unknown
};

// Deadlines and forecasts (repair::forecast_deadlines) at `bytes_per_second` (0: pace unknown),
// AT_RISK when the forecast leaves less than `margin_fraction` of gc_grace before the deadline,
// each with its severity at `now_us` (repair::deadline_severity). A never-repaired table's
// deadline counts from its first_seen_at_us.
// Work items sharing a window are forecast together (one after another by deadline); a window
// that does not parse counts as always open. One entry per work item, in the given order.
std::vector<TableDeadline> forecast(const std::vector<TableWork>& work, double bytes_per_second,
                                    double margin_fraction, int64_t now_us);

// The observed repair pace of a run (repair::observed_bytes_per_second) per second of open time
// of its window (window_of), 0 when nothing finished.
double observed_pace(const RepairRun& run, const std::vector<RepairSegment>& segments,
                     const RepairOptions& options, int64_t now_us);

// The default schedule interval for tables whose smallest gc_grace is `gc_grace_seconds`
// (repair::default_repair_interval, a cycle of unknown length); for a gc_grace too short for its
// safety margin, half of it.
int64_t default_interval_seconds(int64_t gc_grace_seconds);

}  // namespace rk::scheduler
