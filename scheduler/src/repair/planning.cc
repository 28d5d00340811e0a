// The scheduler's planning seam over the repair/ library (see planning.h).
#include "repair/planning.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "cluster/json.h"
#include "ringkeeper/repair/gc_grace.h"
#include "ringkeeper/repair/ring_change.h"
#include "ringkeeper/repair/segment_plan.h"
#include "ringkeeper/repair/segment_selection.h"

namespace rk::scheduler {
namespace {

repair::RepairMode mode_of(RepairParallelism p) {
  switch (p) {
    case RepairParallelism::kParallel:
      return repair::RepairMode::kParallel;
    case RepairParallelism::kDatacenterAware:
      return repair::RepairMode::kDatacenterAware;
    case RepairParallelism::kSequential:
      break;
  }
  return repair::RepairMode::kSequential;
}

repair::NodeState node_state_of(const std::optional<NodeState>& s) {
  if (!s) return repair::NodeState::kUnknown;
  switch (*s) {
    case NodeState::kNormal:
      return repair::NodeState::kNormal;
    case NodeState::kJoining:
      return repair::NodeState::kJoining;
    case NodeState::kLeaving:
      return repair::NodeState::kLeaving;
    case NodeState::kDown:
    case NodeState::kReplaced:
      break;
  }
  return repair::NodeState::kDown;
}

// The stored state of a segment as the planner counts it: a pending segment that has had
// attempts failed its last one (its backoff runs from finished_at_us).
repair::SegmentProgress progress_of(const RepairSegment& g) {
  repair::SegmentProgress p;
  p.attempts = g.attempts;
  p.started_at_us = g.started_at_us;
  p.finished_at_us = g.finished_at_us;
  switch (g.state) {
    case SegmentState::kDone:
      p.state = repair::SegmentState::kDone;
      break;
    case SegmentState::kStarting:
    case SegmentState::kRunning:
      p.state = repair::SegmentState::kRunning;
      break;
    case SegmentState::kFailed:
    case SegmentState::kAborted:
      p.state = repair::SegmentState::kFailed;
      break;
    case SegmentState::kPending:
      p.state = g.attempts > 0 ? repair::SegmentState::kFailed : repair::SegmentState::kPending;
      p.postponed_until_us = g.not_before_us;
      break;
  }
  return p;
}

Result<repair::MaintenanceSchedule> parse_window(const RepairWindowSpec& w) {
  Result<repair::TimeZone> zone = repair::TimeZone::load(w.time_zone);
  if (!zone.ok()) {
    return Status::InvalidArgument(
        fmt::format("window time zone '{}': {}", w.time_zone, zone.status().message()));
  }
  Result<repair::MaintenanceSchedule> schedule =
      repair::MaintenanceSchedule::parse(w.windows, std::move(*zone));
  if (!schedule.ok()) {
    return Status::InvalidArgument(
        fmt::format("window '{}': {}", w.windows, schedule.status().message()));
  }
  return schedule;
}

Result<repair::WindowClosePolicy> parse_close(std::string_view on_close) {
  if (on_close == "finish") return repair::WindowClosePolicy::kFinish;
  if (on_close == "stop") return repair::WindowClosePolicy::kStop;
  return Status::InvalidArgument(
      fmt::format("window close policy must be finish or stop, got '{}'", on_close));
}

}  // namespace

Status check_window(const RepairWindowSpec& window) {
  RK_RETURN_IF_ERROR(parse_window(window).status());
  return parse_close(window.on_close).status();
}

RepairWindowSpec default_window(const RepairOptions& options) {
  return {options.windows, options.window_time_zone, options.window_close};
}

RepairWindowSpec window_of(const RepairRunOptions& run, const RepairOptions& options) {
  return run.window ? *run.window : default_window(options);
}

namespace {

// The nodes that own tokens: REPLACED nodes handed theirs to their replacement.
bool in_ring(const NodeView& n) {
  return !n.info.tokens.empty() && n.info.state != NodeState::kReplaced;
}

}  // namespace

Result<ReplicaPlacement> ring_placement(const std::vector<NodeView>& nodes,
                                        const Replication& replication) {
  std::vector<RingNode> ring_nodes;
  for (const NodeView& n : nodes) {
    if (in_ring(n)) {
      ring_nodes.push_back({n.info.host_id, n.info.datacenter, n.info.rack, n.info.tokens});
    }
  }
  RK_ASSIGN_OR_RETURN(Ring ring, Ring::build(std::move(ring_nodes)));
  return ReplicaPlacement::create(std::move(ring), replication);
}

Result<std::vector<PlannedSegment>> plan_segments(const RepairRunOptions& options,
                                                  const std::vector<NodeView>& nodes,
                                                  const Replication& replication) {
  repair::SizeEstimates sizes;
  for (const NodeView& n : nodes) {
    // The registry knows each node's total load only: count it against the run's first table.
    if (in_ring(n) && !options.tables.empty()) {
      sizes[n.info.host_id][options.tables.front()] = n.load_bytes;
    }
  }
  RK_ASSIGN_OR_RETURN(ReplicaPlacement placement, ring_placement(nodes, replication));
  repair::SegmentPlanOptions po;
  po.target_segment_bytes = options.max_segment_bytes;
  po.min_pieces_per_range = static_cast<uint32_t>(std::max(1, options.segments_per_range));
  // Without a size limit merging would fold every range of a replica set into one segment.
  po.merge_adjacent = options.max_segment_bytes > 0;
  po.datacenters = options.datacenters;
  po.nodes = options.nodes;
  po.min_replicas = 2;
  RK_ASSIGN_OR_RETURN(repair::SegmentPlan plan, repair::plan_segments(placement, options.keyspace,
                                                                      options.tables, sizes, po));
  std::vector<PlannedSegment> out;
  out.reserve(plan.segments.size());
  for (const repair::Segment& s : plan.segments) {
    out.push_back({s.range, plan.replica_ids(s), s.estimated_bytes});
  }
  return out;
}

Result<std::optional<Replan>> replan_segment(const RepairRunOptions& options,
                                             const RepairSegment& segment,
                                             const ReplicaPlacement& placement,
                                             const std::vector<NodeView>& nodes) {
  RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(segment.range));
  const repair::RingChange change =
      repair::replica_set_change(placement, range, segment.replicas, options.datacenters);
  if (change.empty()) return std::optional<Replan>();
  std::map<std::string, const NodeView*> by_host;
  std::map<std::string, std::string> replaced_by;  // the ring no longer lists REPLACED nodes
  for (const NodeView& n : nodes) {
    by_host[n.info.host_id] = &n;
    if (!n.info.replaces_host_id.empty()) replaced_by[n.info.replaces_host_id] = n.info.host_id;
  }
  const repair::HostInfo hosts{
      [&](const std::string& h) {
        auto it = by_host.find(h);
        return it == by_host.end() || it->second->info.address.empty()
                   ? h
                   : fmt::format(
                         "{} ({})", h,
                         host_port(it->second->info.address, it->second->info.internode_port));
      },
      [&](const std::string& h) {
        auto it = by_host.find(h);
        return it == by_host.end() ? std::string()
                                   : std::string(node_state_name(it->second->info.state));
      },
      [&](const std::string& h) {
        auto it = replaced_by.find(h);
        return it == replaced_by.end() ? std::string() : it->second;
      }};
  Replan out;
  out.reason = "ring changed: " + repair::describe(change, hosts);
  const std::vector<RangeReplicas> pieces = placement.replicas_for_range(range);
  for (const RangeReplicas& piece : pieces) {
    PlannedSegment p;
    p.range = piece.range;
    for (const RingNode* n : piece.replicas) {
      if (options.datacenters.empty() ||
          std::find(options.datacenters.begin(), options.datacenters.end(), n->datacenter) !=
              options.datacenters.end()) {
        p.replicas.push_back(n->host_id);
      }
    }
    if (p.replicas.size() < 2) continue;  // nothing to compare
    p.estimated_bytes = segment.estimated_bytes / static_cast<int64_t>(pieces.size());
    out.pieces.push_back(std::move(p));
  }
  return std::optional<Replan>(std::move(out));
}

namespace {

// The stored segments as the planner's plan (records in position order, so planner segment i is
// segments[i]) and their progress. The scheduler keeps no primary per segment; the first replica
// (the primary for SimpleStrategy) stands in for it, which is what sequential mode walks by.
Result<repair::SegmentPlan> stored_plan(const RepairRun& run,
                                        const std::vector<RepairSegment>& segments,
                                        std::vector<repair::SegmentProgress>* progress) {
  std::vector<repair::SegmentRecord> records;
  records.reserve(segments.size());
  progress->reserve(segments.size());
  for (const RepairSegment& g : segments) {
    RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(g.range));
    records.push_back(
        {range, g.replicas, g.replicas.empty() ? "" : g.replicas.front(), g.estimated_bytes});
    progress->push_back(progress_of(g));
  }
  return repair::restore_plan(run.options.keyspace, run.options.tables, records, {});
}

}  // namespace

Result<RunDecision> decide_run(const RepairRun& run, const std::vector<RepairSegment>& all,
                               const std::vector<HostCondition>& hosts,
                               const RepairOptions& options, int64_t now_us) {
  // A live run's ABORTED segments were planned again as others (ring_changes.cc): the planner
  // never sees them.
  std::vector<RepairSegment> segments;
  std::copy_if(all.begin(), all.end(), std::back_inserter(segments),
               [](const RepairSegment& g) { return g.state != SegmentState::kAborted; });
  std::vector<repair::SegmentProgress> progress;
  RK_ASSIGN_OR_RETURN(repair::SegmentPlan plan, stored_plan(run, segments, &progress));
  std::vector<repair::NodeCondition> conditions;
  for (const HostCondition& h : hosts) {
    repair::NodeCondition c;
    c.host_id = h.host_id;
    c.state = node_state_of(h.state);
    c.in_other_session = h.in_other_session;
    if (h.load) {
      c.pending_compactions = h.load->pending_compactions;
      c.disk = h.load->disk_critical ? repair::SignalState::kCritical : repair::SignalState::kOk;
      c.await = h.load->await_critical ? repair::SignalState::kCritical : repair::SignalState::kOk;
      c.disk_message = h.load->message;
      c.await_message = h.load->message;
    }
    conditions.push_back(std::move(c));
  }
  repair::SelectionOptions so;
  so.mode = mode_of(run.options.parallelism);
  so.concurrency = run.options.max_sessions;
  so.intensity = run.options.intensity;
  so.max_pending_compactions = options.max_pending_compactions;
  so.segment_timeout = std::chrono::duration_cast<std::chrono::seconds>(options.segment_timeout);
  if (so.segment_timeout.count() < 1) so.segment_timeout = std::chrono::seconds(1);
  so.retry.max_attempts = options.max_attempts;
  so.retry.initial_delay = options.retry_initial_delay;
  so.retry.max_delay = options.retry_max_delay;
  const RepairWindowSpec window = window_of(run.options, options);
  RK_ASSIGN_OR_RETURN(so.windows, parse_window(window));
  RK_ASSIGN_OR_RETURN(so.window_close, parse_close(window.on_close));
  RK_ASSIGN_OR_RETURN(repair::Selection sel,
                      repair::select_segments({&plan, progress, conditions, now_us}, so));
  RunDecision out;
  out.summary = sel.summary;
  for (const repair::SegmentStart& s : sel.start) {
    out.start.push_back({segments[s.segment].id, s.validation});
  }
  for (const repair::SegmentStop& s : sel.stop) {
    out.stop.push_back({segments[s.segment].id, s.reason, s.counts_as_attempt});
  }
  for (const repair::SegmentWait& w : sel.waiting) {
    // Only what the cluster does (not the run's own pacing) is worth showing as "postponed".
    if (w.kind == repair::WaitKind::kReplicaUnavailable || w.kind == repair::WaitKind::kLoad ||
        w.kind == repair::WaitKind::kOutsideWindow) {
      out.waiting[segments[w.segment].id] = w.message;
    }
  }
  return out;
}

namespace {

TableDeadline deadline_of(const repair::TableDeadline& d, int64_t now_us) {
  TableDeadline t;
  t.keyspace = d.table.keyspace;
  t.table = d.table.table;
  t.gc_grace_seconds = d.gc_grace_seconds;
  t.oldest_repaired_at_us = d.oldest_repaired_at_us;
  t.deadline_us = d.deadline_us;
  t.forecast_done_us = d.forecast_done_us;
  t.state = d.state;
  t.severity = repair::deadline_severity(d.state, d.deadline_us, now_us);
  t.message = d.message;
  return t;
}

}  // namespace

std::vector<TableDeadline> forecast(const std::vector<TableWork>& work, double bytes_per_second,
                                    double margin_fraction, int64_t now_us) {
  // Items with the same window share its open time: forecast them together.
  std::map<std::pair<std::string, std::string>, std::vector<const TableWork*>> groups;
  for (const TableWork& w : work) {
    groups[{w.window.windows, w.window.time_zone}].push_back(&w);
  }
  std::vector<TableDeadline> out;
  for (const auto& [key, group] : groups) {
    std::vector<repair::RepairWork> items;
    for (const TableWork* w : group) {
      repair::RepairWork item;
      item.tables = {{w->keyspace, w->table, w->gc_grace_seconds}};
      item.oldest_repaired_at_us = w->oldest_repaired_at_us;
      item.remaining_bytes = w->remaining_bytes;
      item.first_seen_at_us = w->first_seen_at_us;
      items.push_back(std::move(item));
    }
    repair::ForecastOptions fo;
    fo.bytes_per_second = bytes_per_second;
    fo.safety_margin_fraction = margin_fraction;
    fo.safety_margin_min = std::chrono::seconds(0);
    Result<repair::MaintenanceSchedule> windows = parse_window(group.front()->window);
    if (windows.ok()) fo.windows = std::move(*windows);
    for (const repair::TableDeadline& d :
         repair::forecast_deadlines(std::move(items), now_us, fo)) {
      out.push_back(deadline_of(d, now_us));
    }
  }
  // The planner orders by deadline; callers want the order they gave.
  std::vector<TableDeadline> ordered;
  for (const TableWork& w : work) {
    for (TableDeadline& t : out) {
      if (t.keyspace == w.keyspace && t.table == w.table) ordered.push_back(std::move(t));
    }
  }
  return ordered;
}

double observed_pace(const RepairRun& run, const std::vector<RepairSegment>& segments,
                     const RepairOptions& options, int64_t now_us) {
  std::vector<repair::SegmentProgress> progress;
  Result<repair::SegmentPlan> plan = stored_plan(run, segments, &progress);
  if (!plan.ok()) return 0;
  Result<repair::MaintenanceSchedule> windows = parse_window(window_of(run.options, options));
  return repair::observed_bytes_per_second(*plan, progress, now_us,
                                           windows.ok() ? *windows : repair::MaintenanceSchedule());
}

int64_t default_interval_seconds(int64_t gc_grace_seconds) {
  Result<repair::ScheduleAdvice> advice =
      repair::default_repair_interval(gc_grace_seconds, std::chrono::seconds(0));
  if (advice.ok() && advice->interval.count() >= 1) return advice->interval.count();
  return std::max<int64_t>(1, gc_grace_seconds / 2);
}

}  // namespace rk::scheduler
